"""A hold select per zone: follow the schedule, hold permanently, or hold until the next period."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import HoldType
from .coordinator import SteamloopConfigEntry
from .entity import (
    SteamloopEntity,
    SteamloopEntityDescription,
    ZoneField,
    async_add_described_entities,
)
from .helpers import steamloop_action

# The client orders actions per zone itself; other zones need not wait (see climate.py).
PARALLEL_UPDATES = 0

HOLD_OPTIONS = {
    HoldType.SCHEDULE: "schedule",
    HoldType.MANUAL: "permanent",
    HoldType.HOLD: "until_next_period",
}
HOLD_TYPES = {option: hold for hold, option in HOLD_OPTIONS.items()}


@dataclass(frozen=True, kw_only=True)
class SteamloopSelectDescription(SelectEntityDescription, SteamloopEntityDescription):
    """A zone's select: what it reads, once."""


SELECTS = (
    SteamloopSelectDescription(
        key="hold",
        translation_key="hold",
        options=list(HOLD_OPTIONS.values()),
        reads=frozenset({ZoneField.HOLD_TYPE}),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SteamloopConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a hold select for every zone, now and whenever one appears."""
    async_add_described_entities(entry, async_add_entities, SELECTS, HoldSelect)


class HoldSelect(SteamloopEntity, SelectEntity):
    """How long the zone keeps its setpoints."""

    entity_description: SteamloopSelectDescription
    zone_id: str

    @property
    def current_option(self) -> str | None:
        """Return the zone's hold, or None while the thermostat reports none."""
        hold = self.zone.hold_type
        return None if hold is None else HOLD_OPTIONS.get(hold)

    @steamloop_action
    async def async_select_option(self, option: str) -> None:
        """Change the zone's hold, keeping its setpoints; return once the thermostat reports it."""
        await self.coordinator.supervisor.set_hold_type(self.zone_id, HOLD_TYPES[option])
