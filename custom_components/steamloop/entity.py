"""Base entities: device info, availability from the link, and writing only what changed."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .client import SystemField, Zone
from .compat import linked_to
from .const import DOMAIN, MANUFACTURER
from .coordinator import (
    Appeared,
    DataKey,
    SteamloopConfigEntry,
    SteamloopCoordinator,
    SystemKey,
    ZoneKey,
)


@callback
def async_add_appearing_entities(
    entry: SteamloopConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    entities_for: Callable[[Appeared], Iterable[Entity]],
) -> None:
    """Add the entities of what exists now, and of whatever appears later: the one way."""
    coordinator = entry.runtime_data

    @callback
    def add(appeared: Appeared) -> None:
        if entities := list(entities_for(appeared)):
            async_add_entities(entities)

    add(coordinator.present())
    entry.async_on_unload(coordinator.async_add_appearance_listener(add))


@callback
def async_add_zone_entities(
    entry: SteamloopConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    factory: Callable[[SteamloopCoordinator, str], Entity],
) -> None:
    """Add one entity per zone now, and for every zone that appears later."""
    coordinator = entry.runtime_data
    async_add_appearing_entities(
        entry,
        async_add_entities,
        lambda appeared: (factory(coordinator, zone_id) for zone_id in sorted(appeared.zones)),
    )


class SteamloopEntity(CoordinatorEntity[SteamloopCoordinator]):
    """An entity of the thermostat itself (system-wide data)."""

    _attr_has_entity_name = True
    # The ThermostatState system fields this entity shows; a change to any other is not ours.
    system_fields: frozenset[SystemField] = frozenset()
    _last_shown: object = None

    def __init__(self, coordinator: SteamloopCoordinator, key: str) -> None:
        """Initialise with the thermostat device."""
        super().__init__(coordinator)
        self._attr_unique_id = f"{coordinator.device_key}_{key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, coordinator.device_key)}, manufacturer=MANUFACTURER
        )

    def data_keys(self) -> set[DataKey]:
        """Return the keys of the data this entity shows."""
        return {SystemKey(field) for field in self.system_fields}

    async def async_added_to_hass(self) -> None:
        """Listen to changes of our data only, and remember what the first write shows."""
        # The coordinator's listeners are called when availability flips; the subscription
        # when the data this entity shows changed.
        await super().async_added_to_hass()
        self.async_on_remove(
            self.coordinator.async_subscribe(self.data_keys(), self._handle_coordinator_update)
        )
        self._last_shown = (self.available, self.shown_values())

    @property
    def available(self) -> bool:
        """Return True while the link is READY."""
        return self.coordinator.available

    def shown_values(self) -> object:
        """Return the values this entity shows; None means "always write when our data changed"."""
        return None

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write state unless what it shows, availability included, stayed the same."""
        shown = self.shown_values()
        current = (self.available, shown)
        if shown is not None and current == self._last_shown:
            return
        self._last_shown = current
        self.async_write_ha_state()


class SteamloopZoneEntity(SteamloopEntity):
    """An entity of one zone, on the zone's own device."""

    def __init__(self, coordinator: SteamloopCoordinator, zone_id: str, key: str) -> None:
        """Initialise with the zone's device, linked to the thermostat."""
        super().__init__(coordinator, key)
        self.zone_id = zone_id
        zone = coordinator.data.zones[zone_id]
        self._attr_unique_id = f"{coordinator.zone_key(zone_id)}_{key}"
        identifiers = {(DOMAIN, coordinator.zone_key(zone_id))}
        if zone.name:
            self._attr_device_info = DeviceInfo(
                identifiers=identifiers,
                manufacturer=MANUFACTURER,
                **linked_to(coordinator.device_id, (DOMAIN, coordinator.device_key)),
                name=zone.name,
            )
        else:
            self._attr_device_info = DeviceInfo(
                identifiers=identifiers,
                manufacturer=MANUFACTURER,
                **linked_to(coordinator.device_id, (DOMAIN, coordinator.device_key)),
                translation_key="zone",
                translation_placeholders={"zone_id": zone_id},
            )

    @property
    def zone(self) -> Zone:
        """Return the zone's live state (an empty zone once the thermostat dropped it)."""
        return self.coordinator.data.zones.get(self.zone_id) or Zone(self.zone_id)

    @property
    def available(self) -> bool:
        """Return True while the link is up and the thermostat still has this zone."""
        return super().available and self.zone_id in self.coordinator.data.zones

    def data_keys(self) -> set[DataKey]:
        """Return this zone's key and the keys of the system fields this entity shows."""
        return super().data_keys() | {ZoneKey(self.zone_id)}
