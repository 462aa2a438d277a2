"""The entity base: an entity is made from a description that declares, once, what it shows.

``SteamloopEntityDescription.reads`` names every field an entity's state and attributes are made
of: a system field (``SystemField``), a field of its zone (``ZoneField``), a fact of the link
(``LinkField``) or of which zones exist (``StructureField``). From it the base derives the rest:
- where it lives: an entity that reads a zone field is one per zone, on the zone's device;
  otherwise one, on the thermostat's;
- what it subscribes to: the coordinator's keys of those fields (``SystemKey``, ``ZoneKey``,
  ``LINK``, ``ZONE_SET``); availability flips reach every entity anyway;
- when it writes: only when the values of those fields, or its availability, changed;
- whether it can be unavailable: an entity that shows only link facts never is (they are known
  whether or not the link is up).
Reading a field it does not declare would leave the entity stale when that field changes;
tests/test_entity.py renders every entity and fails when what it read differs from ``reads``.

Entities are added one way, ``async_add_described_entities``: for what exists at setup and for
whatever appears later (a zone, emergency heat), each description once it exists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from operator import attrgetter

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .client import LinkStats, SystemField, ThermostatState, Zone
from .compat import linked_to
from .const import DOMAIN, MANUFACTURER
from .coordinator import (
    LINK,
    ZONE_SET,
    Appeared,
    DataKey,
    SteamloopConfigEntry,
    SteamloopCoordinator,
    SystemKey,
    ZoneKey,
)


class ZoneField(StrEnum):
    """A field of a zone that entities show; the value is the client ``Zone``'s attribute."""

    MODE = "mode"
    INDOOR_TEMPERATURE = "indoor_temperature"
    HEAT_SETPOINT = "heat_setpoint"
    COOL_SETPOINT = "cool_setpoint"
    HOLD_TYPE = "hold_type"


class LinkField(StrEnum):
    """A fact of the link: whether it is up, or a statistic (an attribute of ``LinkStats``)."""

    CONNECTED = "connected"
    CONNECTED_SINCE = "connected_since"
    LAST_DISCONNECT_REASON = "last_disconnect_reason"
    DISCONNECTS = "disconnects"


class StructureField(StrEnum):
    """A fact of which zones the thermostat has."""

    # A single zone shows the system's action, several their own (client/demand.py).
    ZONE_COUNT = "zone_count"


type Field = SystemField | ZoneField | LinkField | StructureField


def _always(_: Appeared) -> bool:
    return True


@dataclass(frozen=True, kw_only=True)
class SteamloopEntityDescription(EntityDescription):
    """What every entity of ours declares: the fields it shows, and when it exists."""

    reads: frozenset[Field]
    # Whether the entity exists, given what appeared (at setup: everything present then). An
    # entity is added the first time this is true; zone entities come with their zone instead.
    exists_fn: Callable[[Appeared], bool] = _always

    @property
    def per_zone(self) -> bool:
        """Return whether there is one entity per zone: it shows a zone field."""
        return any(isinstance(field, ZoneField) for field in self.reads)


def _getter(names: Iterable[str]) -> Callable[[object], object] | None:
    """Return a function reading the named attributes (None when there are none)."""
    ordered = sorted(names)
    return attrgetter(*ordered) if ordered else None


@callback
def async_add_described_entities[D: SteamloopEntityDescription](
    entry: SteamloopConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    descriptions: Iterable[D],
    entity_for: Callable[[SteamloopCoordinator, D, str | None], Entity],
) -> None:
    """Add an entity per description (per zone for zone descriptions), now and as things appear.

    The one way entities are added: at setup for what exists then, and later for each zone that
    appears and each description that comes to exist (emergency heat reported after setup).
    """
    coordinator = entry.runtime_data
    descriptions = tuple(descriptions)
    added: set[str] = set()

    @callback
    def add(appeared: Appeared) -> None:
        entities: list[Entity] = []
        for description in descriptions:
            if description.per_zone:
                entities.extend(
                    entity_for(coordinator, description, zone_id)
                    for zone_id in sorted(appeared.zones)
                )
            elif description.key not in added and description.exists_fn(appeared):
                added.add(description.key)
                entities.append(entity_for(coordinator, description, None))
        if entities:
            async_add_entities(entities)

    add(coordinator.present())
    entry.async_on_unload(coordinator.async_add_appearance_listener(add))


