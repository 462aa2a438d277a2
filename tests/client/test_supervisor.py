"""The supervisor against the simulated thermostat: what its owner sees through every fault."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from typing import Any

import pytest

from custom_components.steamloop.client import (
    AuthenticationError,
    CertificateMismatchError,
    Change,
    ConnectError,
    FanMode,
    HoldType,
    InvalidCommandError,
    LinkState,
    NotReadyError,
    Supervisor,
    ThermostatBusyError,
    ZoneMode,
)
from custom_components.steamloop.client.hub import ZONE_REMOVAL_AFTER
from custom_components.steamloop.client.reconnect import SILENCE_MAX, SILENCE_MIN
from simulator import Malformed, Simulator

from .conftest import Clock, RecordingTransport, WorstCase

LOGGER = "custom_components.steamloop.client"

type MakeSupervisor = Callable[..., Supervisor]


class Seen:
    """Everything the supervisor told its listeners."""

    def __init__(self, supervisor: Supervisor) -> None:
        self.availability: list[tuple[bool, str | None]] = []
        self.changes: list[Change] = []
        supervisor.add_availability_listener(lambda up, why: self.availability.append((up, why)))
        supervisor.add_state_listener(self.changes.append)


def is_ready(supervisor: Supervisor) -> Callable[[], bool]:
    return lambda: supervisor.link_state is LinkState.READY


def relogged(thermostat: Simulator, supervisor: Supervisor, logins: int) -> Callable[[], bool]:
    """Return a condition: READY again, after the given number of logins in all."""
    return lambda: len(thermostat.logins) == logins and supervisor.link_state is LinkState.READY


def client_logs(
    caplog: pytest.LogCaptureFixture, level: int | None = None
) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name.startswith(LOGGER) and (level is None or r.levelno == level)
    ]


async def start(
    make_supervisor: MakeSupervisor, clock: Clock, **kwargs: Any
) -> tuple[Supervisor, Seen]:
    """Start a supervisor (listeners attached before it runs) and wait until READY."""
    supervisor = make_supervisor(**kwargs)
    seen = Seen(supervisor)
    await clock.until(is_ready(supervisor), limit=15)
    return supervisor, seen


# --- the happy path --------------------------------------------------------------------------


async def test_ready_with_one_merged_change(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """Login, burst, READY: one Change with every zone, then availability True, once."""
    supervisor, seen = await start(make_supervisor, clock)

    assert supervisor.available
    assert seen.availability == [(True, None)]
    assert len(seen.changes) == 1
    assert seen.changes[0].added == {"1", "2"}
    assert set(supervisor.state.zones) == {"1", "2"}
    zone = supervisor.state.zones["1"]
    assert zone.heat_setpoint is not None
    assert zone.cool_setpoint is not None
    assert supervisor.state.supported_modes
    assert supervisor.fingerprint == thermostat.fingerprint
    assert supervisor.stats.connects == 1
    assert supervisor.stats.connected_since is not None
    assert supervisor.last_error is None
    assert len(thermostat.logins) == 1
    assert thermostat.clients[0].tls_version == "TLSv1.2"


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


async def test_no_command_reaches_the_wire_unless_ready(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """While not READY every command raises NotReadyError and nothing is sent."""
    await thermostat.refuse()
    supervisor = make_supervisor()
    await clock.advance(3)
    assert supervisor.link_state is not LinkState.READY

    commands = [
        supervisor.set_temperature("1", heat=70),
        supervisor.set_hold_type("1", HoldType.MANUAL),
        supervisor.set_zone_mode("1", ZoneMode.HEAT),
        supervisor.set_fan_mode(FanMode.AUTO),
        supervisor.set_emergency_heat(on=True),
    ]
    for command in commands:
        with pytest.raises(NotReadyError):
            await command

    await thermostat.accept()
    await clock.until(is_ready(supervisor), limit=15)
    await clock.settle()
    assert thermostat.commands == []


async def test_no_command_while_a_reconnect_resyncs(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """Between the drop and the end of the re-sync, hold changes are refused, not invented."""
    supervisor, _ = await start(make_supervisor, clock)
    thermostat.reply_delay = 5.0
    thermostat.close_clients()
    await clock.until(lambda: supervisor.link_state is LinkState.CONNECTING, limit=2)

    with pytest.raises(NotReadyError):
        await supervisor.set_hold_type("1", HoldType.MANUAL)
    thermostat.reply_delay = 0.0
    await clock.until(is_ready(supervisor), limit=15)
    assert thermostat.commands == []


# --- commands --------------------------------------------------------------------------------


async def test_set_temperature_applies_the_deadband(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """The side the caller did not set moves to keep the deadband; the echo updates the state.

    A zone that follows its schedule is held until its next period, not for good."""
    supervisor, _ = await start(make_supervisor, clock)
    thermostat.set_setpoints("1", heat=68, cool=76, deadband=3)
    await clock.settle()

    await supervisor.set_temperature("1", heat=75)
    command = await clock.wait(thermostat.wait_for_command("UpdateTemperatureSetpoint"))
    assert command.fields == {
        "zone_id": "1",
        "heat_setpoint": "75",
        "cool_setpoint": "78",
        "deadband": "3",
        "hold_type": HoldType.HOLD.value,
    }
    await clock.settle()
    assert supervisor.state.zones["1"].heat_setpoint == 75
    assert supervisor.state.zones["1"].cool_setpoint == 78

    await supervisor.set_temperature("1", cool=70, hold_type=HoldType.HOLD)
    command = await clock.wait(thermostat.wait_for_command("UpdateTemperatureSetpoint", 2))
    assert command.fields["heat_setpoint"] == "67"
    assert command.fields["cool_setpoint"] == "70"
    assert command.fields["hold_type"] == HoldType.HOLD.value

    await supervisor.set_temperature("1", heat=64.5, cool=71)
    command = await clock.wait(thermostat.wait_for_command("UpdateTemperatureSetpoint", 3))
    assert (command.fields["heat_setpoint"], command.fields["cool_setpoint"]) == ("65", "71")


@pytest.mark.parametrize(
    ("request_", "sent"),
    [
        ({"heat": 72.4}, ("72", "76")),  # whole degrees, as the card shows them
        ({"cool": 72.5}, ("68", "73")),
        ({"heat": 61.1, "cool": 64.1}, ("61", "64")),  # exactly the deadband apart
        ({"heat": 61, "cool": 64}, ("61", "64")),
        ({"heat": 96}, ("96", "99")),  # the moved side at the top of the range
    ],
)
async def test_setpoints_are_sent_whole_and_exact(
    make_supervisor: MakeSupervisor,
    clock: Clock,
    thermostat: Simulator,
    request_: dict[str, float],
    sent: tuple[str, str],
) -> None:
    """What is sent is what the user sees: whole degrees, the deadband checked exactly."""
    supervisor, _ = await start(make_supervisor, clock)
    thermostat.set_setpoints("1", heat=68, cool=76, deadband=3)
    await clock.settle()
    await supervisor.set_temperature("1", **request_)
    command = await clock.wait(thermostat.wait_for_command("UpdateTemperatureSetpoint"))
    assert (command.fields["heat_setpoint"], command.fields["cool_setpoint"]) == sent


@pytest.mark.parametrize("request_", [{"heat": 97}, {"cool": 42}, {"heat": 60.9, "cool": 63.4}])
async def test_setpoints_range_checked_after_the_deadband(
    make_supervisor: MakeSupervisor,
    clock: Clock,
    thermostat: Simulator,
    request_: dict[str, float],
) -> None:
    """Heat 97 would move cool to 100, cool 42 heat to 39: refused, nothing sent."""
    supervisor, _ = await start(make_supervisor, clock)
    thermostat.set_setpoints("1", heat=68, cool=76, deadband=3)
    await clock.settle()
    with pytest.raises(InvalidCommandError):
        await supervisor.set_temperature("1", **request_)
    await clock.settle()
    assert thermostat.commands == []


async def test_deadband_defaults_to_three_until_reported(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """A zone that never reports a deadband can still be set: 3 is assumed and sent, as upstream
    does; once reported, the thermostat's own deadband is used."""
    thermostat.plant.zones["1"].deadband = ""
    supervisor, _ = await start(make_supervisor, clock)
    assert supervisor.state.zones["1"].deadband is None

    await supervisor.set_temperature("1", heat=75)
    command = await clock.wait(thermostat.wait_for_command("UpdateTemperatureSetpoint"))
    assert command.applied
    assert (command.fields["heat_setpoint"], command.fields["cool_setpoint"]) == ("75", "78")
    assert command.fields["deadband"] == "3"

    thermostat.set_setpoints("1", deadband=2)
    await clock.settle()
    await supervisor.set_temperature("1", cool=70)
    command = await clock.wait(thermostat.wait_for_command("UpdateTemperatureSetpoint", 2))
    assert (command.fields["heat_setpoint"], command.fields["deadband"]) == ("68", "2")


