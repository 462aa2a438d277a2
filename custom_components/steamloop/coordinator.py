"""The coordinator: owns the thermostat's link, maps its errors, and tells entities what changed.

It is the one place where client errors become Home Assistant ones, at the first refresh and at
runtime, and the one place that logs what a user should know about the link. The thermostat
pushes everything, so a refresh request (``homeassistant.update_entity``) is answered with the
pushed state; entity availability follows the link, not the last refresh.

An entry that has connected before is set up at once from the structure last seen (storage.py);
its entities stay unavailable until the link is READY. Only a first-ever setup waits for the
thermostat: until its first attempt fails (then at once into setup-retry) or SETUP_TIMEOUT.

It decides when; the stored structure (storage.py), the zone devices (devices.py) and the
certificate repair issue (repairs.py) are kept by their own modules.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .client import (
    AuthenticationError,
    CertificateMismatchError,
    Change,
    ConnectError,
    LinkState,
    SteamloopError,
    Supervisor,
    SystemField,
    ThermostatState,
)
from .const import (
    CONF_FINGERPRINT,
    CONF_SECRET_KEY,
    DOMAIN,
    LOGGER,
    SETUP_TIMEOUT,
    UNREACHABLE_ISSUE_AFTER,
)
from .devices import ZoneDevices, async_register_thermostat, device_key, zone_key
from .helpers import build_transport
from .identity import has_address_identity
from .redact import entry_redactor
from .repairs import (
    async_create_certificate_issue,
    async_create_unreachable_issue,
    async_delete_certificate_issue,
    async_delete_unreachable_issue,
)
from .storage import StructureStore, restored

type SteamloopConfigEntry = ConfigEntry[SteamloopCoordinator]


@dataclass(frozen=True, slots=True)
class ZoneKey:
    """The data of one zone."""

    zone_id: str


@dataclass(frozen=True, slots=True)
class SystemKey:
    """One system-wide field of the thermostat's state."""

    field: SystemField


@dataclass(frozen=True, slots=True)
class LinkKey:
    """The link's own statistics."""


@dataclass(frozen=True, slots=True)
class ZoneSetKey:
    """Which zones exist (a zone added or removed)."""


LINK: Final = LinkKey()
ZONE_SET: Final = ZoneSetKey()
type DataKey = ZoneKey | SystemKey | LinkKey | ZoneSetKey


@dataclass(frozen=True, slots=True)
class Appeared:
    """What entities are made for: zones, and the system's emergency heat."""

    zones: frozenset[str] = frozenset()
    emergency_heat: bool = False


