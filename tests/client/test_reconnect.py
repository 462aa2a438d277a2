"""The reconnect logic (reconnect.py): what the owner sees through every fault, backoff, giving up,
refreshing a silent link, stopping."""

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
    LinkState,
    NotReadyError,
    ThermostatBusyError,
)
from custom_components.steamloop.client.reconnect import (
    SILENCE_MAX,
    SILENCE_MIN,
    SilenceBound,
)
from simulator import Malformed, Simulator

from .conftest import (
    LOGGER,
    Clock,
    MakeSupervisor,
    RecordingTransport,
    Seen,
    WorstCase,
    client_logs,
    is_ready,
    relogged,
    start,
)

# --- a lost link is reconnected -------------------------------------------------------------------


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


async def test_reset_clients_is_a_lost_link(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """An RST: unavailable with a reason, then back on the first retry."""
    supervisor, seen = await start(make_supervisor, clock)
    thermostat.reset_clients()
    await clock.until(lambda: len(thermostat.logins) == 2 and is_ready(supervisor)(), limit=5)
    assert [up for up, _ in seen.availability] == [True, False, True]
    assert seen.availability[1][1]


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


# --- silence: the refresh and its policy ----------------------------------------------------------


def test_silence_bound_doubles_while_refreshes_find_nothing_and_resets_otherwise() -> None:
    """The policy alone: 5, 10, 20 min, capped at 30; missed updates or a failed refresh: 5."""
    bound = SilenceBound()
    seen = [bound.seconds]
    for _ in range(4):
        bound.refreshed(missed=False)
        seen.append(bound.seconds)
    assert seen == [SILENCE_MIN, 600, 1200, SILENCE_MAX, SILENCE_MAX]
    bound.refreshed(missed=True)
    assert bound.seconds == SILENCE_MIN
    bound.refreshed(missed=False)
    bound.refresh_failed()
    assert bound.seconds == SILENCE_MIN


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


# --- giving up: a refused key, a foreign certificate ----------------------------------------------


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


# --- backoff and recovery -------------------------------------------------------------------------


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


# --- lifecycle ------------------------------------------------------------------------------------


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
