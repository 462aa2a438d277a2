"""The thermostat's rules, pure: a zone's state and a request become frames or a refusal."""

from __future__ import annotations

import pickle

import pytest

from custom_components.steamloop.client import (
    FanMode,
    HoldType,
    ThermostatState,
    Zone,
    ZoneMode,
    rules,
)
from custom_components.steamloop.client.rules import Refusal, RuleError, ZoneRequest

ALL_MODES = tuple(ZoneMode)


def zone(**fields: object) -> Zone:
    values: dict[str, object] = {
        "mode": ZoneMode.HEAT,
        "heat_setpoint": 68.0,
        "cool_setpoint": 76.0,
        "deadband": 3.0,
        "hold_type": HoldType.SCHEDULE,
    }
    values.update(fields)
    return Zone("1", **values)  # type: ignore[arg-type]


def sent(writes: list[rules.Write]) -> list[tuple[str, dict[str, str]]]:
    return [(write.message.name, dict(write.message.fields)) for write in writes]


def refusal(request: ZoneRequest, at: Zone | None = None) -> RuleError:
    with pytest.raises(RuleError) as err:
        rules.plan_zone(at or zone(), request, ALL_MODES)
    return err.value


def test_a_single_target_goes_to_the_side_of_the_new_mode() -> None:
    """heat → cool then 74: cool 74, heat left at 68, planned from the mode asked."""
    writes = rules.plan_zone(zone(), ZoneRequest(mode=ZoneMode.COOL, target=74), ALL_MODES)
    assert sent(writes) == [
        ("UpdateZoneMode", {"zone_id": "1", "zone_mode": "2"}),
        (
            "UpdateTemperatureSetpoint",
            {
                "zone_id": "1",
                "heat_setpoint": "68",
                "cool_setpoint": "74",
                "deadband": "3",
                "hold_type": "3",
            },
        ),
    ]
    assert writes[1].expect == {
        "cool_setpoint": frozenset({74.0}),
        "hold_type": frozenset({HoldType.HOLD}),
    }


@pytest.mark.parametrize(
    ("hold", "sent_hold"),
    [
        (HoldType.SCHEDULE, HoldType.HOLD),  # a nudge holds until the next period
        (HoldType.UNDEFINED, HoldType.HOLD),
        (None, HoldType.HOLD),
        (HoldType.MANUAL, HoldType.MANUAL),  # a permanent hold stays permanent
        (HoldType.HOLD, HoldType.HOLD),
    ],
)
def test_a_setpoint_change_keeps_a_hold_or_holds_until_the_next_period(
    hold: HoldType | None, sent_hold: HoldType
) -> None:
    writes = rules.plan_zone(zone(hold_type=hold), ZoneRequest(target=70), ALL_MODES)
    assert writes[0].message.fields["hold_type"] == sent_hold.value


def test_an_explicit_hold_wins_and_a_hold_alone_resends_the_setpoints() -> None:
    writes = rules.plan_zone(zone(), ZoneRequest(hold=HoldType.MANUAL), ALL_MODES)
    assert sent(writes)[0][1]["hold_type"] == "1"
    assert writes[0].asked == {"hold_type": HoldType.MANUAL}
    permanent = rules.plan_zone(zone(), ZoneRequest(target=70, hold=HoldType.MANUAL), ALL_MODES)
    assert permanent[0].message.fields["hold_type"] == "1"


@pytest.mark.parametrize(
    "request_",
    [
        ZoneRequest(mode=ZoneMode.HEAT),
        ZoneRequest(target=68),
        ZoneRequest(target=67.6),  # whole degrees: 68, what the zone holds
        ZoneRequest(heat=68, cool=76),
        ZoneRequest(hold=HoldType.SCHEDULE),
        ZoneRequest(mode=ZoneMode.HEAT, target=68),
    ],
)
def test_a_request_that_changes_nothing_sends_nothing(request_: ZoneRequest) -> None:
    assert rules.plan_zone(zone(), request_, ALL_MODES) == []


@pytest.mark.parametrize(
    ("request_", "pair"),
    [
        (ZoneRequest(heat=75), ("75", "78")),  # the other side moves, rounded away
        (ZoneRequest(cool=70), ("67", "70")),
        (ZoneRequest(heat=61.1, cool=64.1), ("61", "64")),  # exactly the deadband, at 0.01
        (ZoneRequest(heat=72.5), ("73", "76")),  # halves up
        (ZoneRequest(heat=96), ("96", "99")),  # the top of the range
        (ZoneRequest(cool=43), ("40", "43")),  # the bottom
    ],
)
def test_whole_degrees_and_the_deadband(request_: ZoneRequest, pair: tuple[str, str]) -> None:
    fields = rules.plan_zone(zone(), request_, ALL_MODES)[0].message.fields
    assert (fields["heat_setpoint"], fields["cool_setpoint"]) == pair


