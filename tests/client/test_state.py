"""ThermostatState: every event, its Change, rejected values, sync_from and copy."""

from __future__ import annotations

import dataclasses
import json
import logging
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.steamloop.client.capture import Capture
from custom_components.steamloop.client.codec import Event, decode, decode_all
from custom_components.steamloop.client.models import ActivityStatus, FanMode, HoldType, ZoneMode
from custom_components.steamloop.client.state import (
    KNOWN_EVENTS,
    MAX_ZONES,
    NO_CHANGE,
    SYSTEM_FIELDS,
    ZONE_FIELDS,
    Change,
    ThermostatState,
    Zone,
)
from tests.client.strategies import EVENT_NAMES, FIELD_NAMES


def zones(*ids: str) -> frozenset[str]:
    """Spell a frozenset of zone ids."""
    return frozenset(ids)


def ev(name: str, **fields: str) -> Event:
    """Build an event."""
    return Event(name, fields)


@pytest.fixture
def state() -> ThermostatState:
    """A state holding zone "1" with every field reported."""
    state = ThermostatState()
    for event in (
        ev("ZoneAdded", zone_id="1"),
        ev("ZoneNameUpdated", zone_id="1", zone_name="Living"),
        ev("ZoneModeUpdated", zone_id="1", zone_mode="1"),
        ev("IndoorTemperatureUpdated", zone_id="1", indoor_temperature="72.00"),
        ev(
            "TemperatureSetpointUpdated",
            zone_id="1",
            heat_setpoint="68",
            cool_setpoint="76",
            deadband="3",
            hold_type="2",
        ),
        ev("SupportedZoneModesUpdated", modes="0,1,2,3"),
        ev("FanModeUpdated", fan_mode="1"),
        ev("EmergencyHeatUpdated", emergency_heat="2"),
        ev("IndoorRelativeHumidityUpdated", relative_humidity="45"),
        ev("CoolingStatusUpdated", cooling_active="1"),
        ev("HeatingStatusUpdated", heating_active="0"),
    ):
        assert state.apply(event)
    return state


def test_fixture_state(state: ThermostatState) -> None:
    """The burst above fills every field with its parsed value."""
    assert state.zones == {
        "1": Zone("1", "Living", ZoneMode.AUTO, 72.0, 68.0, 76.0, 3.0, HoldType.SCHEDULE)
    }
    assert state.supported_modes == (ZoneMode.OFF, ZoneMode.AUTO, ZoneMode.COOL, ZoneMode.HEAT)
    assert state.fan_mode is FanMode.AUTO
    assert state.emergency_heat is False
    assert state.relative_humidity == 45.0
    assert state.cooling is ActivityStatus.IDLE
    assert state.heating is ActivityStatus.OFF
    assert state.is_known("1")
    assert not state.is_known("2")


def test_field_lists_match_the_dataclasses() -> None:
    """ZONE_FIELDS and SYSTEM_FIELDS name every field but the keys."""
    assert [f.name for f in dataclasses.fields(Zone)] == ["zone_id", *ZONE_FIELDS]
    assert [f.name for f in dataclasses.fields(ThermostatState)] == ["zones", *SYSTEM_FIELDS]


def test_new_state_is_empty() -> None:
    """Nothing is known before the first event."""
    state = ThermostatState()
    assert state.zones == {}
    assert state.supported_modes == ()
    assert state.fan_mode is None
    assert state.emergency_heat is None
    assert state.relative_humidity is None
    assert state.cooling is None
    assert state.heating is None


# --- zone events -----------------------------------------------------------------------------


def test_zone_added() -> None:
    """ZoneAdded creates an empty zone once; a repeat is not a change."""
    state = ThermostatState()
    assert state.apply(ev("ZoneAdded", zone_id="7")) == Change(added=zones("7"))
    assert state.zones["7"] == Zone("7")
    zone = state.zones["7"]
    assert state.apply(ev("ZoneAdded", zone_id="7")) == NO_CHANGE
    assert state.zones["7"] is zone


