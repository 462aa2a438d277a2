"""The coordinator: owns the thermostat's link, maps its errors, and tells entities what changed.

It is the one place where client errors become Home Assistant ones, at the first refresh and at
runtime, and the one place that logs what a user should know about the link. The thermostat
pushes everything, so a refresh request (``homeassistant.update_entity``) is answered with the
pushed state; entity availability follows the link, not the last refresh.

An entry that has connected before is set up at once from the structure last seen (zones, their
names, supported modes, whether emergency heat exists), stored whenever it changes; its entities
stay unavailable until the link is READY. Only a first-ever setup waits for the thermostat: until
its first attempt fails (then at once into setup-retry) or SETUP_TIMEOUT.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, cast

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .client import (
    AuthenticationError,
    CertificateMismatchError,
    Change,
    ConnectError,
    LinkState,
    SteamloopError,
    Supervisor,
    ThermostatState,
    Zone,
    ZoneMode,
)
from .compat import device_by_identifier
from .const import (
    CONF_FINGERPRINT,
    CONF_SECRET_KEY,
    DOMAIN,
    ISSUE_CERTIFICATE_CHANGED,
    ISSUE_UNREACHABLE,
    LOGGER,
    MANUFACTURER,
    SETUP_TIMEOUT,
    STORAGE_VERSION,
    UNREACHABLE_ISSUE_AFTER,
)
from .helpers import build_transport
from .identity import has_address_identity, is_mac
from .redact import entry_redactor

type SteamloopConfigEntry = ConfigEntry[SteamloopCoordinator]


@dataclass(frozen=True, slots=True)
class ZoneKey:
    """The data of one zone."""

    zone_id: str


@dataclass(frozen=True, slots=True)
class SystemKey:
    """One system-wide field of the thermostat's state (a name in ``SYSTEM_FIELDS``)."""

    field: str


@dataclass(frozen=True, slots=True)
class LinkKey:
    """The link's own statistics."""


LINK: Final = LinkKey()
type DataKey = ZoneKey | SystemKey | LinkKey


def change_keys(change: Change) -> set[DataKey]:
    """Return the keys of the data a Change touched (added zones are new entities instead)."""
    keys: set[DataKey] = {ZoneKey(zone_id) for zone_id in change.zones | change.removed}
    keys.update(SystemKey(name) for name in change.system)
    return keys


def _structure(state: ThermostatState) -> dict[str, Any]:
    """Return what entities are made from: zones and their names, modes, emergency heat."""
    return {
        "zones": {zone_id: zone.name for zone_id, zone in state.zones.items()},
        "supported_modes": [mode.value for mode in state.supported_modes],
        "emergency_heat": state.emergency_heat is not None,
    }


def _restored(structure: dict[str, Any]) -> ThermostatState:
    """Return a state holding a stored structure and no readings."""
    modes = [mode for mode in ZoneMode if mode.value in structure.get("supported_modes", [])]
    return ThermostatState(
        zones={
            str(zone_id): Zone(str(zone_id), name=name)
            for zone_id, name in structure.get("zones", {}).items()
        },
        supported_modes=tuple(modes),
    )


