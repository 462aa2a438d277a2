"""Emergency heat, for systems that report it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import SystemField
from .coordinator import SteamloopConfigEntry
from .entity import SteamloopEntity, SteamloopEntityDescription, async_add_described_entities
from .helpers import steamloop_action

# The client orders actions itself; zones need not wait on the system (see climate.py).
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SteamloopSwitchDescription(SwitchEntityDescription, SteamloopEntityDescription):
    """A switch: what it reads, once, and when it exists."""


SWITCHES = (
    SteamloopSwitchDescription(
        key="emergency_heat",
        translation_key="emergency_heat",
        reads=frozenset({SystemField.EMERGENCY_HEAT}),
        # Added once the thermostat reports emergency heat, at setup or later.
        exists_fn=lambda appeared: appeared.emergency_heat,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SteamloopConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the emergency heat switch once the thermostat reports emergency heat."""
    async_add_described_entities(entry, async_add_entities, SWITCHES, EmergencyHeatSwitch)


class EmergencyHeatSwitch(SteamloopEntity, SwitchEntity):
    """Emergency (auxiliary only) heat for the whole system."""

    entity_description: SteamloopSwitchDescription

    @property
    def is_on(self) -> bool | None:
        """Return whether emergency heat is on (None until the thermostat reports it)."""
        return self.thermostat.emergency_heat

    @steamloop_action
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn emergency heat on."""
        await self.coordinator.supervisor.set_emergency_heat(True)

    @steamloop_action
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn emergency heat off."""
        await self.coordinator.supervisor.set_emergency_heat(False)
