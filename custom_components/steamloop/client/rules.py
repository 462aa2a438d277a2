"""The thermostat's rules, pure: a zone's state and a request become frames, or a refusal.

Nothing here does I/O or keeps state. Everything that decides what may be sent lives here, and
everything else (the command API in control.py, the climate entity's min/max, the presets' range
in the options dialog) reads it from here, so no two places can disagree again:

- Setpoints are whole degrees Fahrenheit within SETPOINT_MIN..SETPOINT_MAX (40-99 °F, what the
  thermostats accept). A request is rounded to whole degrees, halves up, as the display shows it.
- Cooling stays at least the zone's deadband above heating (DEFAULT_DEADBAND, 3, until the zone
  reports its own), compared exactly (to the 0.01 the thermostat reports). A request naming both
  sides that breaks it is refused; a request naming one side moves the other, rounded away from
  it, and both are range-checked as they would be sent.
- A single target goes to the side of the zone's mode (heat in heat, cool in cool); in auto or
  off there is no single target.
- Hold: a setpoint change without an explicit hold keeps a hold the zone already has (permanent,
  or until the next period); a zone that follows its schedule is held until its next period, so a
  nudge never ends the schedule for good. A permanent hold is asked for explicitly (the hold
  select, a preset, heat_cool).
- A request that changes nothing gives no frame (asking for the setpoints a zone already holds
  leaves its hold alone too).

Each frame comes as a ``Write`` that says which reported fields confirm it (``expect``) and what
it asks for (``asked``). A request that needs two frames (a mode and setpoints) computes the
second from what the first asked over what was reported (``after``), never from a stale state.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from . import codec
from .codec import Request
from .errors import InvalidCommandError
from .models import FanMode, HoldType, ZoneMode
from .state import ThermostatState, Zone

SETPOINT_MIN: Final = 40
SETPOINT_MAX: Final = 99
# What the reference client assumes (and sends) until a zone reports its deadband.
DEFAULT_DEADBAND: Final = 3.0
# Holds a setpoint change keeps; any other (following the schedule, none reported) becomes
# NUDGE_HOLD.
KEPT_HOLDS: Final = frozenset({HoldType.MANUAL, HoldType.HOLD})
NUDGE_HOLD: Final = HoldType.HOLD


class Refusal(StrEnum):
    """Why a request was refused; each has a translated message in the integration."""

    NOT_A_NUMBER = "not_a_number"
    OUT_OF_RANGE = "setpoint_out_of_range"
    DEADBAND = "deadband"
    SETPOINTS_UNKNOWN = "setpoints_unknown"
    NO_SINGLE_TARGET = "no_single_target"
    UNSUPPORTED_MODE = "unsupported_mode"
    INVALID_VALUE = "invalid_value"
    NOTHING_ASKED = "nothing_asked"


class RuleError(InvalidCommandError):
    """A request the rules refuse; ``refusal`` says why, ``placeholders`` the values involved."""

    def __init__(self, refusal: Refusal, message: str, **placeholders: str) -> None:
        """Keep the reason and its values for a translated message."""
        super().__init__(message)
        self.refusal = refusal
        self.placeholders = placeholders

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle by the reason and message."""
        return (_rule_error, (self.refusal, str(self), self.placeholders))


def _rule_error(refusal: Refusal, message: str, placeholders: dict[str, str]) -> RuleError:
    return RuleError(refusal, message, **placeholders)


@dataclass(frozen=True, slots=True)
class ZoneRequest:
    """What a user asks of one zone; None leaves a field as it is.

    ``target`` is a single target: it goes to the side of the zone's mode (the new mode when
    ``mode`` is given too). ``heat``/``cool`` name the sides directly.
    """

    mode: ZoneMode | None = None
    hold: HoldType | None = None
    heat: float | None = None
    cool: float | None = None
    target: float | None = None