async def test_invalid_commands_send_nothing(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """Unknown zones, unsupported modes, bad values and unknown setpoints: nothing is invented."""
    thermostat.set_supported_modes("0,3")
    thermostat.set_setpoints("2", heat="", cool="")
    supervisor, _ = await start(make_supervisor, clock)

    bad = [
        supervisor.set_temperature("9", heat=70),
        supervisor.set_temperature("1"),
        supervisor.set_temperature("1", heat=70, cool=71),
        supervisor.set_temperature("1", heat=float("nan")),
        supervisor.set_temperature("1", cool=250),
        supervisor.set_temperature("2", heat=70),
        supervisor.set_hold_type("2", HoldType.MANUAL),
        supervisor.set_hold_type("1", "7"),  # type: ignore[arg-type]
        supervisor.set_zone_mode("1", ZoneMode.COOL),
        supervisor.set_zone_mode("1", "9"),  # type: ignore[arg-type]
        supervisor.set_zone_mode("9", ZoneMode.HEAT),
        supervisor.set_fan_mode("0"),  # type: ignore[arg-type]
    ]
    for command in bad:
        with pytest.raises(InvalidCommandError):
            await command
    await clock.settle()
    assert thermostat.commands == []


async def test_hold_mode_fan_and_emergency_heat_commands(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """Each command puts its request on the wire; the thermostat's events update the state."""
    supervisor, _ = await start(make_supervisor, clock)
    zone = supervisor.state.zones["1"]
    heat, cool = zone.heat_setpoint, zone.cool_setpoint

    await supervisor.set_hold_type("1", HoldType.HOLD)
    command = await clock.wait(thermostat.wait_for_command("UpdateTemperatureSetpoint"))
    assert command.fields["hold_type"] == HoldType.HOLD.value
    assert float(command.fields["heat_setpoint"]) == heat
    assert float(command.fields["cool_setpoint"]) == cool

    await supervisor.set_hold_type("1", HoldType.SCHEDULE)
    await clock.wait(thermostat.wait_for_command("UpdateTemperatureSetpoint", 2))

    await supervisor.set_temperature("1", hold_type=HoldType.MANUAL)
    command = await clock.wait(thermostat.wait_for_command("UpdateTemperatureSetpoint", 3))
    assert command.fields["hold_type"] == HoldType.MANUAL.value

    await supervisor.set_zone_mode("1", ZoneMode.HEAT)
    command = await clock.wait(thermostat.wait_for_command("UpdateZoneMode"))
    assert command.fields == {"zone_id": "1", "zone_mode": ZoneMode.HEAT.value}

    await supervisor.set_fan_mode(FanMode.CIRCULATE)
    await clock.wait(thermostat.wait_for_command("UpdateFanMode"))

    await supervisor.set_emergency_heat(on=True)
    command = await clock.wait(thermostat.wait_for_command("UpdateEmergencyHeat"))
    assert command.fields == {"emergency_heat": "1"}
    await supervisor.set_emergency_heat(on=False)
    command = await clock.wait(thermostat.wait_for_command("UpdateEmergencyHeat", 2))
    assert command.fields == {"emergency_heat": "2"}

    await clock.settle()
    assert all(c.applied for c in thermostat.commands)
    assert zone.hold_type is HoldType.MANUAL
    assert zone.mode is ZoneMode.HEAT
    assert supervisor.state.fan_mode is FanMode.CIRCULATE
    assert supervisor.stats.frames_sent == 1 + len(thermostat.commands)


async def test_command_on_a_link_closed_under_it_raises_connect_error(
    make_supervisor: MakeSupervisor,
    clock: Clock,
    thermostat: Simulator,
    transport: RecordingTransport,
) -> None:
    """A write onto a link that closed after the READY check is a ConnectError, then a reconnect."""
    supervisor, _ = await start(make_supervisor, clock)
    transport.links[-1].writer.transport.abort()

    with pytest.raises(ConnectError):
        await supervisor.set_fan_mode(FanMode.CIRCULATE)

    await clock.until(lambda: len(thermostat.logins) == 2 and is_ready(supervisor)(), limit=15)
    assert thermostat.commands == []


# --- upstream defects (A2) -------------------------------------------------------------------


async def test_thermostat_drops_the_link_at_the_heartbeat(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """The link dies exactly when the heartbeat goes out; the owner reconnects."""
    supervisor, seen = await start(make_supervisor, clock)
    thermostat.drop_at_next_heartbeat("reset")

    await clock.advance(55)
    await clock.until(lambda: len(thermostat.logins) == 2 and is_ready(supervisor)(), limit=15)

    assert thermostat.heartbeats == 1
    assert [up for up, _ in seen.availability] == [True, False, True]
    assert supervisor.stats.disconnects == 1


async def test_heartbeat_write_onto_a_closed_link_means_reconnect(
    make_supervisor: MakeSupervisor,
    clock: Clock,
    thermostat: Simulator,
    transport: RecordingTransport,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The race where the transport closes between the READY check and the write.

    The abort and the heartbeat timer are made due in the same loop pass, so the heartbeat write
    runs before the reader has seen the connection go.
    """
    supervisor, seen = await start(make_supervisor, clock)
    transport.links[-1].writer.transport.abort()
    # A hair past the deadline: the frozen clock's float may land one ulp short of it.
    clock.freezer.tick(55.001)
    await clock.until(lambda: len(thermostat.logins) == 2 and is_ready(supervisor)(), limit=15)

    assert supervisor.stats.heartbeats_sent == 0
    assert "link is closing" in (supervisor.stats.last_disconnect_reason or "")
    assert [up for up, _ in seen.availability] == [True, False, True]
    assert not client_logs(caplog, logging.ERROR)


@pytest.mark.parametrize(
    "error", [AttributeError("'int' object has no attribute 'get'"), KeyError("status")]
)
async def test_unexpected_exception_is_logged_and_retried(
    make_supervisor: MakeSupervisor,
    clock: Clock,
    thermostat: Simulator,
    transport: RecordingTransport,
    *,
    caplog: pytest.LogCaptureFixture,
    error: Exception,
) -> None:
    """An exception of an unexpected type while connecting is an ERROR with traceback, not
    the end of the owner task."""
    transport.failures.append(error)
    supervisor, _ = await start(make_supervisor, clock)

    errors = client_logs(caplog, logging.ERROR)
    assert len(errors) == 1
    assert errors[0].exc_info is not None
    assert errors[0].exc_info[1] is error
    assert supervisor.stats.failed_attempts == 1
    assert len(thermostat.logins) == 1


async def test_stream_failing_oddly_is_a_lost_link(
    make_supervisor: MakeSupervisor,
    clock: Clock,
    thermostat: Simulator,
    transport: RecordingTransport,
    *,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A read that raises something no stream should (a driver bug): ERROR with traceback, then
    the same path as any lost link."""
    supervisor, seen = await start(make_supervisor, clock)
    transport.links[-1].reader.set_exception(ValueError("driver bug"))
    await clock.until(relogged(thermostat, supervisor, 2), limit=5)

    errors = client_logs(caplog, logging.ERROR)
    assert len(errors) == 1
    assert errors[0].exc_info is not None
    assert isinstance(errors[0].exc_info[1], ValueError)
    assert "link failed: ValueError" in (supervisor.stats.last_disconnect_reason or "")
    assert [up for up, _ in seen.availability] == [True, False, True]


async def test_malformed_login_response_is_dropped_and_the_login_times_out(
    make_supervisor: MakeSupervisor,
    clock: Clock,
    thermostat: Simulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A LoginResponse whose body is not an object is a malformed frame, counted and
    dropped; with no valid reply the login times out as a ConnectError and is retried."""
    thermostat.go_silent()
    supervisor = make_supervisor()
    await clock.wait(thermostat.wait_for_connections(1))
    # Answer with garbage only: output flows again, but the client's Login stays unread.
    thermostat.silent = False
    thermostat.send_raw(b'{"Response":{"LoginResponse":5}}\x00')
    thermostat.send_raw(b'{"Response":"LoginResponse"}\x00')

    await clock.until(lambda: supervisor.stats.failed_attempts == 1, limit=11)
    assert supervisor.stats.malformed_frames == 2
    assert isinstance(supervisor.last_error, ConnectError)
    assert "no login reply" in str(supervisor.last_error)
    assert supervisor.link_state is not LinkState.AUTH_FAILED
    assert not client_logs(caplog, logging.ERROR)

    thermostat.wake()
    await clock.until(is_ready(supervisor), limit=15)


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


async def test_silent_peer_is_refreshed_then_unavailable(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """A peer that keeps the socket but says nothing: after 5 min a refresh, whose failed
    login makes the entities unavailable within 5 min 10 s of the last frame."""
    supervisor, seen = await start(make_supervisor, clock)
    thermostat.wait_timeout = None
    thermostat.go_silent()

    await clock.advance(299, step=10)
    assert seen.availability == [(True, None)]
    spent = await clock.until(lambda: not supervisor.available, limit=12, step=0.5)

    assert 299 + spent <= 311
    assert len(thermostat.clients) >= 2
    assert seen.availability[-1][0] is False
    assert isinstance(supervisor.last_error, ConnectError)
    assert supervisor.stats.last_disconnect_reason is not None
    assert "no frame for 300 s" in supervisor.stats.last_disconnect_reason

    thermostat.wake()
    await clock.until(is_ready(supervisor), limit=15)
    assert [up for up, _ in seen.availability] == [True, False, True]


async def test_quiet_but_healthy_peer_is_refreshed_invisibly(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """A healthy thermostat with nothing to say is refreshed every 5 min; the owner sees one
    (empty) sync Change and no availability event."""
    supervisor, seen = await start(make_supervisor, clock)
    state = supervisor.state

    # The burst ended 1 s after its last frame, so the 5 minutes run out 299 s after READY.
    await clock.advance(298, step=1)
    assert len(thermostat.logins) == 1
    await clock.until(lambda: len(thermostat.logins) == 2 and is_ready(supervisor)(), limit=5)

    assert seen.availability == [(True, None)]
    assert seen.changes[1:] == [Change()]
    assert supervisor.state is state
    assert supervisor.stats.connects == 2
    assert thermostat.heartbeats == 5


async def test_two_quiet_hours_cost_at_most_six_reconnects(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """A healthy thermostat with nothing to say: each refresh that finds nothing wrong doubles the
    silence bound (5, 10, 20, 30 min), so two hours cost 5 reconnects (not 24), never an outage."""
    thermostat.enforce_heartbeats(60)
    thermostat.wait_timeout = None
    supervisor, seen = await start(make_supervisor, clock)
    assert supervisor.stats.silence_bound == SILENCE_MIN

    await clock.advance(2 * 3600, step=1)

    reconnects = len(thermostat.logins) - 1
    assert reconnects <= 6
    assert reconnects == 5  # at 5, 15, 35, 65 and 95 minutes
    assert thermostat.connections == 6
    assert supervisor.stats.refreshes == 5
    assert supervisor.stats.silence_bound == SILENCE_MAX
    assert thermostat.heartbeat_timeouts == 0
    assert seen.availability == [(True, None)]
    assert all(change == Change() for change in seen.changes[1:])


async def test_hung_peer_is_unavailable_within_the_stated_bound(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """Even with the bound stretched to its 30 min, a peer that hangs (sockets open, nothing
    answered) is unavailable within SILENCE_MAX + 20 s of its last frame; the bound then shrinks
    back to 5 min."""
    thermostat.wait_timeout = None
    supervisor, seen = await start(make_supervisor, clock)
    await clock.until(lambda: supervisor.stats.silence_bound == SILENCE_MAX, limit=3600, step=5)
    assert seen.availability == [(True, None)]
    # Just after a refresh: the last frame (the burst) is at most a couple of seconds old.
    thermostat.go_silent()

    spent = await clock.until(lambda: not supervisor.available, limit=SILENCE_MAX + 30, step=1)

    assert SILENCE_MAX - 5 <= spent <= SILENCE_MAX + 20
    assert supervisor.stats.silence_bound == SILENCE_MIN
    assert "no frame for 1800 s" in (supervisor.stats.last_disconnect_reason or "")
    thermostat.wake()
    await clock.until(is_ready(supervisor), limit=15)
    assert [up for up, _ in seen.availability] == [True, False, True]


async def test_refresh_that_finds_missed_updates_shrinks_the_bound(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """A refresh whose burst differs from the state shows the quiet link was missing updates: the
    bound goes back to 5 min, and the update is applied."""
    thermostat.wait_timeout = None
    supervisor, _ = await start(make_supervisor, clock)
    await clock.until(lambda: supervisor.stats.refreshes == 1, limit=310, step=1)
    assert supervisor.stats.silence_bound == 2 * SILENCE_MIN
    # The thermostat's value moves without an event being pushed.
    thermostat.plant.zones["1"].indoor_temperature = "75.00"

    await clock.until(lambda: supervisor.stats.refreshes == 2, limit=2 * SILENCE_MIN + 10, step=1)

    assert supervisor.state.zones["1"].indoor_temperature == 75.0
    assert supervisor.stats.silence_bound == SILENCE_MIN


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


async def test_revoked_key_gives_up(
    make_supervisor: MakeSupervisor,
    clock: Clock,
    thermostat: Simulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A refused key is AUTH_FAILED, told to listeners, and never tried again."""
    supervisor, seen = await start(make_supervisor, clock)
    thermostat.revoke_key()

    await clock.until(lambda: supervisor.link_state is LinkState.AUTH_FAILED, limit=5)
    assert seen.availability[-1] == (False, "authentication failed")
    assert [up for up, _ in seen.availability] == [True, False, False]
    assert isinstance(supervisor.last_error, AuthenticationError)
    with pytest.raises(AuthenticationError):
        await supervisor.wait_ready(1)

    logins = len(thermostat.logins)
    thermostat.wait_timeout = None
    await clock.advance(600, step=10)
    assert len(thermostat.logins) == logins == 2
    assert "test-key" not in caplog.text


@pytest.mark.parametrize("reject_with", ["status", "error"])
async def test_wrong_key_at_start_is_auth_failed(
    make_supervisor: MakeSupervisor,
    clock: Clock,
    thermostat: Simulator,
    reject_with: Any,
) -> None:
    """A LoginResponse status other than "1" and an Error reply both mean the key is refused."""
    thermostat.reject_with = reject_with
    supervisor = make_supervisor("wrong-key")
    seen = Seen(supervisor)

    with pytest.raises(AuthenticationError):
        await clock.wait(supervisor.wait_ready(10))
    assert supervisor.link_state is LinkState.AUTH_FAILED
    assert seen.availability == [(False, "authentication failed")]
    assert "wrong-key" not in str(supervisor.last_error)


@pytest.mark.parametrize("status", ["0", "2", "00"])
async def test_login_status_other_numbers_are_a_refusal(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator, status: str
) -> None:
    """Any number but 1 refuses the key: AUTH_FAILED at once, and never tried again."""
    thermostat.login_response = {"status": status}
    thermostat.wait_timeout = None
    supervisor = make_supervisor()
    with pytest.raises(AuthenticationError):
        await clock.wait(supervisor.wait_ready(10))
    assert supervisor.link_state is LinkState.AUTH_FAILED
    await clock.advance(120, step=5)
    assert len(thermostat.logins) == 1


@pytest.mark.parametrize(
    ("scripted", "value"),
    [
        ("login_response", {}),
        ("login_response", {"status": ""}),
        ("login_response", {"status": "yes"}),
        ("busy", "too many clients"),
    ],
)
async def test_unreadable_or_busy_login_replies_are_retried(
    make_supervisor: MakeSupervisor,
    clock: Clock,
    thermostat: Simulator,
    scripted: str,
    value: object,
) -> None:
    """No status, an empty or non-numeric one, and a busy Error are "try again": retried with
    backoff, unavailable meanwhile, READY once the thermostat answers normally; never reauth."""
    setattr(thermostat, scripted, value)
    thermostat.wait_timeout = None
    supervisor = make_supervisor()
    seen = Seen(supervisor)
    await clock.until(lambda: len(thermostat.logins) >= 3, limit=30)
    assert supervisor.link_state is not LinkState.AUTH_FAILED
    assert isinstance(supervisor.last_error, ConnectError)
    assert not supervisor.available
    assert seen.availability == []
    if scripted == "busy":
        assert isinstance(supervisor.last_error, ThermostatBusyError)
        assert "too many clients" in str(supervisor.last_error)

    setattr(thermostat, scripted, None)
    await clock.until(is_ready(supervisor), limit=15)
    assert seen.availability == [(True, None)]


async def test_login_timeout_is_a_connect_error_not_auth(
    make_supervisor: MakeSupervisor,
    clock: Clock,
    thermostat: Simulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A login with no reply within 10 s is a ConnectError, retried; told at DEBUG only."""
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    thermostat.reply_delay = 30.0
    thermostat.wait_timeout = None
    supervisor = make_supervisor()

    spent = await clock.until(lambda: supervisor.stats.failed_attempts == 1, limit=11)
    assert spent == pytest.approx(10, abs=0.15)
    assert isinstance(supervisor.last_error, ConnectError)
    assert supervisor.link_state is not LinkState.AUTH_FAILED
    assert not [r for r in client_logs(caplog) if r.levelno >= logging.INFO]
    assert any("no login reply" in r.getMessage() for r in client_logs(caplog, logging.DEBUG))

    thermostat.reply_delay = 0.0
    await clock.until(is_ready(supervisor), limit=30)


async def test_disconnect_during_login_fails_at_once(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """A link lost while awaiting the login reply fails the attempt without waiting 10 s."""
    thermostat.go_silent()
    supervisor = make_supervisor()
    await clock.wait(thermostat.wait_for_connections(1))
    thermostat.reset_clients()

    await clock.until(lambda: supervisor.stats.failed_attempts == 1, limit=0.0)
    assert isinstance(supervisor.last_error, ConnectError)


# --- pinning ---------------------------------------------------------------------------------


async def test_foreign_certificate_gives_up_before_login(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """A fingerprint other than the pinned one: CERT_MISMATCH, no key sent, no retry."""
    supervisor = make_supervisor(expected_fingerprint="ab" * 32)
    seen = Seen(supervisor)

    with pytest.raises(CertificateMismatchError) as caught:
        await clock.wait(supervisor.wait_ready(10))
    assert caught.value.actual == thermostat.fingerprint
    assert caught.value.expected == "ab" * 32
    assert supervisor.link_state is LinkState.CERT_MISMATCH
    assert supervisor.fingerprint == thermostat.fingerprint
    assert seen.availability == [(False, "certificate mismatch")]
    assert thermostat.logins == []
    await clock.advance(60, step=5)
    assert thermostat.connections == 1


async def test_certificate_change_while_connected_gives_up(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """Pinned (any case, with colons) and READY; the thermostat then presents another
    certificate: the reconnect stops at CERT_MISMATCH and listeners hear why."""
    pinned = ":".join(thermostat.fingerprint[i : i + 2] for i in range(0, 64, 2)).upper()
    supervisor, seen = await start(make_supervisor, clock, expected_fingerprint=pinned)

    await thermostat.use_server_certificate()
    thermostat.close_clients()
    await clock.until(lambda: supervisor.link_state is LinkState.CERT_MISMATCH, limit=5)

    assert [up for up, _ in seen.availability] == [True, False, False]
    assert seen.availability[-1] == (False, "certificate mismatch")
    assert supervisor.fingerprint == thermostat.fingerprint
    assert len(thermostat.logins) == 1


# --- backoff and recovery --------------------------------------------------------------------


class Recorder(random.Random):
    """Remembers the bounds of every delay drawn, and draws the longest."""

    def __init__(self) -> None:
        super().__init__()
        self.bounds: list[tuple[float, float]] = []

    def uniform(self, a: float, b: float) -> float:
        self.bounds.append((a, b))
        return b


async def test_backoff_is_full_jitter_capped_at_ten_seconds(
    make_supervisor: MakeSupervisor,
    clock: Clock,
    thermostat: Simulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Delays are drawn from [0, 1], then [0, 2**n] capped at 10; the owner tells the user."""
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    rng = Recorder()
    await thermostat.refuse()
    supervisor = make_supervisor(rng=rng)
    await clock.advance(90, step=0.5)

    assert rng.bounds[:7] == [(0, 1), (0, 2), (0, 4), (0, 8), (0, 10), (0, 10), (0, 10)]
    assert supervisor.stats.failed_attempts == len(rng.bounds)
    assert not [r for r in client_logs(caplog) if r.levelno >= logging.INFO]
    attempts = [r for r in client_logs(caplog, logging.DEBUG) if "Cannot connect" in r.getMessage()]
    assert len(attempts) == supervisor.stats.failed_attempts


async def test_recovery_within_15_s_of_the_thermostat_coming_back(
    make_supervisor: MakeSupervisor,
    clock: Clock,
    thermostat: Simulator,
    transport: RecordingTransport,
) -> None:
    """After a long outage, with the longest delays every time, the next attempt comes within
    10 s of the thermostat accepting again and the state is fresh within 15 s."""
    supervisor, seen = await start(make_supervisor, clock, rng=WorstCase())
    await thermostat.refuse()
    thermostat.close_clients()
    await clock.advance(7 * 60, step=1)
    assert not supervisor.available
    attempts = transport.attempts
    assert attempts > 30

    thermostat.set_indoor_temperature("1", 64)
    await thermostat.accept()
    next_attempt = await clock.until(lambda: transport.attempts > attempts, limit=10)
    ready = await clock.until(is_ready(supervisor), limit=15)

    assert next_attempt <= 10
    assert next_attempt + ready <= 15
    assert supervisor.state.zones["1"].indoor_temperature == 64
    assert [up for up, _ in seen.availability] == [True, False, True]


async def test_flapping_thermostat_climbs_the_backoff(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """Links dropped during the burst are failed attempts; links dropped soon after READY do not
    reset the backoff either; a link that stays up for a minute does."""
    rng = Recorder()
    thermostat.flap(3)
    supervisor = make_supervisor(rng=rng)
    seen = Seen(supervisor)
    await clock.until(lambda: len(thermostat.logins) == 4 and is_ready(supervisor)(), limit=40)
    assert rng.bounds == [(0, 1), (0, 2), (0, 4)]
    assert supervisor.stats.failed_attempts == 3
    assert seen.availability == [(True, None)]

    for logins in (5, 6):
        await clock.advance(5)
        thermostat.close_clients()
        await clock.until(relogged(thermostat, supervisor, logins), limit=20)
    assert rng.bounds[3:] == [(0, 8), (0, 10)]

    await clock.advance(61, step=5)
    thermostat.close_clients()
    await clock.until(lambda: len(thermostat.logins) == 7 and is_ready(supervisor)(), limit=5)
    assert rng.bounds[-1] == (0.0, 1.0)
    assert [up for up, _ in seen.availability] == [True] + [False, True] * 3


# --- lifecycle -------------------------------------------------------------------------------


async def test_stop_is_idempotent_and_releases_the_link(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """stop() closes the link, ends run() and can be called again; commands then refuse."""
    supervisor, seen = await start(make_supervisor, clock)

    await clock.wait(supervisor.stop())
    await clock.wait(supervisor.stop())
    await clock.wait(thermostat.wait_for_clients(0))

    assert supervisor.link_state is LinkState.STOPPED
    assert not supervisor.available
    assert seen.availability == [(True, None)]
    assert supervisor.stats.disconnects == 1
    assert supervisor.stats.connected_since is None
    with pytest.raises(NotReadyError):
        await supervisor.set_fan_mode(FanMode.AUTO)
    with pytest.raises(ConnectError):
        await supervisor.wait_ready(1)


@pytest.mark.parametrize("moment", ["connecting", "login", "backoff"])
async def test_stop_at_any_moment(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator, moment: str
) -> None:
    """stop() while connecting, logging in or waiting to retry leaves nothing behind."""
    if moment == "login":
        thermostat.reply_delay = 30
        thermostat.wait_timeout = None
    if moment == "backoff":
        await thermostat.refuse()
    supervisor = make_supervisor(rng=WorstCase())
    waiter = asyncio.ensure_future(supervisor.wait_ready(60))
    if moment == "login":
        await clock.wait(thermostat.wait_for_connections(1))
    if moment == "backoff":
        await clock.until(lambda: supervisor.stats.failed_attempts == 2, limit=5)

    await clock.wait(supervisor.stop())
    assert supervisor.link_state is LinkState.STOPPED
    with pytest.raises(ConnectError):
        await waiter
    await clock.wait(thermostat.wait_for_clients(0))


async def test_owner_task_cancelled_from_outside(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """Cancelling run()'s task (as Home Assistant does at shutdown) closes the link and stops."""
    supervisor = make_supervisor(start=False)
    owner = asyncio.ensure_future(supervisor.run())
    await clock.until(is_ready(supervisor), limit=15)

    owner.cancel()
    with pytest.raises(asyncio.CancelledError):
        await clock.wait(owner)
    assert supervisor.link_state is LinkState.STOPPED
    await clock.wait(thermostat.wait_for_clients(0))


async def test_two_stops_at_once_end_run_normally(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """Two stop() calls racing (an unload and a shutdown) end run() as one does: not cancelled."""
    supervisor = make_supervisor(start=False)
    owner = asyncio.ensure_future(supervisor.run())
    await clock.until(is_ready(supervisor), limit=15)

    await clock.wait(asyncio.gather(supervisor.stop(), supervisor.stop()))
    assert owner.done()
    assert not owner.cancelled()
    assert supervisor.link_state is LinkState.STOPPED
    await clock.wait(thermostat.wait_for_clients(0))


async def test_run_twice_is_refused_and_run_after_stop_returns(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """One owner task per supervisor."""
    supervisor, _ = await start(make_supervisor, clock)
    with pytest.raises(RuntimeError):
        await supervisor.run()

    idle = make_supervisor(start=False)
    await idle.stop()
    await idle.run()
    assert idle.link_state is LinkState.STOPPED
    assert thermostat.connections == 1


async def test_wait_ready_times_out_with_the_last_failure(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """wait_ready raises ConnectError chained to why the attempts fail."""
    await thermostat.refuse()
    supervisor = make_supervisor()

    with pytest.raises(ConnectError) as caught:
        await clock.wait(supervisor.wait_ready(5))
    assert "not ready within 5 s" in str(caught.value)
    assert isinstance(caught.value.__cause__, ConnectError)
    assert "Connection refused" in str(caught.value.__cause__)

    await thermostat.accept()
    await clock.wait(supervisor.wait_ready(15))
    await supervisor.wait_ready(0)


async def test_stats_follow_the_link(
    make_supervisor: MakeSupervisor,
    clock: Clock,
    thermostat: Simulator,
    fixed_now: Callable[[], Any],
) -> None:
    """LinkStats count connects, drops, failures, frames and heartbeats, with injected times."""
    supervisor, _ = await start(make_supervisor, clock, now=fixed_now)
    stats = supervisor.stats
    ready_at = stats.connected_since
    assert ready_at == fixed_now()
    assert stats.frames_received == thermostat.clients[0].frames_sent
    assert stats.frames_sent == 1

    await clock.advance(55)
    assert stats.heartbeats_sent == 1
    assert stats.frames_sent == 2
    thermostat.send_malformed(Malformed.INVALID_JSON)
    await clock.settle()
    assert stats.malformed_frames == 1

    await thermostat.refuse()
    thermostat.reset_clients()
    await clock.until(lambda: stats.failed_attempts >= 1, limit=5)
    assert stats.connected_since is None
    assert stats.disconnects == 1
    assert stats.last_disconnect is not None
    assert ready_at is not None
    assert stats.last_disconnect > ready_at
    assert stats.last_disconnect_reason is not None
    await thermostat.accept()
    await clock.until(is_ready(supervisor), limit=15)
    assert stats.connects == 2
    assert stats.connected_since == fixed_now()


# --- every other simulator fault -------------------------------------------------------------


async def test_heartbeats_keep_a_strict_thermostat_happy(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """A thermostat that drops clients silent for 60 s never drops us: one heartbeat per 55 s."""
    thermostat.enforce_heartbeats(60)
    _, seen = await start(make_supervisor, clock)
    for minute in range(4):
        thermostat.set_indoor_temperature("1", 70 + minute)
        await clock.advance(60, step=1)

    assert thermostat.heartbeat_timeouts == 0
    assert thermostat.heartbeats == 4
    assert thermostat.connections == 1
    assert seen.availability == [(True, None)]


async def test_reset_clients_is_a_lost_link(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """An RST: unavailable with a reason, then back on the first retry."""
    supervisor, seen = await start(make_supervisor, clock)
    thermostat.reset_clients()
    await clock.until(lambda: len(thermostat.logins) == 2 and is_ready(supervisor)(), limit=5)
    assert [up for up, _ in seen.availability] == [True, False, True]
    assert seen.availability[1][1]


async def test_trickled_bytes_make_the_same_state(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """Every frame one byte at a time: framing copes; the state is complete."""
    thermostat.trickle = True
    supervisor, seen = await start(make_supervisor, clock)
    assert seen.changes[0].added == {"1", "2"}
    assert supervisor.state.relative_humidity is not None
    assert supervisor.stats.malformed_frames == 0


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
    "kind",
    [
        Malformed.INVALID_JSON,
        Malformed.EVENT_NOT_OBJECT,
        Malformed.EVENT_BODY_NOT_OBJECT,
        Malformed.NOT_UTF8,
    ],
)
async def test_malformed_frames_are_dropped_and_counted(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator, kind: Malformed
) -> None:
    """A broken frame (a non-object Event included) is counted and dropped; the link stays."""
    supervisor, seen = await start(make_supervisor, clock)
    thermostat.send_malformed(kind)
    thermostat.set_fan_mode(2)
    await clock.settle()

    assert supervisor.stats.malformed_frames == 1
    assert supervisor.state.fan_mode is FanMode.ALWAYS_ON
    assert supervisor.link_state is LinkState.READY
    assert thermostat.connections == 1
    assert seen.availability == [(True, None)]


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


async def test_oversized_frame_ends_the_link_then_resyncs(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """1 MiB without a terminator is a ProtocolError: that link ends, a new one syncs."""
    supervisor, seen = await start(make_supervisor, clock)
    thermostat.send_malformed(Malformed.OVERSIZED)
    await clock.until(lambda: len(thermostat.logins) == 2 and is_ready(supervisor)(), limit=5)

    assert [up for up, _ in seen.availability] == [True, False, True]
    assert "65536" in (supervisor.stats.last_disconnect_reason or "")


async def test_unsolicited_replies_are_ignored(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """A Response or Request nobody waits for while READY changes nothing and keeps the link."""
    supervisor, seen = await start(make_supervisor, clock)
    thermostat.send_raw(b'{"Response":{"Error":{"error_type":"1","description":"no"}}}\x00')
    thermostat.send_raw(b'{"Request":{"SetSecretKey":{"secret_key":"other"}}}\x00')
    thermostat.send_raw(b'{"Heartbeat":{}}\x00')
    await clock.settle()

    assert supervisor.link_state is LinkState.READY
    assert len(seen.changes) == 1
    assert supervisor.stats.malformed_frames == 0


async def test_garbage_before_a_frame_is_tolerated(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """Bytes before the "{" of a frame are skipped, as the thermostat's own parser does."""
    supervisor, _ = await start(make_supervisor, clock)
    thermostat.send_event(
        "ZoneNameUpdated", {"zone_id": "1", "zone_name": "Den"}, prefix=b"\r\n\x01junk"
    )
    await clock.settle()
    assert supervisor.state.zones["1"].name == "Den"


async def test_slow_answers_within_the_login_timeout(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """Every frame 2 s late: the login still succeeds and the burst is still complete."""
    thermostat.reply_delay = 2.0
    supervisor, seen = await start(make_supervisor, clock)
    assert seen.changes[0].added == {"1", "2"}
    assert supervisor.stats.failed_attempts == 0


async def test_frames_are_logged_at_debug_with_the_key_redacted(
    make_supervisor: MakeSupervisor,
    clock: Clock,
    thermostat: Simulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Received frames are logged too, and the key never appears in any log."""
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    await start(make_supervisor, clock)
    text = "\n".join(r.getMessage() for r in client_logs(caplog))

    assert 'RX {"Response":{"LoginResponse":{"status":"1"}}}' in text
    assert 'RX {"Event":{"ZoneAdded"' in text
    assert 'TX {"Request":{"Login"' in text
    assert "**REDACTED**" in text
    assert "test-key" not in text


async def test_wait_ready_on_the_first_failure_raises_it_and_keeps_trying(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """A refused first attempt ends the wait at once; the supervisor still connects later."""
    await thermostat.refuse()
    supervisor = make_supervisor()
    with pytest.raises(ConnectError):
        await clock.wait(supervisor.wait_ready(20, first_failure=True), limit=1)
    # Asked again after that failure: it is already known.
    with pytest.raises(ConnectError):
        await supervisor.wait_ready(20, first_failure=True)
    await thermostat.accept()
    await clock.until(is_ready(supervisor), limit=15)
