"""The link as users see it: whether the thermostat is connected right now."""

from __future__ import annotations

from homeassistant.components.binary_sensor import BinarySensorDeviceClass, BinarySensorEntity
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import LINK, DataKey, SteamloopConfigEntry, SteamloopCoordinator
from .entity import SteamloopEntity

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SteamloopConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the thermostat's connectivity entity."""
    async_add_entities([ConnectivityBinarySensor(entry.runtime_data)])


class ConnectivityBinarySensor(SteamloopEntity, BinarySensorEntity):
    """On while the link to the thermostat is up (READY); the one entity that is never unavailable.

    Every other entity goes unavailable with the link; this one says so where the device page and
    automations look (device class connectivity: "Connected" / "Disconnected").
    """

    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, coordinator: SteamloopCoordinator) -> None:
        """Initialise on the thermostat's device."""
        super().__init__(coordinator, "connectivity")

    @property
    def available(self) -> bool:
        """Return True: whether the link is up is known whether or not it is."""
        return True

    @property
    def is_on(self) -> bool:
        """Return whether the link is READY."""
        return self.coordinator.available

    def data_keys(self) -> set[DataKey]:
        """Return the link's key."""
        return {LINK}

    def shown_values(self) -> object:
        """Return the state: written only when it flips."""
        return (self.is_on,)