@dataclass(frozen=True, slots=True)
class Write:
    """One frame to send, what it asks for, and the reported values that confirm it.

    ``zone_id`` is None for system-wide frames; ``expect`` maps a ``Zone`` (or, system-wide, a
    ``ThermostatState``) attribute to the values that confirm the write.
    """

    message: Request
    zone_id: str | None
    asked: Mapping[str, object]
    expect: Mapping[str, frozenset[object]] = field(default_factory=dict)

    def confirmed(self, state: ThermostatState) -> bool:
        """Return whether the thermostat reports every field this write changed."""
        target: object = state
        if self.zone_id is not None:
            zone = state.zones.get(self.zone_id)
            if zone is None:
                return False
            target = zone
        return all(getattr(target, name) in values for name, values in self.expect.items())


def _zone_write(message: Request, zone_id: str, asked: Mapping[str, object]) -> Write:
    return Write(message, zone_id, asked, {name: frozenset({v}) for name, v in asked.items()})


def whole(value: float) -> int:
    """Return a requested setpoint in whole degrees, halves rounded up, as the display shows it."""
    if not math.isfinite(value):
        msg = f"setpoint {value!r} is not a number"
        raise RuleError(Refusal.NOT_A_NUMBER, msg, value=str(value))
    return math.floor(value + 0.5)


def check_setpoint(value: float) -> None:
    """Refuse a setpoint outside SETPOINT_MIN..SETPOINT_MAX."""
    if not SETPOINT_MIN <= value <= SETPOINT_MAX:
        msg = f"setpoint {value:g} is outside {SETPOINT_MIN}-{SETPOINT_MAX}"
        raise RuleError(
            Refusal.OUT_OF_RANGE,
            msg,
            value=f"{value:g}",
            min=str(SETPOINT_MIN),
            max=str(SETPOINT_MAX),
        )


def deadband_of(zone: Zone) -> float:
    """Return the zone's deadband, or DEFAULT_DEADBAND until it reported one."""
    return DEFAULT_DEADBAND if zone.deadband is None else zone.deadband


def keeps_deadband(heat: float, cool: float, deadband: float) -> bool:
    """Return whether cool is at least the deadband above heat (to the 0.01 reported)."""
    return round(cool - heat, 2) >= round(deadband, 2)


def hold_for_change(zone: Zone, hold: HoldType | None) -> HoldType:
    """Return the hold a setpoint change is sent with: asked, kept, or until the next period."""
    if hold is not None:
        return _member(HoldType, str(hold))
    if zone.hold_type in KEPT_HOLDS:
        return zone.hold_type
    return NUDGE_HOLD


def setpoints(zone: Zone, heat: float | None, cool: float | None) -> tuple[float, float, float]:
    """Merge requested and current setpoints; the side not given moves to keep the deadband.

    Setpoints are never invented: both must be known or given. Both are range-checked as sent.
    """
    heat = None if heat is None else float(whole(heat))
    cool = None if cool is None else float(whole(cool))
    new_heat = zone.heat_setpoint if heat is None else heat
    new_cool = zone.cool_setpoint if cool is None else cool
    deadband = deadband_of(zone)
    if new_heat is None or new_cool is None:
        msg = f"zone {zone.zone_id!r} has not reported its setpoints yet"
        raise RuleError(Refusal.SETPOINTS_UNKNOWN, msg)
    if not keeps_deadband(new_heat, new_cool, deadband):
        if heat is not None and cool is not None:
            msg = f"cool {cool:g} must be at least {deadband:g} above heat {heat:g}"
            raise RuleError(
                Refusal.DEADBAND, msg, heat=f"{heat:g}", cool=f"{cool:g}", deadband=f"{deadband:g}"
            )
        # The moved side is rounded away from the other, so the gap never falls below it.
        if heat is not None:
            new_cool = float(math.ceil(round(new_heat + deadband, 2)))
        else:
            new_heat = float(math.floor(round(new_cool - deadband, 2)))
    for value in (new_heat, new_cool):
        check_setpoint(value)
    return new_heat, new_cool, deadband


def after(zone: Zone, writes: list[Write]) -> Zone:
    """Return the zone as it will be once the writes are taken: asked over reported."""
    result = zone.copy()
    for write in writes:
        if write.zone_id == zone.zone_id:
            for name, value in write.asked.items():
                setattr(result, name, value)
    return result