@pytest.mark.parametrize(
    ("event", "attribute", "value"),
    [
        (ev("ZoneNameUpdated", zone_id="1", zone_name="Den"), "name", "Den"),
        (ev("ZoneNameUpdated", zone_id="1", zone_name=""), "name", None),
        (
            ev("IndoorTemperatureUpdated", zone_id="1", indoor_temperature="70.50"),
            "indoor_temperature",
            70.5,
        ),
        (
            ev("IndoorTemperatureUpdated", zone_id="1", indoor_temperature=""),
            "indoor_temperature",
            None,
        ),
        (ev("TemperatureSetpointUpdated", zone_id="1", heat_setpoint="66"), "heat_setpoint", 66.0),
        (ev("TemperatureSetpointUpdated", zone_id="1", cool_setpoint="78"), "cool_setpoint", 78.0),
        (ev("TemperatureSetpointUpdated", zone_id="1", deadband="2.5"), "deadband", 2.5),
        (
            ev("TemperatureSetpointUpdated", zone_id="1", hold_type="1"),
            "hold_type",
            HoldType.MANUAL,
        ),
        (ev("TemperatureSetpointUpdated", zone_id="1", heat_setpoint=""), "heat_setpoint", None),
        (ev("ZoneModeUpdated", zone_id="1", zone_mode="3"), "mode", ZoneMode.HEAT),
        (ev("ZoneModeUpdated", zone_id="1", zone_mode="0"), "mode", ZoneMode.OFF),
        (ev("ZoneModeUpdated", zone_id="1", zone_mode=" 02 "), "mode", ZoneMode.COOL),
    ],
)
def test_zone_event_updates_one_field(
    state: ThermostatState, event: Event, attribute: str, value: object
) -> None:
    """Each zone event sets its field, reports the zone, and only that field moves."""
    zone = state.zones["1"]
    before = dataclasses.replace(zone)
    assert state.apply(event) == Change(zones=zones("1"))
    assert getattr(zone, attribute) == value
    assert state.zones["1"] is zone
    for name in ZONE_FIELDS:
        if name != attribute:
            assert getattr(zone, name) == getattr(before, name)
    assert state.apply(event) == NO_CHANGE


def test_setpoint_update_is_partial(state: ThermostatState) -> None:
    """Fields absent from a setpoint event keep their values."""
    change = state.apply(
        ev("TemperatureSetpointUpdated", zone_id="1", heat_setpoint="65", hold_type="1")
    )
    assert change == Change(zones=zones("1"))
    zone = state.zones["1"]
    assert (zone.heat_setpoint, zone.cool_setpoint, zone.deadband, zone.hold_type) == (
        65.0,
        76.0,
        3.0,
        HoldType.MANUAL,
    )
    assert state.apply(ev("TemperatureSetpointUpdated", zone_id="1")) == NO_CHANGE


def test_same_value_in_another_spelling_is_no_change(state: ThermostatState) -> None:
    """72.00, 72 and 72.0 are the same temperature."""
    for spelling in ("72", "72.0", " 72.000 ", "7.2e1"):
        event = ev("IndoorTemperatureUpdated", zone_id="1", indoor_temperature=spelling)
        assert state.apply(event) == NO_CHANGE
    assert state.apply(ev("ZoneModeUpdated", zone_id="1", zone_mode="01")) == NO_CHANGE


@pytest.mark.parametrize(
    "event",
    [
        ev("IndoorTemperatureUpdated", zone_id="2", indoor_temperature="70"),
        ev("ZoneNameUpdated", zone_id="2", zone_name="Upstairs"),
        ev("ZoneModeUpdated", zone_id="2", zone_mode="2"),
        ev("TemperatureSetpointUpdated", zone_id="2", heat_setpoint="60"),
        ev("TemperatureSetpointUpdated", zone_id="2"),
    ],
)
def test_event_for_unknown_zone_creates_it(state: ThermostatState, event: Event) -> None:
    """A zone event that arrives before ZoneAdded creates the zone and reports it as added."""
    assert state.apply(event) == Change(added=zones("2"))
    assert state.is_known("2")
    assert state.zones["2"].zone_id == "2"
    assert state.apply(ev("ZoneAdded", zone_id="2")) == NO_CHANGE
    assert state.apply(event) == NO_CHANGE


def test_created_zone_holds_the_value() -> None:
    """The implicitly created zone carries the event's value."""
    state = ThermostatState()
    state.apply(ev("TemperatureSetpointUpdated", zone_id="3", cool_setpoint="77", deadband="2"))
    assert state.zones["3"] == Zone("3", cool_setpoint=77.0, deadband=2.0)