def change_keys(change: Change) -> set[DataKey]:
    """Return the keys of the data a Change touched (an added zone also touches the zone set)."""
    keys: set[DataKey] = {ZoneKey(zone_id) for zone_id in change.zones | change.removed}
    keys.update(SystemKey(name) for name in change.system)
    if change.added or change.removed:
        keys.add(ZONE_SET)
    return keys


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
        self._store = StructureStore(hass, entry)
        self._zone_devices = ZoneDevices(hass, entry)
        self._known_emergency_heat = False
        self._waiting_first_sync = False
        self._announced_loss = False
        self._was_available = False
        self._dirty: set[DataKey] = set()
        # Zones that appeared in the chunk being handled: their entities are made once the whole
        # chunk is, so a name reported right after ZoneAdded names their device and entity ids.
        self._added: set[str] = set()
        self._flush: asyncio.Handle | None = None
        self._link_marks: tuple[object, ...] = ()
        self._appearance_listeners: list[Callable[[Appeared], None]] = []
        self._emergency_heat_appeared = False
        # Who shows which data: key -> callbacks, each with the order it subscribed in.
        self._subscribers: dict[DataKey, dict[CALLBACK_TYPE, int]] = {}
        self._subscriptions = 0
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
        return device_key(self.config_entry)

    def zone_key(self, zone_id: str) -> str:
        """Return the identifier of a zone's device."""
        return zone_key(self.config_entry, zone_id)

    async def _async_setup(self) -> None:
        """Load the last known structure, register the device and start the supervisor."""
        entry = self.config_entry
        stored = await self._store.async_load()
        if stored:
            self._known_emergency_heat = bool(stored.get("emergency_heat"))
            self.data.sync_from(restored(stored))
        else:
            self._waiting_first_sync = True
        self.device_id = async_register_thermostat(self.hass, entry)
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
                async_create_certificate_issue(
                    self.hass, self.config_entry, self.supervisor.fingerprint
                )
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
    def present(self) -> Appeared:
        """Return what entities are made for now (each platform's setup adds those)."""
        self._emergency_heat_appeared = self.has_emergency_heat
        return Appeared(frozenset(self.data.zones), emergency_heat=self.has_emergency_heat)

    @callback
    def async_add_appearance_listener(self, listener: Callable[[Appeared], None]) -> CALLBACK_TYPE:
        """Call listener with what appears after setup: new zones, emergency heat once."""
        self._appearance_listeners.append(listener)

        @callback
        def remove() -> None:
            self._appearance_listeners.remove(listener)

        return remove

    @callback
    def _appeared(self, appeared: Appeared) -> None:
        for listener in list(self._appearance_listeners):
            listener(appeared)

    @callback
    def _add_appeared_zones(self) -> None:
        """Make the entities of the zones that appeared and are still there."""
        added = frozenset(zone_id for zone_id in self._added if zone_id in self.data.zones)
        self._added.clear()
        if added:
            self._appeared(Appeared(zones=added))

    @callback
    def _check_emergency_heat(self) -> None:
        """Tell listeners once when emergency heat is first known (reported while READY)."""
        if self.has_emergency_heat and not self._emergency_heat_appeared:
            self._emergency_heat_appeared = True
            self._appeared(Appeared(emergency_heat=True))

    @callback
    def async_subscribe(self, keys: Iterable[DataKey], update: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call update once per handled chunk in which any of keys changed, while available.

        Entities subscribe with the keys of what they show; the coordinator's own listeners
        (``async_add_listener``) are called when availability flips, whatever changed.
        """
        subscribed = frozenset(keys)
        self._subscriptions += 1
        for key in subscribed:
            self._subscribers.setdefault(key, {})[update] = self._subscriptions

        @callback
        def remove() -> None:
            for key in subscribed:
                updates = self._subscribers.get(key)
                if updates is not None:
                    updates.pop(update, None)
                    if not updates:
                        del self._subscribers[key]

        return remove

    @callback
    def _on_state(self, change: Change) -> None:
        """Apply a change now to devices; write entities once the received chunk is handled."""
        if change.removed:
            self._zone_devices.remove(change.removed)
        self._added -= change.removed
        self._added |= change.added
        self._dirty.update(change_keys(change))
        if self._flush is None:
            # Every frame of one read is handled before the loop runs this: each entity is
            # written once per chunk with its last value, however many frames the chunk held.
            self._flush = self.hass.loop.call_soon(self._flush_changes)

    @callback
    def _flush_changes(self) -> None:
        """Write the entities that show what changed since the last flush."""
        self._flush = None
        self._add_appeared_zones()
        dirty, self._dirty = self._dirty, set()
        self._zone_devices.rename(
            self.data.zones, {key.zone_id for key in dirty if isinstance(key, ZoneKey)}
        )
        stats = self.supervisor.stats
        marks = (stats.connects, stats.disconnects, stats.last_disconnect_reason)
        if marks != self._link_marks:
            # A link refreshed without a change of availability (after a silence, say).
            self._link_marks = marks
            dirty.add(LINK)
        if not self.available:
            # Unavailable entities show nothing; the flip back writes every entity.
            return
        self._store.async_save(self.data)
        if SystemKey(SystemField.EMERGENCY_HEAT) in dirty:
            self._check_emergency_heat()
        due: dict[CALLBACK_TYPE, int] = {}
        for key in dirty:
            due.update(self._subscribers.get(key, {}))
        # In the order they subscribed, each once however many of its keys changed.
        for update in sorted(due, key=due.__getitem__):
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
        self._add_appeared_zones()
        self._dirty.clear()
        self._link_marks = ()
        self._check_emergency_heat()
        self.async_update_listeners()

    @callback
    def _link_up(self) -> None:
        """Record what a READY link proves: its certificate and the thermostat's structure."""
        entry = self.config_entry
        async_delete_certificate_issue(self.hass, entry)
        if entry.data.get(CONF_FINGERPRINT) is None and self.supervisor.fingerprint is not None:
            # Entries made with a key or migrated from trane pin the certificate seen first.
            self.hass.config_entries.async_update_entry(
                entry, data={**entry.data, CONF_FINGERPRINT: self.supervisor.fingerprint}
            )
            if has_address_identity(entry):
                # An older entry's unique id moves off its address at setup (identity.py).
                self.hass.config_entries.async_schedule_reload(entry.entry_id)
        self._known_emergency_heat = self.data.emergency_heat is not None
        self._zone_devices.rename(self.data.zones, set(self.data.zones))
        self._store.async_save(self.data)

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
        async_delete_unreachable_issue(self.hass, self.config_entry)

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
        async_create_unreachable_issue(self.hass, self.config_entry)

    @callback
    def _handle_give_up(self) -> None:
        """Ask the user to act when the supervisor stopped retrying."""
        link_state = self.supervisor.link_state
        if link_state is LinkState.AUTH_FAILED:
            LOGGER.warning("%s refused the stored key; re-authenticate to reconnect", self.label)
            self.config_entry.async_start_reauth(self.hass)
        elif link_state is LinkState.CERT_MISMATCH:
            LOGGER.warning("%s presents a new certificate; see Repairs", self.label)
            async_create_certificate_issue(
                self.hass, self.config_entry, self.supervisor.fingerprint
            )

    @callback
    def async_place_new_zone_devices(self, since: datetime) -> None:
        """Put the zone devices created since `since` in the area of their name (devices.py)."""
        self._zone_devices.place_new(self.data.zones, since)
