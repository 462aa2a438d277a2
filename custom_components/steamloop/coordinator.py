"""Push coordinator: turns the supervisor's availability and state changes into entity updates."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .client import (
    Change,
    ConnectError,
    LinkState,
    Supervisor,
    ThermostatState,
)
from .const import DOMAIN, ISSUE_CERTIFICATE_CHANGED, LOGGER

type SteamloopConfigEntry = ConfigEntry[SteamloopCoordinator]


class SteamloopCoordinator(DataUpdateCoordinator[ThermostatState]):
    """Owns the supervisor and fans its events out to the entities that care."""

    config_entry: SteamloopConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: SteamloopConfigEntry, supervisor: Supervisor
    ) -> None:
        """Initialise with a supervisor that is not running yet."""
        super().__init__(hass, LOGGER, config_entry=entry, name=entry.title, update_interval=None)
        self.supervisor = supervisor
        self.data = supervisor.state
        # Entity callbacks by the data they show: "zone:<id>" or "system:<field>".
        self._change_listeners: dict[str, set[Callable[[], None]]] = defaultdict(set)
        self.last_update_success = False
        # The thermostat's device, which zone devices are linked to; set once it is registered.
        self.device_id = ""
        self._announced_loss = False
        self._zone_listeners: list[Callable[[frozenset[str]], None]] = []
        self._zone_names: dict[str, str] = {}

    @property
    def device_key(self) -> str:
        """Return the stable key that entity unique ids and device identifiers derive from."""
        return self.config_entry.unique_id or self.config_entry.entry_id

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Subscribe to the supervisor; return the unsubscribe callable."""
        unsubs = (
            self.supervisor.add_availability_listener(self._on_availability),
            self.supervisor.add_state_listener(self._on_state),
        )

        @callback
        def unsubscribe() -> None:
            for unsub in unsubs:
                unsub()

        return unsubscribe

    @callback
    def async_add_change_listener(
        self, listener: Callable[[], None], keys: set[str]
    ) -> CALLBACK_TYPE:
        """Call listener when data under any of keys ("zone:<id>", "system:<field>") changes."""
        for key in keys:
            self._change_listeners[key].add(listener)

        @callback
        def remove() -> None:
            for key in keys:
                self._change_listeners[key].discard(listener)

        return remove

    @callback
    def async_add_zone_listener(self, listener: Callable[[frozenset[str]], None]) -> CALLBACK_TYPE:
        """Call listener with the ids of zones that appear after setup."""
        self._zone_listeners.append(listener)

        @callback
        def remove() -> None:
            self._zone_listeners.remove(listener)

        return remove

    @callback
    def _on_state(self, change: Change) -> None:
        """Apply a state change from the supervisor."""
        if change.removed:
            self._remove_zone_devices(change.removed)
        if change.added:
            for listener in list(self._zone_listeners):
                listener(change.added)
        self._rename_zone_devices(change.zones | change.added)
        if not self.last_update_success:
            # The entities are unavailable; the availability flip that follows writes them all.
            return
        keys = [f"zone:{zone_id}" for zone_id in change.zones | change.removed]
        keys += [f"system:{field}" for field in change.system]
        targets: set[Callable[[], None]] = set()
        for key in keys:
            targets.update(self._change_listeners.get(key, ()))
        # Only the entities that show what changed are called: a temperature event of one zone
        # reaches that zone's few entities, not every entity of the thermostat.
        for write in targets:
            write()

    @callback
    def _on_availability(self, available: bool, reason: str | None) -> None:  # noqa: FBT001
        """Flip every entity's availability, logging once each way."""
        if available:
            if self._announced_loss:
                LOGGER.info("Connection to %s restored", self.config_entry.title)
                self._announced_loss = False
            self.last_exception = None
            self.last_update_success = True
        else:
            if self.hass.is_stopping:
                # Shutting down: no point writing a storm of unavailable states.
                return
            if not self._announced_loss and self.last_update_success:
                LOGGER.info("Connection to %s lost: %s", self.config_entry.title, reason)
                self._announced_loss = True
            self.last_exception = self.supervisor.last_error or ConnectError(reason or "")
            self.last_update_success = False
            self._handle_give_up()
        self.async_update_listeners()

    @callback
    def _handle_give_up(self) -> None:
        """Ask the user to act when the supervisor stopped retrying."""
        entry = self.config_entry
        if self.supervisor.link_state is LinkState.AUTH_FAILED:
            entry.async_start_reauth(self.hass)
        elif self.supervisor.link_state is LinkState.CERT_MISMATCH:
            async_create_certificate_issue(self.hass, entry, self.supervisor.fingerprint)

    @callback
    def _rename_zone_devices(self, zone_ids: frozenset[str]) -> None:
        """Give zone devices the names the thermostat reports, as they arrive or change."""
        registry = dr.async_get(self.hass)
        for zone_id in zone_ids:
            zone = self.data.zones.get(zone_id)
            if zone is None or not zone.name or self._zone_names.get(zone_id) == zone.name:
                continue
            device = registry.async_get_device_by_identifier(
                (DOMAIN, self.zone_key(zone_id)), self.config_entry.entry_id
            )
            if device is None:
                continue
            self._zone_names[zone_id] = zone.name
            if device.name != zone.name:
                registry.async_update_device(device.id, name=zone.name)

    @callback
    def _remove_zone_devices(self, zone_ids: frozenset[str]) -> None:
        """Remove the devices (and so the entities) of zones the thermostat no longer has."""
        registry = dr.async_get(self.hass)
        for zone_id in zone_ids:
            device = registry.async_get_device_by_identifier(
                (DOMAIN, self.zone_key(zone_id)), self.config_entry.entry_id
            )
            if device is not None:
                registry.async_remove_device(device.id)

    def zone_key(self, zone_id: str) -> str:
        """Return the identifier of a zone's device."""
        return f"{self.device_key}_zone_{zone_id}"


@callback
def async_create_certificate_issue(
    hass: HomeAssistant, entry: SteamloopConfigEntry, fingerprint: str | None
) -> None:
    """Raise the fixable repair issue for a thermostat presenting a new certificate."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        f"{ISSUE_CERTIFICATE_CHANGED}_{entry.entry_id}",
        is_fixable=True,
        is_persistent=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=ISSUE_CERTIFICATE_CHANGED,
        translation_placeholders={"title": entry.title},
        data={"entry_id": entry.entry_id, "fingerprint": fingerprint or ""},
    )