# --- system events ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "attribute", "value"),
    [
        (
            ev("SupportedZoneModesUpdated", modes="0,2"),
            "supported_modes",
            (ZoneMode.OFF, ZoneMode.COOL),
        ),
        (ev("SupportedZoneModesUpdated", modes=""), "supported_modes", ()),
        (
            ev("SupportedZoneModesUpdated", modes=" 3 , x,,9,3, 1,-1,1.0"),
            "supported_modes",
            (ZoneMode.HEAT, ZoneMode.AUTO),
        ),
        (ev("FanModeUpdated", fan_mode="3"), "fan_mode", FanMode.CIRCULATE),
        (ev("FanModeUpdated", fan_mode="2"), "fan_mode", FanMode.ALWAYS_ON),
        (ev("FanModeUpdated", fan_mode=""), "fan_mode", None),
        (ev("EmergencyHeatUpdated", emergency_heat="1"), "emergency_heat", True),
        (ev("EmergencyHeatUpdated", emergency_heat=""), "emergency_heat", None),
        (ev("IndoorRelativeHumidityUpdated", relative_humidity="51.5"), "relative_humidity", 51.5),
        (ev("IndoorRelativeHumidityUpdated", relative_humidity="0"), "relative_humidity", 0.0),
        (ev("IndoorRelativeHumidityUpdated", relative_humidity="100"), "relative_humidity", 100.0),
        (ev("CoolingStatusUpdated", cooling_active="2"), "cooling", ActivityStatus.RUNNING),
        (ev("CoolingStatusUpdated", cooling_active="0"), "cooling", ActivityStatus.OFF),
        (ev("HeatingStatusUpdated", heating_active="2"), "heating", ActivityStatus.RUNNING),
        (ev("HeatingStatusUpdated", heating_active="1"), "heating", ActivityStatus.IDLE),
    ],
)
def test_system_event_updates_one_field(
    state: ThermostatState, event: Event, attribute: str, value: object
) -> None:
    """Each system event sets its field and reports exactly that field's name."""
    before = state.copy()
    assert state.apply(event) == Change(system=frozenset({attribute}))
    assert getattr(state, attribute) == value
    for name in SYSTEM_FIELDS:
        if name != attribute:
            assert getattr(state, name) == getattr(before, name)
    assert state.zones == before.zones
    assert state.apply(event) == NO_CHANGE


def test_emergency_heat_is_on_only_for_one(state: ThermostatState) -> None:
    """The wire's "1" is on; "0" and "2" are both off: going from one to the other is no change."""
    assert state.emergency_heat is False  # reported "2"
    assert state.apply(ev("EmergencyHeatUpdated", emergency_heat="0")) == NO_CHANGE
    assert state.emergency_heat is False
    assert state.apply(ev("EmergencyHeatUpdated", emergency_heat=" 1 ")) == Change(
        system=frozenset({"emergency_heat"})
    )
    assert state.emergency_heat is True


@pytest.mark.parametrize(
    "event",
    [
        ev("SupportedZoneModesUpdated", modes="3,2,1,0"),
        ev("SupportedZoneModesUpdated", modes="0,1,2,3,3"),
        ev("FanModeUpdated", fan_mode="1"),
        ev("EmergencyHeatUpdated", emergency_heat="2"),
        ev("IndoorRelativeHumidityUpdated", relative_humidity="45.0"),
        ev("CoolingStatusUpdated", cooling_active="1"),
        ev("HeatingStatusUpdated", heating_active="0"),
    ],
)
def test_system_noop(state: ThermostatState, event: Event) -> None:
    """A system value equal to the current one reports nothing (a mode order change does)."""
    change = state.apply(event)
    if event.fields.get("modes") == "3,2,1,0":
        assert change == Change(system=frozenset({"supported_modes"}))
    else:
        assert change == NO_CHANGE


