"""A hold select per zone: follow the schedule, hold permanently, or hold until the next period."""

from __future__ import annotations

from homeassistant.components.select import SelectEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import HoldType
from .coordinator import SteamloopConfigEntry, SteamloopCoordinator
from .entity import SteamloopZoneEntity, async_add_zone_entities
from .helpers import steamloop_action

# The client orders actions per zone itself; other zones need not wait (see climate.py).
PARALLEL_UPDATES = 0

HOLD_OPTIONS = {
    HoldType.SCHEDULE: "schedule",
    HoldType.MANUAL: "permanent",
    HoldType.HOLD: "until_next_period",
}
HOLD_TYPES = {option: hold for hold, option in HOLD_OPTIONS.items()}


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SteamloopConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a hold select for every zone, now and whenever one appears."""
    async_add_zone_entities(entry, async_add_entities, HoldSelect)


class HoldSelect(SteamloopZoneEntity, SelectEntity):
    """How long the zone keeps its setpoints."""

    _attr_translation_key = "hold"
    _attr_options = list(HOLD_OPTIONS.values())

    def __init__(self, coordinator: SteamloopCoordinator, zone_id: str) -> None:
        """Initialise the zone's hold select."""
        super().__init__(coordinator, zone_id, "hold")

    @property
    def current_option(self) -> str | None:
        """Return the zone's hold, or None while the thermostat reports none."""
        hold = self.zone.hold_type
        return None if hold is None else HOLD_OPTIONS.get(hold)

    def shown_values(self) -> object:
        """Return the hold: temperature changes of the zone do not concern us."""
        return (self.zone_id in self.coordinator.data.zones and self.zone.hold_type,)

    @steamloop_action
    async def async_select_option(self, option: str) -> None:
        """Change the zone's hold, keeping its setpoints; return once the thermostat reports it."""
        await self.coordinator.supervisor.set_hold_type(self.zone_id, HOLD_TYPES[option])
