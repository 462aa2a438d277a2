"""Base entities: device info, availability, and writing only when our data changed."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .client import Zone
from .const import DOMAIN, MANUFACTURER
from .coordinator import SteamloopConfigEntry, SteamloopCoordinator


@callback
def async_add_zone_entities(
    entry: SteamloopConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    factory: Callable[[SteamloopCoordinator, str], Entity],
) -> None:
    """Add one entity per zone now, and for every zone that appears later."""
    coordinator = entry.runtime_data

    @callback
    def add_zones(zone_ids: frozenset[str] | set[str]) -> None:
        async_add_entities(factory(coordinator, zone_id) for zone_id in sorted(zone_ids))

    add_zones(set(coordinator.data.zones))
    entry.async_on_unload(coordinator.async_add_zone_listener(add_zones))


class SteamloopEntity(CoordinatorEntity[SteamloopCoordinator]):
    """An entity of the thermostat itself (system-wide data)."""

    _attr_has_entity_name = True
    # The ThermostatState system fields this entity shows; a change to any other is not ours.
    system_fields: frozenset[str] = frozenset()
    _last_shown: object = None

    def __init__(self, coordinator: SteamloopCoordinator, key: str) -> None:
        """Initialise with the thermostat device."""
        super().__init__(coordinator)
        self._attr_unique_id = f"{coordinator.device_key}_{key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, coordinator.device_key)}, manufacturer=MANUFACTURER
        )

    def change_keys(self) -> set[str]:
        """Return the coordinator keys ("zone:<id>", "system:<field>") of the data shown."""
        return {f"system:{field}" for field in self.system_fields}

    async def async_added_to_hass(self) -> None:
        """Listen to changes of our data only, and remember what the first write shows."""
        await super().async_added_to_hass()
        self._last_shown = self.shown_values()
        self.async_on_remove(
            self.coordinator.async_add_change_listener(self._handle_change, self.change_keys())
        )

    def shown_values(self) -> object:
        """Return the values this entity shows; None means "always write when our data changed"."""
        return None

    @callback
    def _handle_change(self) -> None:
        """Write state when data this entity shows changed, unless what it shows stayed the same."""
        shown = self.shown_values()
        if shown is not None and shown == self._last_shown:
            return
        self._last_shown = shown
        self.async_write_ha_state()

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write state: availability flipped or the thermostat was re-synced."""
        self._last_shown = self.shown_values()
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
                via_device_id=coordinator.device_id,
                name=zone.name,
            )
        else:
            self._attr_device_info = DeviceInfo(
                identifiers=identifiers,
                manufacturer=MANUFACTURER,
                via_device_id=coordinator.device_id,
                translation_key="zone",
                translation_placeholders={"zone_id": zone_id},
            )

    @property
    def zone(self) -> Zone:
        """Return the zone's live state."""
        return self.coordinator.data.zones[self.zone_id]

    @property
    def available(self) -> bool:
        """Return True while the link is up and the thermostat still has this zone."""
        return super().available and self.zone_id in self.coordinator.data.zones

    def change_keys(self) -> set[str]:
        """Return this zone's key and the keys of the system fields this entity shows."""
        return super().change_keys() | {f"zone:{self.zone_id}"}