class SteamloopCoordinator(DataUpdateCoordinator[ThermostatState]):
    """Owns the supervisor and fans its events out to the entities that show them."""

    config_entry: SteamloopConfigEntry

    def __init__(self, hass: HomeAssistant, entry: SteamloopConfigEntry) -> None:
        """Prepare the supervisor of an entry; nothing connects before the first refresh."""
        # The one redactor of everything the entry holds or has held (redact.py).
        self.redact = entry_redactor(entry)
        # What logs and errors call the thermostat: its title ("Thermostat 2"), which names it
        # apart from the others; an address a user typed into it is masked all the same.
        self.label = self.redact(entry.title)
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=self.label,
            update_interval=None,
            always_update=False,
        )
        self.supervisor = Supervisor(
            build_transport(entry.data, name=self.label),
            entry.data[CONF_SECRET_KEY],
            expected_fingerprint=entry.data.get(CONF_FINGERPRINT),
            redactor=self.redact,
        )
        self.data = self.supervisor.state
        # The thermostat's device, which zone devices are linked to.
        self.device_id = ""
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, storage_key(entry))
        self._structure: dict[str, Any] | None = None
        self._known_emergency_heat = False
        self._waiting_first_sync = False
        self._announced_loss = False
        self._was_available = False
        self._dirty: set[DataKey] = set()
        self._flush: asyncio.Handle | None = None
        self._link_marks: tuple[object, ...] = ()
        self._zone_listeners: list[Callable[[frozenset[str]], None]] = []
        self._zone_names: dict[str, str] = {}
        # Raises the "unreachable" repair issue when the link stays down that long.
        self._unreachable_timer: CALLBACK_TYPE | None = None

    @property
    def available(self) -> bool:
        """Return whether the link is READY (entities show live data)."""
        return self.supervisor.available

    @property
    def has_emergency_heat(self) -> bool:
        """Return whether the thermostat reports emergency heat, now or when last seen."""
        return self.data.emergency_heat is not None or self._known_emergency_heat

    @property
    def device_key(self) -> str:
        """Return the stable key that entity unique ids and device identifiers derive from."""
        return self.config_entry.unique_id or self.config_entry.entry_id

    def zone_key(self, zone_id: str) -> str:
        """Return the identifier of a zone's device."""
        return zone_device_key(self.device_key, zone_id)

    async def _async_setup(self) -> None:
        """Load the last known structure, register the device and start the supervisor."""
        entry = self.config_entry
        stored = await self._store.async_load() or self._structure_from_registries()
        if stored:
            self._structure = stored
            self._known_emergency_heat = bool(stored.get("emergency_heat"))
            self.data.sync_from(_restored(stored))
        else:
            self._waiting_first_sync = True
        mac = entry.unique_id if is_mac(entry.unique_id) else None
        self.device_id = (
            dr.async_get(self.hass)
            .async_get_or_create(
                config_entry_id=entry.entry_id,
                identifiers={(DOMAIN, self.device_key)},
                connections={(dr.CONNECTION_NETWORK_MAC, mac)} if mac else set(),
                manufacturer=MANUFACTURER,
                name=entry.title,
            )
            .id
        )
        entry.async_on_unload(self.supervisor.add_availability_listener(self._on_availability))
        entry.async_on_unload(self.supervisor.add_state_listener(self._on_state))
        entry.async_on_unload(self._async_stop)
        entry.async_on_unload(self._async_forget_unreachable)
        self._async_watch_unreachable()
        entry.async_on_unload(
            self.hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, self._async_on_hass_stop)
        )
        entry.async_create_background_task(
            self.hass, self.supervisor.run(), f"{DOMAIN} {self.label} supervisor"
        )
        if not self._waiting_first_sync:
            # Set up at once from the stored structure: nobody waits for the link, so say it
            # if it does not come (a first-ever setup fails with the reason instead).
            entry.async_create_background_task(
                self.hass, self._async_check_start(), f"{DOMAIN} {self.label} start check"
            )

    async def _async_check_start(self) -> None:
        """Log one INFO line when the thermostat is not reachable after a start."""
        try:
            await self.supervisor.wait_ready(SETUP_TIMEOUT)
        except ConnectError as err:
            if (
                self._announced_loss
                or self.available
                or self.supervisor.link_state is LinkState.STOPPED
            ):
                return
            reason = self.supervisor.last_error or err
            LOGGER.info(
                "%s is not reachable since the start; retrying in the background: %s",
                self.label,
                self.redact(str(reason)),
            )
            self._announced_loss = True
        except SteamloopError:
            # Given up: the reauthentication flow or the certificate repair says it.
            return

    def _structure_from_registries(self) -> dict[str, Any] | None:
        """Return the structure an entry set up before the structure was stored left behind.

        Its zone devices name the zones and the emergency heat switch's registry entry tells
        whether there is one; the supported modes are learnt when the thermostat answers.
        """
        entry_id = self.config_entry.entry_id
        prefix = self.zone_key("")
        zones = {
            identifier[len(prefix) :]: device.name
            for device in dr.async_entries_for_config_entry(dr.async_get(self.hass), entry_id)
            for domain, identifier in device.identifiers
            if domain == DOMAIN and identifier.startswith(prefix)
        }
        if not zones:
            return None
        switch = er.async_get(self.hass).async_get_entity_id(
            "switch", DOMAIN, f"{self.device_key}_emergency_heat"
        )
        return {"zones": zones, "supported_modes": [], "emergency_heat": switch is not None}

    async def _async_update_data(self) -> ThermostatState:
        """Return the pushed state; only a first-ever setup waits for the thermostat first."""
        if self._waiting_first_sync:
            try:
                # A refused or unreachable first attempt ends the setup at once: Home Assistant
                # retries it (setup-retry) rather than waiting here for a thermostat that is away.
                await self.supervisor.wait_ready(SETUP_TIMEOUT, first_failure=True)
            except AuthenticationError as err:
                raise ConfigEntryAuthFailed(
                    translation_domain=DOMAIN, translation_key="authentication_failed"
                ) from err
            except CertificateMismatchError as err:
                self._async_create_certificate_issue()
                raise ConfigEntryError(
                    translation_domain=DOMAIN, translation_key="certificate_changed"
                ) from err
            except ConnectError as err:
                raise UpdateFailed(
                    translation_domain=DOMAIN,
                    translation_key="cannot_connect",
                    translation_placeholders={"reason": self.redact(str(err))},
                ) from err
            finally:
                self._waiting_first_sync = False
        return self.supervisor.state

    async def _async_stop(self) -> None:
        """Stop the supervisor and drop what is pending for the entities."""
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        await self.supervisor.stop()

    async def _async_on_hass_stop(self, _: Event) -> None:
        await self.supervisor.stop()

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
        """Apply a change now to devices; write entities once the received chunk is handled."""
        if change.removed:
            self._remove_zone_devices(change.removed)
        if change.added:
            for listener in list(self._zone_listeners):
                listener(change.added)
        self._dirty.update(change_keys(change))
        if self._flush is None:
            # Every frame of one read is handled before the loop runs this: each entity is
            # written once per chunk with its last value, however many frames the chunk held.
            self._flush = self.hass.loop.call_soon(self._flush_changes)

    @callback
    def _flush_changes(self) -> None:
        """Write the entities that show what changed since the last flush."""
        self._flush = None
        dirty, self._dirty = self._dirty, set()
        self._rename_zone_devices({key.zone_id for key in dirty if isinstance(key, ZoneKey)})
        stats = self.supervisor.stats
        marks = (stats.connects, stats.disconnects, stats.last_disconnect_reason)
        if marks != self._link_marks:
            # A link refreshed without a change of availability (after a silence, say).
            self._link_marks = marks
            dirty.add(LINK)
        if not self.available:
            # Unavailable entities show nothing; the flip back writes every entity.
            return
        self._save_structure()
        # The coordinator's own listener registry: each entity's context is its set of keys.
        for update, context in list(self._listeners.values()):
            if context is None or not dirty.isdisjoint(cast("frozenset[DataKey]", context)):
                update()

    @callback
    def _on_availability(self, available: bool, reason: str | None) -> None:  # noqa: FBT001
        """Write every entity when the link comes or goes; log once each way."""
        was_available, self._was_available = self._was_available, available
        if available:
            if self._announced_loss:
                LOGGER.info("Connection to %s restored", self.label)
                self._announced_loss = False
            self._link_up()
            self._async_forget_unreachable()
        else:
            if self.hass.is_stopping:
                # Shutting down: no point writing a storm of unavailable states.
                return
            if was_available and not self._announced_loss:
                LOGGER.info("Connection to %s lost: %s", self.label, self.redact(reason or ""))
                self._announced_loss = True
            if not self._waiting_first_sync:
                # During a first setup, the first refresh raises instead.
                self._handle_give_up()
            self._async_watch_unreachable()
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        self._dirty.clear()
        self._link_marks = ()
        self.async_update_listeners()

    @callback
    def _link_up(self) -> None:
        """Record what a READY link proves: its certificate and the thermostat's structure."""
        entry = self.config_entry
        ir.async_delete_issue(self.hass, DOMAIN, certificate_issue_id(entry))
        if entry.data.get(CONF_FINGERPRINT) is None and self.supervisor.fingerprint is not None:
            # Entries made with a key or migrated from trane pin the certificate seen first.
            self.hass.config_entries.async_update_entry(
                entry, data={**entry.data, CONF_FINGERPRINT: self.supervisor.fingerprint}
            )
            if has_address_identity(entry):
                # An older entry's unique id moves off its address at setup (identity.py).
                self.hass.config_entries.async_schedule_reload(entry.entry_id)
        self._known_emergency_heat = self.data.emergency_heat is not None
        self._rename_zone_devices(set(self.data.zones))
        self._save_structure()

    @callback
    def _async_watch_unreachable(self) -> None:
        """Raise the unreachable issue if the link is not back within the hour."""
        if self._unreachable_timer is None and not self.available:
            self._unreachable_timer = async_call_later(
                self.hass, UNREACHABLE_ISSUE_AFTER, self._async_create_unreachable_issue
            )

    @callback
    def _async_forget_unreachable(self) -> None:
        """Stop waiting and withdraw the unreachable issue: the link is back, or the entry went."""
        if self._unreachable_timer is not None:
            self._unreachable_timer()
            self._unreachable_timer = None
        ir.async_delete_issue(self.hass, DOMAIN, unreachable_issue_id(self.config_entry))

    @callback
    def _async_create_unreachable_issue(self, _now: object) -> None:
        """Tell the user the thermostat has been unreachable for long, and what to check."""
        self._unreachable_timer = None
        if self.available or self.supervisor.link_state in (
            LinkState.AUTH_FAILED,
            LinkState.CERT_MISMATCH,
        ):
            # A refused key or a new certificate has its own flow, which says what to do.
            return
        entry = self.config_entry
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            unreachable_issue_id(entry),
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_UNREACHABLE,
            translation_placeholders={
                "title": entry.title,
                "hours": f"{UNREACHABLE_ISSUE_AFTER / 3600:g}",
            },
        )

    @callback
    def _handle_give_up(self) -> None:
        """Ask the user to act when the supervisor stopped retrying."""
        link_state = self.supervisor.link_state
        if link_state is LinkState.AUTH_FAILED:
            LOGGER.warning("%s refused the stored key; re-authenticate to reconnect", self.label)
            self.config_entry.async_start_reauth(self.hass)
        elif link_state is LinkState.CERT_MISMATCH:
            LOGGER.warning("%s presents a new certificate; see Repairs", self.label)
            self._async_create_certificate_issue()

    @callback
    def _save_structure(self) -> None:
        """Store the structure when it differs from the one stored (READY links only)."""
        structure = _structure(self.data)
        if structure != self._structure:
            self._structure = structure
            self.config_entry.async_create_task(
                self.hass, self._store.async_save(structure), f"{DOMAIN} store structure"
            )

    @callback
    def _async_create_certificate_issue(self) -> None:
        """Raise the fixable repair issue for a thermostat presenting a new certificate."""
        entry = self.config_entry
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            certificate_issue_id(entry),
            is_fixable=True,
            is_persistent=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=ISSUE_CERTIFICATE_CHANGED,
            translation_placeholders={"title": entry.title},
            data={"entry_id": entry.entry_id, "fingerprint": self.supervisor.fingerprint or ""},
        )

    @callback
    def _rename_zone_devices(self, zone_ids: set[str]) -> None:
        """Give zone devices the names the thermostat reports, as they arrive or change."""
        registry = dr.async_get(self.hass)
        for zone_id in zone_ids:
            zone = self.data.zones.get(zone_id)
            if zone is None or not zone.name or self._zone_names.get(zone_id) == zone.name:
                continue
            device = device_by_identifier(
                registry, (DOMAIN, self.zone_key(zone_id)), self.config_entry.entry_id
            )
            if device is None:
                continue
            self._zone_names[zone_id] = zone.name
            if device.name != zone.name:
                registry.async_update_device(device.id, name=zone.name)

    @callback
    def async_place_new_zone_devices(self, since: datetime) -> None:
        """Put the zone devices created since `since` in the area of their name.

        What ``suggested_area`` does, but after the entities are registered: given at creation,
        the area would also prefix every entity id of the zone (``climate.living_room_living_room``
        for a zone named like its room). A device created before, or moved by its user, is left
        where it is; the area is created when there is none of that name.
        """
        devices = dr.async_get(self.hass)
        areas = ar.async_get(self.hass)
        for zone_id, zone in self.data.zones.items():
            device = device_by_identifier(
                devices, (DOMAIN, self.zone_key(zone_id)), self.config_entry.entry_id
            )
            if device is None or device.area_id or device.created_at < since or not zone.name:
                continue
            area = areas.async_get_area_by_name(zone.name) or areas.async_create(zone.name)
            devices.async_update_device(device.id, area_id=area.id)

    @callback
    def _remove_zone_devices(self, zone_ids: frozenset[str]) -> None:
        """Remove the devices (and so the entities) of zones the thermostat no longer has."""
        registry = dr.async_get(self.hass)
        for zone_id in zone_ids:
            self._zone_names.pop(zone_id, None)
            device = device_by_identifier(
                registry, (DOMAIN, self.zone_key(zone_id)), self.config_entry.entry_id
            )
            if device is not None:
                registry.async_remove_device(device.id)


def zone_device_key(device_key: str, zone_id: str) -> str:
    """Return the identifier of a zone's device; its entities' unique ids start with it."""
    return f"{device_key}_zone_{zone_id}"


def storage_key(entry: ConfigEntry) -> str:
    """Return the storage key of an entry's last known structure."""
    return f"{DOMAIN}.{entry.entry_id}"


def unreachable_issue_id(entry: ConfigEntry) -> str:
    """Return the id of an entry's "unreachable for long" repair issue."""
    return f"{ISSUE_UNREACHABLE}_{entry.entry_id}"


def certificate_issue_id(entry: ConfigEntry) -> str:
    """Return the id of an entry's certificate repair issue."""
    return f"{ISSUE_CERTIFICATE_CHANGED}_{entry.entry_id}"


async def async_remove_structure(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Delete an entry's stored structure."""
    await Store[dict[str, Any]](hass, STORAGE_VERSION, storage_key(entry)).async_remove()
