"""The state and who listens to it (hub.py): one state, merged syncs, listeners, zone removal."""

from __future__ import annotations

import logging

import pytest

from custom_components.steamloop.client import (
    Change,
    FanMode,
    HoldType,
    LinkState,
)
from custom_components.steamloop.client.hub import ZONE_REMOVAL_AFTER
from simulator import Malformed, Simulator

from .conftest import (
    Clock,
    MakeSupervisor,
    RecordingTransport,
    Seen,
    client_logs,
    is_ready,
    relogged,
    start,
)

# --- one state, updated in place ------------------------------------------------------------------


async def test_events_update_the_same_state(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """Each event while READY updates the state in place and reports one Change."""
    supervisor, seen = await start(make_supervisor, clock)
    zone = supervisor.state.zones["1"]

    thermostat.set_indoor_temperature("1", 70.5)
    thermostat.set_humidity(41)
    await clock.settle()

    assert zone.indoor_temperature == 70.5
    assert supervisor.state.relative_humidity == 41
    assert seen.changes[1:] == [
        Change(zones=frozenset({"1"})),
        Change(system=frozenset({"relative_humidity"})),
    ]


async def test_state_object_and_zones_survive_a_reconnect(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """Reconnecting re-syncs into the same state and Zone objects, in one Change."""
    supervisor, seen = await start(make_supervisor, clock)
    state = supervisor.state
    zone = state.zones["1"]

    await thermostat.refuse()
    thermostat.close_clients()
    await clock.until(lambda: not supervisor.available, limit=1)
    # Changed while nobody is connected: only the re-sync can tell.
    thermostat.set_setpoints("1", heat=60)
    thermostat.remove_zone("2")
    await thermostat.accept()
    await clock.until(is_ready(supervisor), limit=15)

    assert supervisor.state is state
    assert state.zones["1"] is zone
    assert zone.heat_setpoint == 60
    assert seen.changes[1:] == [Change(zones=frozenset({"1"}))]
    # The zone the burst lacked goes once the link has been live a while without news of it.
    await clock.advance(ZONE_REMOVAL_AFTER)
    assert set(state.zones) == {"1"}
    assert seen.changes[2:] == [Change(removed=frozenset({"2"}))]
    assert seen.availability == [
        (True, None),
        (False, seen.availability[1][1]),
        (True, None),
    ]
    assert "closed the link" in str(seen.availability[1][1])
    assert supervisor.stats.connects == 2
    assert supervisor.stats.disconnects == 1


async def test_late_events_from_an_old_link_are_ignored(
    make_supervisor: MakeSupervisor,
    clock: Clock,
    thermostat: Simulator,
    transport: RecordingTransport,
) -> None:
    """Once a new link is READY, whatever the old one delivers late changes nothing."""
    supervisor, seen = await start(make_supervisor, clock)
    old = transport.links[0]
    old_protocol = old.writer.transport.get_protocol()
    thermostat.close_clients()
    await clock.until(lambda: len(thermostat.logins) == 2 and is_ready(supervisor)(), limit=15)
    assert old.writer.transport.is_closing()

    # What asyncio would deliver late for the old transport: its connection_lost, again.
    old_protocol.connection_lost(ConnectionResetError())
    await clock.advance(2)

    assert supervisor.link_state is LinkState.READY
    assert supervisor.state.zones["1"].name != "Stale"
    assert thermostat.connections == 2
    assert [up for up, _ in seen.availability] == [True, False, True]


@pytest.mark.parametrize(
    "kind", [Malformed.MISSING_FIELD, Malformed.INVALID_VALUE, Malformed.UNKNOWN_EVENT]
)
async def test_well_formed_but_meaningless_events_change_nothing(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator, kind: Malformed
) -> None:
    """Valid frames with a missing field, an invalid value or an unknown name are ignored."""
    supervisor, seen = await start(make_supervisor, clock)
    before = supervisor.state.copy()
    thermostat.send_malformed(kind)
    await clock.settle()

    assert supervisor.state == before
    assert len(seen.changes) == 1
    assert supervisor.stats.malformed_frames == 0
    assert supervisor.link_state is LinkState.READY


async def test_frames_the_reference_client_accepts_are_applied(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """The frames upstream applies and a strict decoder would drop: two events in one envelope,
    an extra top-level key, numbers and booleans for strings, one bad field among good ones, and
    a mode list of unknown codes (ignored, not emptying the modes)."""
    supervisor, seen = await start(make_supervisor, clock)
    modes = supervisor.state.supported_modes
    thermostat.send_raw(
        b'{"Event":{"IndoorTemperatureUpdated":{"zone_id":"1","indoor_temperature":"64.00"},'
        b'"ZoneNameUpdated":{"zone_id":"2","zone_name":"Den"}}}\x00'
    )
    thermostat.send_raw(b'{"Event":{"FanModeUpdated":{"fan_mode":"3"}},"Sequence":12}\x00')
    thermostat.send_malformed(Malformed.NUMBER_VALUES)  # zone_id 1, indoor_temperature 70.5
    thermostat.send_raw(b'{"Event":{"IndoorRelativeHumidityUpdated":{"relative_humidity":41}}}\x00')
    thermostat.send_event(
        "TemperatureSetpointUpdated", {"zone_id": "2", "hold_type": "4", "heat_setpoint": "70"}
    )
    thermostat.send_event("SupportedZoneModesUpdated", {"modes": "9,8"})
    await clock.settle()

    state = supervisor.state
    assert state.zones["1"].indoor_temperature == 70.5
    assert state.zones["2"].name == "Den"
    assert state.fan_mode is FanMode.CIRCULATE
    assert state.relative_humidity == 41.0
    assert state.zones["2"].heat_setpoint == 70.0
    assert state.zones["2"].hold_type is HoldType.SCHEDULE
    assert state.supported_modes == modes
    assert supervisor.stats.malformed_frames == 0
    assert supervisor.capture.dropped_fields == 2
    assert set(supervisor.capture.unknown_values) == {
        "TemperatureSetpointUpdated.hold_type=4",
        "SupportedZoneModesUpdated.modes=9,8",
    }
    assert len(seen.changes) == 7
    assert supervisor.link_state is LinkState.READY


# --- listeners ------------------------------------------------------------------------------------


async def test_raising_listeners_are_isolated(
    make_supervisor: MakeSupervisor,
    clock: Clock,
    thermostat: Simulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A listener that raises is logged with its traceback; the link and other listeners go on."""

    def broken(*_: object) -> None:
        msg = "listener bug"
        raise RuntimeError(msg)

    supervisor = make_supervisor()
    supervisor.add_availability_listener(broken)
    supervisor.add_state_listener(broken)
    seen = Seen(supervisor)
    await clock.until(is_ready(supervisor), limit=15)
    thermostat.set_fan_mode(3)
    await clock.settle()

    assert seen.availability == [(True, None)]
    assert len(seen.changes) == 2
    assert supervisor.state.fan_mode is FanMode.CIRCULATE
    failures = client_logs(caplog, logging.ERROR)
    assert len(failures) == 3
    assert all(r.exc_info and isinstance(r.exc_info[1], RuntimeError) for r in failures)
    assert thermostat.connections == 1


async def test_removed_listeners_hear_nothing(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """The callable a listener registration returns removes it; removing twice is harmless."""
    supervisor = make_supervisor()
    heard: list[object] = []
    remove_availability = supervisor.add_availability_listener(lambda *a: heard.append(a))
    remove_state = supervisor.add_state_listener(heard.append)
    remove_availability()
    remove_state()
    remove_state()
    await clock.until(is_ready(supervisor), limit=15)
    assert heard == []


# --- zone removal after a complete sync -----------------------------------------------------------


async def test_zones_added_live_and_removed_on_resync(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """A zone announced while READY arrives as added; one gone at the next burst as removed."""
    supervisor, seen = await start(make_supervisor, clock)
    thermostat.add_zone("3", name="Office")
    await clock.settle()
    assert supervisor.state.zones["3"].name == "Office"
    assert seen.changes[1] == Change(added=frozenset({"3"}))

    thermostat.remove_zone("3", drop="close")
    await clock.until(lambda: len(thermostat.logins) == 2 and is_ready(supervisor)(), limit=5)
    assert "3" in supervisor.state.zones
    await clock.advance(ZONE_REMOVAL_AFTER)
    assert "3" not in supervisor.state.zones
    assert seen.changes[-1].removed == {"3"}


async def test_a_zone_the_burst_lacks_is_kept_while_the_link_keeps_dropping(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """Only a link live for ZONE_REMOVAL_AFTER proves a zone gone; one that drops proves nothing."""
    supervisor, seen = await start(make_supervisor, clock)
    thermostat.remove_zone("2")
    thermostat.flap(3)
    thermostat.close_clients()
    await clock.until(lambda: len(thermostat.logins) == 4, limit=60)
    assert "2" in supervisor.state.zones
    await clock.until(lambda: "2" not in supervisor.state.zones, limit=60)
    assert seen.changes[-1] == Change(removed=frozenset({"2"}))


@pytest.mark.parametrize(
    ("system_after", "pause_at", "zone_2_gone"),
    [
        # Zone 1's five events and the six system-wide ones, then 1.5 s of nothing, then zone 2
        # as live events: the burst looked complete without zone 2, but an event names it.
        (1, 11, False),
        # Zone 1's five events, then the pause: the burst lacks what the state knew system-wide,
        # so it is incomplete and zone 2, missing from it, is not even a candidate for removal.
        (None, 5, True),
    ],
)
async def test_a_burst_cut_short_removes_nothing(
    make_supervisor: MakeSupervisor,
    clock: Clock,
    thermostat: Simulator,
    *,
    system_after: int | None,
    pause_at: int,
    zone_2_gone: bool,
) -> None:
    """A burst that pauses longer than its quiet second ends early; nothing it lacks is removed
    unless it was complete and the live link then never named the zone."""
    supervisor, seen = await start(make_supervisor, clock)
    if zone_2_gone:
        thermostat.remove_zone("2")
    thermostat.burst_system_after = system_after
    thermostat.burst_pause = (pause_at, 1.5)
    thermostat.reset_clients()
    await clock.until(relogged(thermostat, supervisor, 2), limit=5)
    await clock.advance(2 * ZONE_REMOVAL_AFTER)

    assert set(supervisor.state.zones) == {"1", "2"}
    assert not any(change.removed for change in seen.changes)


async def test_a_link_lost_before_the_removal_delay_removes_nothing(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """The burst lacked zone 2, but the link ended 5 s later: zone 2 stays until a link has been
    live ZONE_REMOVAL_AFTER without naming it."""
    supervisor, seen = await start(make_supervisor, clock)
    thermostat.remove_zone("2")
    thermostat.close_clients()
    await clock.until(relogged(thermostat, supervisor, 2), limit=5)
    await clock.advance(ZONE_REMOVAL_AFTER / 2)
    thermostat.close_clients()
    await clock.until(lambda: not supervisor.available, limit=1)
    await clock.advance(ZONE_REMOVAL_AFTER)
    assert "2" in supervisor.state.zones

    await clock.until(relogged(thermostat, supervisor, 3), limit=15)
    await clock.advance(ZONE_REMOVAL_AFTER)
    assert "2" not in supervisor.state.zones
    assert seen.changes[-1] == Change(removed=frozenset({"2"}))