# --- rejected values -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "event",
    [
        ev("ZoneAdded"),
        ev("ZoneAdded", zone_id=""),
        ev("ZoneNameUpdated", zone_id="1"),
        ev("ZoneNameUpdated", zone_name="x"),
        ev("IndoorTemperatureUpdated", zone_id="1", indoor_temperature="warm"),
        ev("IndoorTemperatureUpdated", zone_id="1", indoor_temperature="nan"),
        ev("IndoorTemperatureUpdated", zone_id="1", indoor_temperature="inf"),
        ev("IndoorTemperatureUpdated", zone_id="1", indoor_temperature="-Infinity"),
        ev("IndoorTemperatureUpdated", zone_id="1", indoor_temperature="1e400"),
        ev("IndoorTemperatureUpdated", zone_id="1"),
        ev("IndoorTemperatureUpdated", indoor_temperature="70"),
        ev("IndoorTemperatureUpdated", zone_id="9", indoor_temperature="x"),
        ev("TemperatureSetpointUpdated", zone_id="9", heat_setpoint="x"),
        ev("TemperatureSetpointUpdated", zone_id="1", cool_setpoint="hot", hold_type="4"),
        ev("SupportedZoneModesUpdated", modes="9,8"),
        ev("SupportedZoneModesUpdated", modes="AUTO"),
        ev("ZoneModeUpdated", zone_id="1", zone_mode="4"),
        ev("ZoneModeUpdated", zone_id="1", zone_mode="HEAT"),
        ev("ZoneModeUpdated", zone_id="1", zone_mode="1.0"),
        ev("ZoneModeUpdated", zone_id="1", zone_mode="9" * 5000),
        ev("ZoneModeUpdated", zone_id="1"),
        ev("SupportedZoneModesUpdated"),
        ev("FanModeUpdated", fan_mode="9"),
        ev("FanModeUpdated", fan_mode="0"),
        ev("FanModeUpdated"),
        ev("EmergencyHeatUpdated"),
        ev("IndoorRelativeHumidityUpdated", relative_humidity="101"),
        ev("IndoorRelativeHumidityUpdated", relative_humidity="-1"),
        ev("IndoorRelativeHumidityUpdated", relative_humidity="damp"),
        ev("CoolingStatusUpdated", cooling_active="3"),
        ev("CoolingStatusUpdated", heating_active="2"),
        ev("HeatingStatusUpdated", heating_active="on"),
        ev("SomethingNew", zone_id="1"),
        ev("Login", secret_key="k"),  # noqa: S106
    ],
)
def test_rejected_event_changes_nothing(state: ThermostatState, event: Event) -> None:
    """Invalid values, missing fields and unknown events leave the state exactly as it was."""
    before = state.copy()
    zone = state.zones["1"]
    assert state.apply(event) == NO_CHANGE
    assert state == before
    assert state.zones["1"] is zone


def test_rejected_value_is_logged_briefly(caplog: pytest.LogCaptureFixture) -> None:
    """A rejected value is logged at debug with the event name and a bounded excerpt."""
    state = ThermostatState()
    with caplog.at_level(logging.DEBUG, logger="custom_components.steamloop.client"):
        state.apply(ev("IndoorTemperatureUpdated", zone_id="1", indoor_temperature="w" * 500))
        state.apply(ev("FanModeUpdated"))
    assert "IndoorTemperatureUpdated.indoor_temperature" in caplog.text
    assert "w" * 41 not in caplog.text
    assert "FanModeUpdated.fan_mode" in caplog.text


@pytest.mark.parametrize(
    ("event", "applied"),
    [
        (
            ev("TemperatureSetpointUpdated", zone_id="1", heat_setpoint="70", hold_type="4"),
            {"heat_setpoint": 70.0},
        ),
        (
            ev("TemperatureSetpointUpdated", zone_id="1", heat_setpoint="60", cool_setpoint="hot"),
            {"heat_setpoint": 60.0},
        ),
        (
            ev("TemperatureSetpointUpdated", zone_id="1", cool_setpoint="80", deadband="-1"),
            {"cool_setpoint": 80.0},
        ),
        (
            ev("TemperatureSetpointUpdated", zone_id="1", deadband="2", heat_setpoint="x"),
            {"deadband": 2.0},
        ),
        (
            ev("ZoneModeUpdated", zone_id="1", zone_mode="3", humidify="on"),
            {"mode": ZoneMode.HEAT},
        ),
    ],
)
def test_valid_fields_apply_and_invalid_ones_are_dropped_and_counted(
    state: ThermostatState, event: Event, applied: dict[str, object]
) -> None:
    """Within one event each field stands alone: the good ones apply, the bad one is counted."""
    capture = Capture()
    before = state.zones["1"].copy()
    assert state.apply(event, capture) == Change(zones=zones("1"))
    after = state.zones["1"]
    for name in ZONE_FIELDS:
        expected = applied.get(name, getattr(before, name))
        assert getattr(after, name) == expected, name
    assert capture.dropped_fields == (0 if "humidify" in event.fields else 1)
    assert capture.unknown_values or capture.unknown_fields