class SteamloopEntity(CoordinatorEntity[SteamloopCoordinator]):
    """An entity made from a description: the thermostat's, or one zone's (``zone_id``)."""

    _attr_has_entity_name = True
    entity_description: SteamloopEntityDescription

    def __init__(
        self,
        coordinator: SteamloopCoordinator,
        description: SteamloopEntityDescription,
        zone_id: str | None = None,
    ) -> None:
        """Initialise from the description; a zone description needs the zone's id."""
        super().__init__(coordinator)
        if description.per_zone != (zone_id is not None):
            msg = f"{description.key}: a zone entity needs a zone id, and only it"
            raise ValueError(msg)
        self.entity_description = description
        self.zone_id = zone_id
        reads = description.reads
        self._system_values = _getter(f for f in reads if isinstance(f, SystemField))
        self._zone_values = _getter(f for f in reads if isinstance(f, ZoneField))
        stats = {f for f in reads if isinstance(f, LinkField)} - {LinkField.CONNECTED}
        self._link_values = _getter(stats)
        self._shows_connected = LinkField.CONNECTED in reads
        self._link_only = all(isinstance(f, LinkField) for f in reads)
        self._shows_zone_count = StructureField.ZONE_COUNT in reads
        keys: set[DataKey] = {SystemKey(f) for f in reads if isinstance(f, SystemField)}
        if stats:
            keys.add(LINK)
        if self._shows_zone_count:
            keys.add(ZONE_SET)
        if zone_id is None:
            self._attr_unique_id = f"{coordinator.device_key}_{description.key}"
            self._attr_device_info = DeviceInfo(
                identifiers={(DOMAIN, coordinator.device_key)}, manufacturer=MANUFACTURER
            )
        else:
            keys.add(ZoneKey(zone_id))
            self._attr_unique_id = f"{coordinator.zone_key(zone_id)}_{description.key}"
            self._attr_device_info = _zone_device(coordinator, zone_id)
        self._keys = frozenset(keys)
        self._last_shown: object = None

    @property
    def thermostat(self) -> ThermostatState:
        """Return the thermostat's live state (system fields and zones)."""
        return self.coordinator.data

    @property
    def zone(self) -> Zone:
        """Return this entity's zone (an empty zone once the thermostat dropped it)."""
        zone_id = self.zone_id or ""
        return self.coordinator.data.zones.get(zone_id) or Zone(zone_id)

    @property
    def link(self) -> LinkStats:
        """Return the link's statistics."""
        return self.coordinator.supervisor.stats

    @property
    def available(self) -> bool:
        """Return True while the link is READY (and the zone exists); link facts always are."""
        if self._link_only:
            return True
        if self.zone_id is not None and self.zone_id not in self.coordinator.data.zones:
            return False
        return self.coordinator.available

    def _shown(self) -> tuple[object, ...]:
        """Return availability and the values of the fields the entity reads."""
        return (
            self.available,
            self._system_values and self._system_values(self.coordinator.data),
            self._zone_values and self._zone_values(self.zone),
            self._link_values and self._link_values(self.link),
            self._shows_connected and self.coordinator.available,
            self._shows_zone_count and len(self.coordinator.data.zones),
        )

    async def async_added_to_hass(self) -> None:
        """Subscribe to the keys of what the entity reads; remember what the first write shows."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.coordinator.async_subscribe(self._keys, self._handle_coordinator_update)
        )
        self._last_shown = self._shown()

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the state unless what it shows, availability included, stayed the same."""
        shown = self._shown()
        if shown == self._last_shown:
            return
        self._last_shown = shown
        self.async_write_ha_state()


def _zone_device(coordinator: SteamloopCoordinator, zone_id: str) -> DeviceInfo:
    """Return a zone's device, linked to the thermostat's, named as the thermostat names it."""
    zone = coordinator.data.zones[zone_id]
    identifiers = {(DOMAIN, coordinator.zone_key(zone_id))}
    via = linked_to(coordinator.device_id, (DOMAIN, coordinator.device_key))
    if zone.name:
        return DeviceInfo(identifiers=identifiers, manufacturer=MANUFACTURER, **via, name=zone.name)
    return DeviceInfo(
        identifiers=identifiers,
        manufacturer=MANUFACTURER,
        **via,
        translation_key="zone",
        translation_placeholders={"zone_id": zone_id},
    )
