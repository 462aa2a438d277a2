"""Emergency heat, for systems that report it."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import SteamloopConfigEntry, SteamloopCoordinator, SystemKey
from .entity import SteamloopEntity
from .helpers import steamloop_action

# The client orders actions itself; zones need not wait on the system (see climate.py).
PARALLEL_UPDATES = 0

# The thermostat is written "1" for on and "2" for off (as the reference client does); what it
# reports back is read as on only for "1", so "0" and "2" both show as off. Unverified on hardware.
EMERGENCY_HEAT_ON = "1"


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SteamloopConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the emergency heat switch once the thermostat reports emergency heat."""
    coordinator = entry.runtime_data
    if coordinator.has_emergency_heat:
        async_add_entities([EmergencyHeatSwitch(coordinator)])
        return

    added: list[EmergencyHeatSwitch] = []

    @callback
    def add_when_reported() -> None:
        if coordinator.has_emergency_heat and not added:
            added.append(EmergencyHeatSwitch(coordinator))
            async_add_entities(added)

    entry.async_on_unload(
        coordinator.async_add_listener(add_when_reported, frozenset({SystemKey("emergency_heat")}))
    )


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