def test_supported_modes_unknown_codes_never_empty_the_modes(state: ThermostatState) -> None:
    """ "9,8" is ignored (the modes stay); "0,9" keeps OFF and records the unknown "9"."""
    capture = Capture()
    assert state.apply(ev("SupportedZoneModesUpdated", modes="9,8"), capture) == NO_CHANGE
    assert state.supported_modes == (ZoneMode.OFF, ZoneMode.AUTO, ZoneMode.COOL, ZoneMode.HEAT)
    assert capture.unknown_values == {"SupportedZoneModesUpdated.modes=9,8": 1}

    change = state.apply(ev("SupportedZoneModesUpdated", modes="0, 9"), capture)
    assert change == Change(system=frozenset({"supported_modes"}))
    assert state.supported_modes == (ZoneMode.OFF,)
    assert capture.unknown_values["SupportedZoneModesUpdated.modes= 9"] == 1
    # An empty list still means "none reported".
    state.apply(ev("SupportedZoneModesUpdated", modes=""), capture)
    assert state.supported_modes == ()


def test_surprises_are_recorded_once_each_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    """Unknown events, fields and values are counted; each is logged once, the first time."""
    state = ThermostatState()
    capture = Capture()
    with caplog.at_level(logging.DEBUG, logger="custom_components.steamloop.client"):
        for _ in range(3):
            state.apply(ev("OutdoorTemperatureUpdated", outdoor_temperature="40"), capture)
            state.apply(ev("FanModeUpdated", fan_mode="4", fan_speed="2"), capture)
            state.apply(ev("EmergencyHeatUpdated", emergency_heat="5"), capture)
            state.apply(ev("ZoneModeUpdated", zone_mode="1"), capture)
            state.apply(Event("ZoneNameUpdated", {"zone_id": "1"}, ("zone_name",)), capture)
    assert capture.unknown_events == {"OutdoorTemperatureUpdated": 3}
    assert capture.unknown_fields == {"FanModeUpdated.fan_speed": 3}
    assert capture.unknown_values == {
        "FanModeUpdated.fan_mode=4": 3,
        "EmergencyHeatUpdated.emergency_heat=5": 3,
        "ZoneNameUpdated.zone_name=<not text>": 3,
    }
    assert capture.missing_fields == {"ZoneModeUpdated.zone_id": 3, "ZoneNameUpdated.zone_name": 3}
    # A value not known shows emergency heat as off (only "1" is on), and is recorded as unknown.
    assert state.emergency_heat is False
    assert capture.dropped_fields == 6
    logged = [r.getMessage() for r in caplog.records]
    assert sum("OutdoorTemperatureUpdated" in m for m in logged) == 1
    assert sum("fan_mode=4" in m for m in logged) == 1
    assert all(r.levelno == logging.DEBUG for r in caplog.records)


def test_zones_are_bounded(caplog: pytest.LogCaptureFixture) -> None:
    """Past MAX_ZONES, and for unusable ids, events for new zones are ignored and counted."""
    state = ThermostatState()
    capture = Capture()
    for index in range(MAX_ZONES + 5):
        state.apply(ev("ZoneAdded", zone_id=str(index)), capture)
    assert len(state.zones) == MAX_ZONES
    for bad in ("", "   ", "z" * 33, "a\nb"):
        state.apply(ev("ZoneAdded", zone_id=bad), capture)
    assert len(state.zones) == MAX_ZONES
    assert len(capture.refused_zones) == 5 + 4
    # Known zones still update.
    assert state.apply(ev("ZoneNameUpdated", zone_id="0", zone_name="Den"), capture)
    assert state.zones["0"].name == "Den"


def test_known_events() -> None:
    """Every protocol event has a handler."""
    assert {
        "ZoneAdded",
        "ZoneNameUpdated",
        "IndoorTemperatureUpdated",
        "TemperatureSetpointUpdated",
        "ZoneModeUpdated",
        "SupportedZoneModesUpdated",
        "FanModeUpdated",
        "EmergencyHeatUpdated",
        "IndoorRelativeHumidityUpdated",
        "CoolingStatusUpdated",
        "HeatingStatusUpdated",
    } == KNOWN_EVENTS


# --- Change ----------------------------------------------------------------------------------


def test_change_truthiness() -> None:
    """A Change is true when any of its sets is non-empty."""
    assert not Change()
    assert not NO_CHANGE
    assert Change(zones=zones("1"))
    assert Change(system=frozenset({"fan_mode"}))
    assert Change(added=zones("1"))
    assert Change(removed=zones("1"))


def test_change_merge_unions() -> None:
    """Merging unions the sets and drops zones already covered by added/removed."""
    first = Change(zones=zones("1"), system=frozenset({"fan_mode"}), added=zones("2"))
    second = Change(zones=zones("2", "3"), system=frozenset({"heating"}), removed=zones("4"))
    assert first.merge(second) == Change(
        zones=zones("1", "3"),
        system=frozenset({"fan_mode", "heating"}),
        added=zones("2"),
        removed=zones("4"),
    )


