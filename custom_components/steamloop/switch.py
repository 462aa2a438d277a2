"""Emergency heat, for systems that report it."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import SystemField
from .coordinator import SteamloopConfigEntry, SteamloopCoordinator
from .entity import SteamloopEntity, async_add_appearing_entities
from .helpers import steamloop_action

# The client orders actions itself; zones need not wait on the system (see climate.py).
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SteamloopConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the emergency heat switch once the thermostat reports emergency heat."""
    coordinator = entry.runtime_data
    async_add_appearing_entities(
        entry,
        async_add_entities,
        lambda appeared: [EmergencyHeatSwitch(coordinator)] if appeared.emergency_heat else [],
    )


class EmergencyHeatSwitch(SteamloopEntity, SwitchEntity):
    """Emergency (auxiliary only) heat for the whole system."""

    _attr_translation_key = "emergency_heat"
    system_fields = frozenset({SystemField.EMERGENCY_HEAT})

    def __init__(self, coordinator: SteamloopCoordinator) -> None:
        """Initialise the system's emergency heat switch."""
        super().__init__(coordinator, "emergency_heat")

    @property
    def is_on(self) -> bool | None:
        """Return whether emergency heat is on (None until the thermostat reports it)."""
        return self.coordinator.data.emergency_heat

    @steamloop_action
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn emergency heat on."""
        await self.coordinator.supervisor.set_emergency_heat(True)

    @steamloop_action
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn emergency heat off."""
        await self.coordinator.supervisor.set_emergency_heat(False)
