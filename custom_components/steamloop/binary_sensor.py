"""The link as users see it: whether the thermostat is connected right now."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import SteamloopConfigEntry
from .entity import (
    LinkField,
    SteamloopEntity,
    SteamloopEntityDescription,
    async_add_described_entities,
)

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SteamloopBinarySensorDescription(BinarySensorEntityDescription, SteamloopEntityDescription):
    """A binary sensor: what it reads, once."""


BINARY_SENSORS = (
    # Every other entity goes unavailable with the link; this one says so where the device page
    # and automations look ("Connected" / "Disconnected"). Showing a link fact only, it is never
    # unavailable itself.
    SteamloopBinarySensorDescription(
        key="connectivity",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        reads=frozenset({LinkField.CONNECTED}),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SteamloopConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the thermostat's connectivity entity."""
    async_add_described_entities(
        entry, async_add_entities, BINARY_SENSORS, ConnectivityBinarySensor
    )


class ConnectivityBinarySensor(SteamloopEntity, BinarySensorEntity):
    """On while the link to the thermostat is up (READY)."""

    entity_description: SteamloopBinarySensorDescription

    @property
    def is_on(self) -> bool:
        """Return whether the link is READY."""
        return self.coordinator.available
