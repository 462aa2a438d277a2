"""The command API: what a user can ask of the thermostat, planned by rules.py, run by commands.py.

Each command is planned by the rules on the state as reported (``rules``), sent only while the link
is READY, and returned from once the thermostat reported it (``commands``). Nothing here changes
the state, opens a link or decides a rule: a new command is a rule in rules.py and one method here.
"""

from __future__ import annotations

from collections.abc import Callable

from . import rules
from .commands import SYSTEM_LANE, Commands, Send
from .errors import InvalidCommandError
from .models import FanMode, HoldType, ZoneMode
from .rules import Write, ZoneRequest
from .session import Session
from .state import ThermostatState, Zone


class Control:
    """Commands on one thermostat's live state, sent on its READY link."""

    def __init__(
        self,
        state: ThermostatState,
        commands: Commands,
        link: Callable[[], Session],
    ) -> None:
        """Plan on `state`, run through `commands`; `link` gives the READY session or raises."""
        self.state = state
        self.commands = commands
        self._ready_link = link

    async def change_zone(self, zone_id: str, request: ZoneRequest) -> None:
        """Change a zone's mode, hold and/or setpoints; return once the thermostat reports it."""
        self._ready_link()
        self._zone(zone_id)

        def plan() -> list[Write]:
            return rules.plan_zone(self._zone(zone_id), request, self.state.supported_modes)

        await self.commands.run(zone_id, plan, self._sender)

    async def set_temperature(
        self,
        zone_id: str,
        *,
        heat: float | None = None,
        cool: float | None = None,
        hold_type: HoldType | None = None,
    ) -> None:
        """Set one or both setpoints, in whole degrees; the side not given keeps the deadband."""
        if heat is None and cool is None and hold_type is None:
            msg = "give a heat or cool setpoint"
            raise rules.RuleError(rules.Refusal.NOTHING_ASKED, msg)
        await self.change_zone(zone_id, ZoneRequest(heat=heat, cool=cool, hold=hold_type))

    async def set_hold_type(self, zone_id: str, hold_type: HoldType) -> None:
        """Keep the zone's current setpoints with a new hold type."""
        await self.change_zone(zone_id, ZoneRequest(hold=hold_type))

    async def set_zone_mode(self, zone_id: str, mode: ZoneMode) -> None:
        """Change a zone's mode; it must be one the thermostat reported as supported."""
        await self.change_zone(zone_id, ZoneRequest(mode=mode))

    async def set_fan_mode(self, mode: FanMode) -> None:
        """Change the system fan mode."""
        self._ready_link()
        await self.commands.run(SYSTEM_LANE, lambda: rules.fan_mode(self.state, mode), self._sender)

    async def set_emergency_heat(self, on: bool) -> None:  # noqa: FBT001
        """Turn emergency heat on or off."""
        self._ready_link()
        await self.commands.run(
            SYSTEM_LANE, lambda: rules.emergency_heat(self.state, on=on), self._sender
        )

    def _sender(self) -> Send:
        return self._ready_link().send

    def _zone(self, zone_id: str) -> Zone:
        zone = self.state.zones.get(zone_id)
        if zone is None:
            msg = f"unknown zone {zone_id!r}"
            raise InvalidCommandError(msg)
        return zone
