"""Which zone is calling: the per-zone action inferred from temperature and setpoints."""

from __future__ import annotations

import pytest

from custom_components.steamloop.client import (
    ActivityStatus,
    ThermostatState,
    Zone,
    ZoneAction,
    ZoneMode,
    zone_action,
)
from custom_components.steamloop.client.demand import HYSTERESIS

RUNNING, IDLE = ActivityStatus.RUNNING, ActivityStatus.IDLE


def _state(
    *zones: Zone, cooling: ActivityStatus = IDLE, heating: ActivityStatus = IDLE
) -> ThermostatState:
    return ThermostatState(
        zones={zone.zone_id: zone for zone in zones}, cooling=cooling, heating=heating
    )


def _zone(zone_id: str, temperature: float | None, mode: ZoneMode = ZoneMode.AUTO) -> Zone:
    return Zone(
        zone_id, mode=mode, indoor_temperature=temperature, heat_setpoint=68.0, cool_setpoint=76.0
    )


def test_only_the_zone_past_its_setpoint_is_cooling() -> None:
    """One zone calls, the other is satisfied: cooling and idle, not cooling twice."""
    warm, cool = _zone("1", 78.0), _zone("2", 72.0, ZoneMode.COOL)
    state = _state(warm, cool, cooling=RUNNING)
    assert zone_action(warm, state) == (ZoneAction.COOLING, True)
    assert zone_action(cool, state) == (ZoneAction.IDLE, False)


def test_only_the_zone_below_its_setpoint_is_heating() -> None:
    """Heating likewise, against the heating setpoint; a cool-only zone never heats."""
    cold, warm = _zone("1", 66.0, ZoneMode.HEAT), _zone("2", 70.0)
    cool_only = _zone("3", 60.0, ZoneMode.COOL)
    state = _state(cold, warm, cool_only, heating=RUNNING)
    assert zone_action(cold, state)[0] is ZoneAction.HEATING
    assert zone_action(warm, state)[0] is ZoneAction.IDLE
    assert zone_action(cool_only, state)[0] is ZoneAction.IDLE


def test_the_hysteresis_keeps_what_was_shown_near_the_setpoint() -> None:
    """Within HYSTERESIS of the setpoint the zone keeps its last answer; past it, it flips."""
    zone, other = _zone("1", 76.2), _zone("2", 70.0)
    state = _state(zone, other, cooling=RUNNING)
    assert zone_action(zone, state) == (ZoneAction.COOLING, True)  # first seen: past at all
    zone.indoor_temperature = 76.0 - HYSTERESIS + 0.1
    assert zone_action(zone, state, calling=True) == (ZoneAction.COOLING, True)
    zone.indoor_temperature = 76.0 - HYSTERESIS - 0.1
    assert zone_action(zone, state, calling=True) == (ZoneAction.IDLE, False)
    zone.indoor_temperature = 76.0 + HYSTERESIS - 0.1
    assert zone_action(zone, state, calling=False) == (ZoneAction.IDLE, False)
    zone.indoor_temperature = 76.0 + HYSTERESIS + 0.1
    assert zone_action(zone, state, calling=False) == (ZoneAction.COOLING, True)


@pytest.mark.parametrize("temperature", [None, 60.0])
def test_a_single_zone_or_an_unknown_temperature_shows_the_system(
    temperature: float | None,
) -> None:
    """Nothing to tell apart: the system's action, as before."""
    only = _zone("1", temperature)
    assert zone_action(only, _state(only, cooling=RUNNING))[0] is ZoneAction.COOLING
    unknown = _zone("1", None)
    state = _state(unknown, _zone("2", 80.0), cooling=RUNNING)
    assert zone_action(unknown, state) == (ZoneAction.COOLING, None)


def test_off_idle_and_unknown() -> None:
    """Off is off; nothing running is idle; an unknown mode or activity is unknown."""
    off, auto = _zone("1", 80.0, ZoneMode.OFF), _zone("2", 80.0)
    assert zone_action(off, _state(off, auto, cooling=RUNNING)) == (ZoneAction.OFF, None)
    assert zone_action(auto, _state(off, auto)) == (ZoneAction.IDLE, None)
    assert zone_action(Zone("3"), _state(off, auto)) == (None, None)
    assert zone_action(auto, ThermostatState(zones={"2": auto})) == (None, None)