def test_change_merge_with_nothing_returns_the_other() -> None:
    """Merging with an empty change is the identity."""
    change = Change(zones=zones("1"))
    assert change.merge(NO_CHANGE) is change
    assert NO_CHANGE.merge(change) is change


def test_change_merge_added_then_removed_cancels() -> None:
    """A zone added and then removed never existed, as far as listeners care."""
    merged = Change(added=zones("1"), zones=zones("2")).merge(Change(removed=zones("1")))
    assert merged == Change(zones=zones("2"))
    merged = (
        Change(added=zones("1")).merge(Change(zones=zones("1"))).merge(Change(removed=zones("1")))
    )
    assert not merged


def test_change_merge_removed_then_added_keeps_both() -> None:
    """A zone removed then re-created is a new object: both sets report it."""
    merged = Change(removed=zones("1")).merge(Change(added=zones("1")))
    assert merged == Change(added=zones("1"), removed=zones("1"))


def test_change_merge_changed_then_removed() -> None:
    """A zone changed then removed is only removed."""
    merged = Change(zones=zones("1")).merge(Change(removed=zones("1")))
    assert merged == Change(removed=zones("1"))


def test_change_is_frozen() -> None:
    """Changes are immutable values that can be shared between listeners."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        NO_CHANGE.zones = zones("1")  # type: ignore[misc]


# --- sync_from and copy ----------------------------------------------------------------------


def test_sync_from_identical_is_no_change(state: ThermostatState) -> None:
    """Syncing from an equal state reports nothing and touches nothing."""
    zone = state.zones["1"]
    assert state.sync_from(state.copy()) == NO_CHANGE
    assert state.zones["1"] is zone


def test_sync_from_keeps_identity_and_reports_exact_diff(state: ThermostatState) -> None:
    """Existing zones are updated in place; new zones added; missing zones removed."""
    state.apply(ev("ZoneAdded", zone_id="2"))
    state.apply(ev("ZoneAdded", zone_id="3"))
    zone1, zone3 = state.zones["1"], state.zones["3"]
    fresh = ThermostatState()
    fresh.zones["1"] = dataclasses.replace(zone1, indoor_temperature=75.0, hold_type=None)
    fresh.zones["3"] = Zone("3")
    fresh.zones["4"] = Zone("4", name="Attic")
    fresh.supported_modes = (ZoneMode.OFF, ZoneMode.HEAT)
    fresh.fan_mode = state.fan_mode
    fresh.emergency_heat = True
    fresh.relative_humidity = state.relative_humidity
    fresh.cooling = ActivityStatus.RUNNING
    fresh.heating = state.heating

    change = state.sync_from(fresh)

    assert change == Change(
        zones=zones("1"),
        system=frozenset({"supported_modes", "emergency_heat", "cooling"}),
        added=zones("4"),
        removed=zones("2"),
    )
    assert state.zones["1"] is zone1
    assert state.zones["3"] is zone3
    assert zone1.indoor_temperature == 75.0
    assert zone1.hold_type is None
    assert set(state.zones) == {"1", "3", "4"}
    assert state == fresh
    assert state.zones["4"] is not fresh.zones["4"]
    fresh.zones["4"].name = "changed later"
    assert state.zones["4"].name == "Attic"


def test_sync_from_empty_fresh_removes_everything(state: ThermostatState) -> None:
    """A fresh state with nothing in it clears this one."""
    change = state.sync_from(ThermostatState())
    assert change == Change(system=frozenset(SYSTEM_FIELDS), removed=zones("1"))
    assert state == ThermostatState()


def test_incomplete_sync_removes_nothing(state: ThermostatState) -> None:
    """A burst cut short keeps the zones it lacks and the system fields it did not report."""
    state.apply(ev("ZoneAdded", zone_id="2"))
    fresh = ThermostatState()
    fresh.zones["1"] = dataclasses.replace(state.zones["1"], indoor_temperature=75.0)
    fresh.fan_mode = state.fan_mode

    change = state.sync_from(fresh, complete=False)

    assert change == Change(zones=zones("1"))
    assert set(state.zones) == {"1", "2"}
    assert state.zones["1"].indoor_temperature == 75.0
    assert state.supported_modes
    assert state.relative_humidity is not None


def test_sync_into_empty_adds_everything(state: ThermostatState) -> None:
    """An empty state synced from a full one reports every zone added."""
    target = ThermostatState()
    change = target.sync_from(state)
    assert change == Change(system=frozenset(SYSTEM_FIELDS), added=zones("1"))
    assert target == state
    assert target.zones["1"] is not state.zones["1"]


def test_copy_is_deep(state: ThermostatState) -> None:
    """A copy is equal and shares no mutable part with the original."""
    snapshot = state.copy()
    assert snapshot == state
    assert snapshot.zones is not state.zones
    assert snapshot.zones["1"] is not state.zones["1"]
    state.apply(ev("IndoorTemperatureUpdated", zone_id="1", indoor_temperature="60"))
    state.apply(ev("ZoneAdded", zone_id="5"))
    assert snapshot.zones["1"].indoor_temperature == 72.0
    assert "5" not in snapshot.zones


# --- properties ------------------------------------------------------------------------------

VALUES = st.sampled_from(["", "1", "2", "3", "0", "72.5", "-3", "101", "nan", "0,1"]) | st.text(
    max_size=8
)
EVENTS = st.builds(Event, EVENT_NAMES, st.dictionaries(FIELD_NAMES, VALUES, max_size=5))


def check_invariants(state: ThermostatState) -> None:
    """Every stored value has its declared type."""
    for zone_id, zone in state.zones.items():
        assert zone.zone_id == zone_id
        assert zone_id
        assert zone.mode is None or isinstance(zone.mode, ZoneMode)
        assert zone.hold_type is None or isinstance(zone.hold_type, HoldType)
        for name in ("indoor_temperature", "heat_setpoint", "cool_setpoint", "deadband"):
            value = getattr(zone, name)
            assert value is None or (isinstance(value, float) and math.isfinite(value))
    assert all(isinstance(mode, ZoneMode) for mode in state.supported_modes)
    assert len(set(state.supported_modes)) == len(state.supported_modes)
    assert state.fan_mode is None or isinstance(state.fan_mode, FanMode)
    assert state.cooling is None or isinstance(state.cooling, ActivityStatus)
    assert state.heating is None or isinstance(state.heating, ActivityStatus)
    assert state.relative_humidity is None or 0 <= state.relative_humidity <= 100


@settings(max_examples=200, deadline=None, database=None)
@given(events=st.lists(EVENTS, max_size=30))
def test_apply_any_events(events: list[Event]) -> None:
    """Any event sequence keeps the state well typed and the Changes truthful."""
    state = ThermostatState()
    merged = NO_CHANGE
    for event in events:
        before = state.copy()
        change = state.apply(event)
        merged = merged.merge(change)
        assert not change.removed
        assert not (change.zones & change.added)
        assert bool(change) == (state != before)
        assert change.added == state.zones.keys() - before.zones.keys()
        for name in SYSTEM_FIELDS:
            assert (name in change.system) == (getattr(state, name) != getattr(before, name))
        for zone_id in before.zones:
            assert (zone_id in change.zones) == (state.zones[zone_id] != before.zones[zone_id])
        check_invariants(state)
    replay = ThermostatState()
    system = frozenset(
        name for name in SYSTEM_FIELDS if getattr(state, name) != getattr(replay, name)
    )
    assert replay.sync_from(state) == Change(system=system, added=frozenset(state.zones))
    assert merged.added == frozenset(state.zones)


@settings(max_examples=200, deadline=None, database=None)
@given(first=st.lists(EVENTS, max_size=15), second=st.lists(EVENTS, max_size=15))
def test_sync_from_matches_a_fresh_replay(first: list[Event], second: list[Event]) -> None:
    """sync_from makes the states equal and reports exactly what differed."""
    state, fresh = ThermostatState(), ThermostatState()
    for event in first:
        state.apply(event)
    for event in second:
        fresh.apply(event)
    before = state.copy()
    objects = {zone_id: zone for zone_id, zone in state.zones.items() if zone_id in fresh.zones}
    change = state.sync_from(fresh)
    assert state == fresh
    assert change.added == fresh.zones.keys() - before.zones.keys()
    assert change.removed == before.zones.keys() - fresh.zones.keys()
    assert change.zones == {
        zone_id
        for zone_id in before.zones.keys() & fresh.zones.keys()
        if before.zones[zone_id] != fresh.zones[zone_id]
    }
    assert all(state.zones[zone_id] is zone for zone_id, zone in objects.items())
    assert state.sync_from(fresh) == NO_CHANGE


# Per field: values the state accepts, and one it rejects ("x" parses as no number, enum or mode).
VALID = {
    "indoor_temperature": st.sampled_from(["72.00", "65.5", ""]),
    "heat_setpoint": st.sampled_from(["68", "60.5"]),
    "cool_setpoint": st.sampled_from(["76", "80"]),
    "deadband": st.sampled_from(["2", "3"]),
    "hold_type": st.sampled_from(["1", "2", "03"]),
    "zone_mode": st.sampled_from(["0", "3"]),
    "modes": st.sampled_from(["0,1", "3"]),
    "fan_mode": st.sampled_from(["1", "3"]),
    "relative_humidity": st.sampled_from(["40", "55.5"]),
    "cooling_active": st.sampled_from(["0", "2"]),
    "heating_active": st.sampled_from(["1"]),
}
EVENT_OF = {
    "indoor_temperature": "IndoorTemperatureUpdated",
    "heat_setpoint": "TemperatureSetpointUpdated",
    "cool_setpoint": "TemperatureSetpointUpdated",
    "deadband": "TemperatureSetpointUpdated",
    "hold_type": "TemperatureSetpointUpdated",
    "zone_mode": "ZoneModeUpdated",
    "modes": "SupportedZoneModesUpdated",
    "fan_mode": "FanModeUpdated",
    "relative_humidity": "IndoorRelativeHumidityUpdated",
    "cooling_active": "CoolingStatusUpdated",
    "heating_active": "HeatingStatusUpdated",
}
SETPOINT_FIELDS = ("heat_setpoint", "cool_setpoint", "deadband", "hold_type")


@st.composite
def valid_and_spoiled(draw: st.DrawFn) -> tuple[Event, Event]:
    """An event with valid fields only, and the same event with invalid values for others."""
    field_name = draw(st.sampled_from(sorted(VALID)))
    name = EVENT_OF[field_name]
    zoned = name in {"IndoorTemperatureUpdated", "TemperatureSetpointUpdated", "ZoneModeUpdated"}
    own = list(SETPOINT_FIELDS) if name == "TemperatureSetpointUpdated" else [field_name]
    good_keys = draw(st.lists(st.sampled_from(own), min_size=1, unique=True))
    good = {key: draw(VALID[key]) for key in good_keys}
    bad_keys = [key for key in own if key not in good]
    bad = (
        dict.fromkeys(draw(st.lists(st.sampled_from(bad_keys), unique=True)), "x")
        if bad_keys
        else {}
    )
    bad |= draw(st.dictionaries(st.sampled_from(["humidify", "sequence"]), VALUES, max_size=2))
    base = {"zone_id": draw(st.sampled_from(["1", "2"]))} if zoned else {}
    return Event(name, {**base, **good}), Event(name, {**base, **good, **bad})


@settings(max_examples=300, deadline=None, database=None)
@given(events=st.lists(EVENTS, max_size=10), pair=valid_and_spoiled())
def test_an_invalid_field_never_spoils_the_valid_ones(
    events: list[Event], pair: tuple[Event, Event]
) -> None:
    """Invalid values and unknown fields next to valid ones: the state ends exactly as if only
    the valid fields had been sent, and each rejected one is counted."""
    clean, spoiled = pair
    plain, mixed = ThermostatState(), ThermostatState()
    for earlier in events:
        plain.apply(earlier)
        mixed.apply(earlier)
    capture = Capture()
    assert plain.apply(clean) == mixed.apply(spoiled, capture)
    assert plain == mixed
    # Unknown fields are recorded as unknown, not counted as dropped, even when their value is "x".
    rejected = sum(1 for key, value in spoiled.fields.items() if key in VALID and value == "x")
    assert capture.dropped_fields == rejected
    check_invariants(mixed)


@settings(max_examples=200, deadline=None, database=None)
@given(events=st.lists(EVENTS, min_size=1, max_size=6))
def test_several_events_in_one_envelope_apply_like_one_each(events: list[Event]) -> None:
    """A frame carrying several events (distinct names) applies exactly as one frame each."""
    by_name = {event.name: event for event in events}
    frame = json.dumps({"Event": {name: dict(e.fields) for name, e in by_name.items()}}).encode()
    together, apart = ThermostatState(), ThermostatState()
    for message in decode_all(frame):
        assert isinstance(message, Event)
        together.apply(message)
    for name, event in by_name.items():
        single = decode(json.dumps({"Event": {name: dict(event.fields)}}).encode())
        assert isinstance(single, Event)
        apart.apply(single)
    assert together == apart
    check_invariants(together)