def test_a_fractional_deadband_moves_the_other_side_past_it() -> None:
    fields = rules.plan_zone(zone(deadband=2.5), ZoneRequest(heat=75), ALL_MODES)[0].message.fields
    assert (fields["cool_setpoint"], fields["deadband"]) == ("78", "2.5")


def test_a_zone_without_a_deadband_gets_the_default() -> None:
    fields = rules.plan_zone(zone(deadband=None), ZoneRequest(heat=75), ALL_MODES)[0].message.fields
    assert fields["deadband"] == "3"
    assert rules.deadband_of(zone(deadband=None)) == rules.DEFAULT_DEADBAND


@pytest.mark.parametrize(
    ("request_", "why", "placeholders"),
    [
        (ZoneRequest(heat=97), Refusal.OUT_OF_RANGE, {"value": "100", "min": "40", "max": "99"}),
        (ZoneRequest(cool=42), Refusal.OUT_OF_RANGE, {"value": "39", "min": "40", "max": "99"}),
        (
            ZoneRequest(heat=39.4, cool=80),
            Refusal.OUT_OF_RANGE,
            {"value": "39", "min": "40", "max": "99"},
        ),
        (
            ZoneRequest(heat=70, cool=72),
            Refusal.DEADBAND,
            {"heat": "70", "cool": "72", "deadband": "3"},
        ),
        (ZoneRequest(heat=float("nan")), Refusal.NOT_A_NUMBER, {"value": "nan"}),
        (ZoneRequest(mode=ZoneMode.AUTO, target=70), Refusal.NO_SINGLE_TARGET, {"mode": "auto"}),
        (ZoneRequest(mode=ZoneMode.OFF, target=70), Refusal.NO_SINGLE_TARGET, {"mode": "off"}),
        (ZoneRequest(target=70, heat=70), Refusal.INVALID_VALUE, {}),
        (ZoneRequest(), Refusal.NOTHING_ASKED, {}),
        (ZoneRequest(hold="7"), Refusal.INVALID_VALUE, {}),  # type: ignore[arg-type]
        (ZoneRequest(mode="9"), Refusal.INVALID_VALUE, {}),  # type: ignore[arg-type]
    ],
)
def test_refusals_say_why(
    request_: ZoneRequest, why: Refusal, placeholders: dict[str, str]
) -> None:
    err = refusal(request_)
    assert err.refusal is why
    assert err.placeholders == placeholders
    assert isinstance(pickle.loads(pickle.dumps(err)), RuleError)  # noqa: S301 - our own bytes


def test_unknown_setpoints_are_never_invented() -> None:
    err = refusal(ZoneRequest(heat=70), zone(cool_setpoint=None))
    assert err.refusal is Refusal.SETPOINTS_UNKNOWN
    err = refusal(ZoneRequest(target=70), zone(mode=None))
    assert err.refusal is Refusal.NO_SINGLE_TARGET
    assert err.placeholders == {"mode": "unknown"}


def test_a_mode_must_be_supported() -> None:
    with pytest.raises(RuleError) as err:
        rules.plan_zone(zone(), ZoneRequest(mode=ZoneMode.COOL), (ZoneMode.OFF, ZoneMode.HEAT))
    assert err.value.refusal is Refusal.UNSUPPORTED_MODE
    assert err.value.placeholders == {"mode": "cool"}


def test_writes_are_confirmed_by_the_reported_fields() -> None:
    state = ThermostatState(zones={"1": zone()})
    (write,) = rules.plan_zone(state.zones["1"], ZoneRequest(mode=ZoneMode.COOL), ALL_MODES)
    assert not write.confirmed(state)
    state.zones["1"].mode = ZoneMode.COOL
    assert write.confirmed(state)
    del state.zones["1"]
    assert not write.confirmed(state)
    assert rules.after(zone(), [write]).mode is ZoneMode.COOL


def test_system_writes() -> None:
    state = ThermostatState(fan_mode=FanMode.AUTO, emergency_heat=False)
    assert rules.fan_mode(state, FanMode.AUTO) == []
    (fan,) = rules.fan_mode(state, FanMode.CIRCULATE)
    assert sent([fan]) == [("UpdateFanMode", {"fan_mode": "3"})]
    assert rules.emergency_heat(state, on=False) == []
    (on,) = rules.emergency_heat(state, on=True)
    assert sent([on]) == [("UpdateEmergencyHeat", {"emergency_heat": "1"})]
    state.emergency_heat = True
    assert on.confirmed(state)
    (off,) = rules.emergency_heat(state, on=False)
    assert sent([off]) == [("UpdateEmergencyHeat", {"emergency_heat": "2"})]
    state.emergency_heat = False  # "0" or "2" on the wire (state.py)
    assert off.confirmed(state)
