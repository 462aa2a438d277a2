"""Emergency heat, for systems that report it."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import SteamloopConfigEntry, SteamloopCoordinator
from .entity import SteamloopEntity
from .helpers import steamloop_action

PARALLEL_UPDATES = 1

# The thermostat is written "1" for on and "2" for off (as the reference client does); what it
# reports back is read as on only for "1", so "0" and "2" both show as off. Unverified on hardware.
EMERGENCY_HEAT_ON = "1"


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SteamloopConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the emergency heat switch when the thermostat reports emergency heat."""
    coordinator = entry.runtime_data
    if coordinator.data.emergency_heat is not None:
        async_add_entities([EmergencyHeatSwitch(coordinator)])


class EmergencyHeatSwitch(SteamloopEntity, SwitchEntity):
    """Emergency (auxiliary only) heat for the whole system."""

    _attr_translation_key = "emergency_heat"
    system_fields = frozenset({"emergency_heat"})

    def __init__(self, coordinator: SteamloopCoordinator) -> None:
        """Initialise the system's emergency heat switch."""
        super().__init__(coordinator, "emergency_heat")

    @property
    def is_on(self) -> bool | None:
        """Return whether emergency heat is on."""
        value = self.coordinator.data.emergency_heat
        return None if value is None else value == EMERGENCY_HEAT_ON

    @steamloop_action
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn emergency heat on."""
        await self.coordinator.supervisor.set_emergency_heat(True)

    @steamloop_action
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn emergency heat off."""
        await self.coordinator.supervisor.set_emergency_heat(False)