def zone_mode(zone: Zone, mode: ZoneMode, supported: tuple[ZoneMode, ...]) -> list[Write]:
    """Return the frame that changes a zone's mode, or none when it is already in it."""
    mode = _member(ZoneMode, mode)
    if mode not in supported:
        msg = f"mode {mode.name} is not supported by this thermostat"
        raise RuleError(Refusal.UNSUPPORTED_MODE, msg, mode=mode.name.lower())
    if zone.mode is mode:
        return []
    return [_zone_write(codec.update_zone_mode(zone.zone_id, mode), zone.zone_id, {"mode": mode})]


def setpoint_write(
    zone: Zone,
    *,
    heat: float | None = None,
    cool: float | None = None,
    hold: HoldType | None = None,
) -> list[Write]:
    """Return the setpoint frame for a change of setpoints and/or hold, or none if nothing moves.

    A hold given alone re-sends the current setpoints with it.
    """
    changes_setpoints = heat is not None or cool is not None
    new_heat, new_cool, deadband = setpoints(zone, heat, cool)
    new_hold = hold_for_change(zone, hold) if changes_setpoints else _member(HoldType, str(hold))
    asked: dict[str, object] = {}
    if new_heat != zone.heat_setpoint:
        asked["heat_setpoint"] = new_heat
    if new_cool != zone.cool_setpoint:
        asked["cool_setpoint"] = new_cool
    if new_hold is not zone.hold_type and (asked or hold is not None):
        # Setpoints the zone already holds are no nudge: the schedule goes on.
        asked["hold_type"] = new_hold
    if not asked:
        return []
    message = codec.update_setpoint(
        zone.zone_id, heat=new_heat, cool=new_cool, deadband=deadband, hold_type=new_hold
    )
    return [_zone_write(message, zone.zone_id, asked)]


def plan_zone(zone: Zone, request: ZoneRequest, supported: tuple[ZoneMode, ...]) -> list[Write]:
    """Return the frames a zone request takes: the mode first, then setpoints and hold.

    Everything is checked before any frame is returned, so a refusal sends nothing.
    """
    if request.target is not None and (request.heat is not None or request.cool is not None):
        msg = "give a single target or the heat/cool sides, not both"
        raise RuleError(Refusal.INVALID_VALUE, msg)
    if (
        request.mode is None
        and request.hold is None
        and request.target is None
        and request.heat is None
        and request.cool is None
    ):
        msg = "give a mode, a hold or a setpoint"
        raise RuleError(Refusal.NOTHING_ASKED, msg)
    writes = [] if request.mode is None else zone_mode(zone, request.mode, supported)
    planned = after(zone, writes)
    heat, cool = request.heat, request.cool
    if request.target is not None:
        if planned.mode is ZoneMode.HEAT:
            heat = request.target
        elif planned.mode is ZoneMode.COOL:
            cool = request.target
        else:
            mode = "unknown" if planned.mode is None else planned.mode.name.lower()
            msg = f"a zone in {mode} has no single target"
            raise RuleError(Refusal.NO_SINGLE_TARGET, msg, mode=mode)
    if heat is not None or cool is not None or request.hold is not None:
        writes += setpoint_write(planned, heat=heat, cool=cool, hold=request.hold)
    return writes


def fan_mode(state: ThermostatState, mode: FanMode) -> list[Write]:
    """Return the frame that changes the system's fan mode, or none when it already runs so."""
    mode = _member(FanMode, mode)
    if state.fan_mode is mode:
        return []
    return [
        Write(
            codec.update_fan_mode(mode), None, {"fan_mode": mode}, {"fan_mode": frozenset({mode})}
        )
    ]


def emergency_heat(state: ThermostatState, *, on: bool) -> list[Write]:
    """Return the frame that turns emergency heat on or off, or none when it already is.

    The state holds it parsed (state.py: the wire's "1" is on, "0", "2" or another value off);
    the codec writes "1" for on and "2" for off.
    """
    if state.emergency_heat is on:
        return []
    return [
        Write(
            codec.update_emergency_heat(on=on),
            None,
            {"emergency_heat": on},
            {"emergency_heat": frozenset({on})},
        )
    ]


def _member[E: StrEnum](enum: type[E], value: str) -> E:
    try:
        return enum(value)
    except ValueError:
        msg = f"{value!r} is not a valid {enum.__name__}"
        raise RuleError(Refusal.INVALID_VALUE, msg) from None
