"""One link at a time (session.py): login, the burst's end, heartbeats, silence, framing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from custom_components.steamloop.client import (
    AuthenticationError,
    ConnectError,
    FanMode,
    LinkState,
    ProtocolError,
    Session,
    ThermostatBusyError,
    TlsTransport,
    heartbeat,
    update_fan_mode,
)
from custom_components.steamloop.client.codec import Request
from simulator import Malformed, Simulator

from .conftest import (
    LOGGER,
    Clock,
    MakeSupervisor,
    RecordingTransport,
    client_logs,
    is_ready,
    relogged,
    start,
)

pytestmark = pytest.mark.timeout(30)

type Open = Callable[[], Awaitable[Session]]


@pytest.fixture
async def open_session(tls: TlsTransport) -> AsyncIterator[Open]:
    """Open sessions to the simulator; all are closed after the test."""
    sessions: list[Session] = []

    async def open_() -> Session:
        link = await tls.connect()
        session = Session(link, name=tls.name)
        sessions.append(session)
        return session

    yield open_
    for session in sessions:
        await session.close(graceful=False)


async def test_login_then_burst_fills_the_staging_state(
    clock: Clock, thermostat: Simulator, open_session: Open
) -> None:
    """The burst after the login reply lands in the session's staging state."""
    session = await open_session()
    await clock.wait(session.login("test-key"))
    state = await clock.wait(session.sync())

    assert state is session.staging
    assert set(state.zones) == {"1", "2"}
    assert state.zones["2"].name == "Bedroom"
    assert session.stats.frames_received == thermostat.clients[0].frames_sent
    assert not session.closed


@pytest.mark.parametrize("reject_with", ["status", "error"])
async def test_refused_key_is_an_authentication_error(
    clock: Clock, thermostat: Simulator, open_session: Open, reject_with: str
) -> None:
    """LoginResponse status "0" and an Error reply both raise AuthenticationError, key-free."""
    thermostat.reject_with = reject_with  # type: ignore[assignment]
    session = await open_session()
    with pytest.raises(AuthenticationError) as caught:
        await clock.wait(session.login("wrong-key"))
    assert "wrong-key" not in str(caught.value)


@pytest.mark.parametrize(
    ("body", "outcome"),
    [
        ({"status": "1"}, None),
        ({"status": "01"}, None),
        ({"status": " 1"}, None),
        ({"status": "1 "}, None),
        ({}, ConnectError),
        ({"status": ""}, ConnectError),
        ({"status": "  "}, ConnectError),
        ({"status": "ok"}, ConnectError),
        ({"status": "0"}, AuthenticationError),
        ({"status": "00"}, AuthenticationError),
        ({"status": "2"}, AuthenticationError),
        ({"status": "-1"}, AuthenticationError),
    ],
)
async def test_login_reply_policy(
    clock: Clock,
    thermostat: Simulator,
    open_session: Open,
    body: dict[str, str],
    outcome: type[Exception] | None,
) -> None:
    """A status is read as the state reads codes: 1 (padded or not) is success, another number a
    refusal of the key, and no status, an empty one or text says nothing about it: try again."""
    thermostat.login_response = body
    session = await open_session()
    if outcome is None:
        await clock.wait(session.login("test-key"))
        state = await clock.wait(session.sync())
        assert set(state.zones) == {"1", "2"}
        return
    with pytest.raises(outcome) as caught:
        await clock.wait(session.login("test-key"))
    assert type(caught.value) is outcome
    assert "test-key" not in str(caught.value)


@pytest.mark.parametrize(
    ("description", "outcome"),
    [
        ("too many clients", ThermostatBusyError),
        ("busy", ThermostatBusyError),
        ("", ThermostatBusyError),
        ("Invalid secret key", AuthenticationError),
        ("Authentication failed", AuthenticationError),
        ("Access denied", AuthenticationError),
    ],
)
async def test_login_error_reply_policy(
    clock: Clock,
    thermostat: Simulator,
    open_session: Open,
    description: str,
    outcome: type[Exception],
) -> None:
    """An Error reply refuses the key only when it says so; anything else is busy: try again."""
    thermostat.busy = description
    session = await open_session()
    with pytest.raises(outcome) as caught:
        await clock.wait(session.login("test-key"))
    assert type(caught.value) is outcome
    assert description in str(caught.value)
    assert isinstance(caught.value, ConnectError) is (outcome is ThermostatBusyError)


async def test_login_without_reply_times_out_in_ten_seconds(
    clock: Clock, thermostat: Simulator, open_session: Open
) -> None:
    """No reply within 10 s is a ConnectError, never an AuthenticationError."""
    thermostat.reply_delay = 60
    thermostat.wait_timeout = None
    session = await open_session()
    started = clock.elapsed
    with pytest.raises(ConnectError, match="no login reply within 10 s"):
        await clock.wait(session.login("test-key"), limit=11)
    assert clock.elapsed - started == pytest.approx(10, abs=0.15)


async def test_link_lost_during_login_fails_at_once(
    clock: Clock, thermostat: Simulator, open_session: Open
) -> None:
    """The login waits on the link too, not only on the clock."""
    session = await open_session()
    await clock.wait(thermostat.wait_for_connections(1))
    thermostat.go_silent()
    login = asyncio.ensure_future(session.login("test-key"))
    await clock.settle()
    thermostat.reset_clients()
    await clock.settle()
    assert login.done()
    with pytest.raises(ConnectError):
        await login
    assert clock.elapsed < 1


async def test_burst_ends_one_quiet_second_after_its_last_frame(
    clock: Clock, thermostat: Simulator, open_session: Open
) -> None:
    """Frames keep the burst open; one second without any ends it."""
    session = await open_session()
    await clock.wait(session.login("test-key"))
    sync = asyncio.ensure_future(session.sync())
    for value in range(6):
        await clock.advance(0.5, step=0.5)
        thermostat.set_indoor_temperature("1", 60 + value)
    started = clock.elapsed
    await clock.until(sync.done, limit=2)

    assert clock.elapsed - started == pytest.approx(1, abs=0.15)
    assert (await sync).zones["1"].indoor_temperature == 65


async def test_burst_ends_after_ten_seconds_however_chatty(
    clock: Clock, thermostat: Simulator, open_session: Open
) -> None:
    """A thermostat that never pauses cannot hold the sync open past 10 s."""
    session = await open_session()
    await clock.wait(session.login("test-key"))
    started = clock.elapsed
    sync = asyncio.ensure_future(session.sync())
    value = 0
    while not sync.done():
        assert clock.elapsed - started < 10.5
        value += 1
        thermostat.set_indoor_temperature("1", 50 + value % 30)
        await clock.advance(0.5, step=0.5)
    assert clock.elapsed - started == pytest.approx(10, abs=0.6)
    assert not session.closed


async def test_link_lost_during_the_burst_fails_the_sync(
    clock: Clock, thermostat: Simulator, open_session: Open
) -> None:
    """A drop before the burst ends is a ConnectError from sync()."""
    thermostat.flap(1)
    session = await open_session()
    await clock.wait(session.login("test-key"))
    with pytest.raises(ConnectError):
        await clock.wait(session.sync())
    with pytest.raises(ConnectError):
        await session.sync()


async def test_serve_heartbeats_until_the_link_ends(
    clock: Clock, thermostat: Simulator, open_session: Open
) -> None:
    """One heartbeat per 55 s; serve() returns why the link ended."""
    session = await open_session()
    await clock.wait(session.login("test-key"))
    await clock.wait(session.sync())
    serving = asyncio.ensure_future(session.serve())

    await clock.advance(54, step=1)
    assert thermostat.heartbeats == 0
    await clock.advance(1.5, step=0.5)
    assert thermostat.heartbeats == 1
    await clock.advance(55, step=1)
    assert thermostat.heartbeats == 2
    assert session.stats.heartbeats_sent == 2

    thermostat.close_clients()
    reason = await clock.wait(serving)
    assert isinstance(reason, ConnectError)
    assert session.reason is reason


async def test_silence_ends_the_link_and_any_frame_counts_as_life(
    clock: Clock, thermostat: Simulator, open_session: Open
) -> None:
    """Five minutes without a frame ends the session as silent; a malformed frame resets it."""
    session = await open_session()
    await clock.wait(session.login("test-key"))
    await clock.wait(session.sync())
    await clock.advance(200, step=10)
    thermostat.send_malformed(Malformed.NOT_UTF8)
    await clock.advance(290, step=10)
    closed_at_490_s = session.closed

    await clock.advance(15, step=1)
    assert not closed_at_490_s
    assert session.closed
    assert session.silent
    assert "no frame for 300 s" in str(await session.wait_closed())


async def test_frame_too_long_ends_the_link_with_a_protocol_error(
    clock: Clock, thermostat: Simulator, open_session: Open
) -> None:
    """The only error the read path raises: ProtocolError, which ends that link."""
    session = await open_session()
    await clock.wait(session.login("test-key"))
    await clock.wait(session.sync())
    thermostat.send_malformed(Malformed.OVERSIZED)
    reason = await clock.wait(session.wait_closed())
    assert isinstance(reason, ProtocolError)


async def test_send_on_a_closed_session_is_a_connect_error(open_session: Open) -> None:
    """Nothing is written after close()."""
    session = await open_session()
    await session.close()
    await session.close()
    with pytest.raises(ConnectError):
        await session.send(heartbeat())
    with pytest.raises(ConnectError):
        await session.login("test-key")


async def test_a_write_the_thermostat_does_not_take_is_never_applied_later(
    clock: Clock, thermostat: Simulator, open_session: Open
) -> None:
    """A peer that stops reading: once 16 KiB are unsent, a further command is refused at once
    (not queued), and the write that waits is abandoned after 10 s with the link reset, so none
    of it reaches the thermostat later."""
    session = await open_session()
    await clock.wait(session.login("test-key"))
    await clock.wait(session.sync())
    thermostat.wait_timeout = None
    thermostat.go_silent()
    pad = Request("Pad", {"pad": "x" * 60_000})
    blocked: asyncio.Future[None] | None = None
    for _ in range(1000):  # until the kernel's buffers on both sides are full
        sent = asyncio.ensure_future(session.send(pad))
        await clock.settle()
        if not sent.done():
            blocked = sent
            break
        sent.result()
    assert blocked is not None

    with pytest.raises(ConnectError, match="not taking frames; nothing was sent"):
        await session.send(update_fan_mode(FanMode.CIRCULATE))
    await clock.advance(10.5)
    assert blocked.done()
    with pytest.raises(ConnectError, match="did not take a frame within 10 s"):
        await blocked
    assert session.closed

    thermostat.wake()
    await clock.settle()
    assert not [c for c in thermostat.commands if c.name == "UpdateFanMode"]


# --- a supervised link: framing, malformed frames, heartbeats, logging ----------------------------


async def test_trickled_bytes_make_the_same_state(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """Every frame one byte at a time: framing copes; the state is complete."""
    thermostat.trickle = True
    supervisor, seen = await start(make_supervisor, clock)
    assert seen.changes[0].added == {"1", "2"}
    assert supervisor.state.relative_humidity is not None
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


async def test_slow_answers_within_the_login_timeout(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """Every frame 2 s late: the login still succeeds and the burst is still complete."""
    thermostat.reply_delay = 2.0
    supervisor, seen = await start(make_supervisor, clock)
    assert seen.changes[0].added == {"1", "2"}
    assert supervisor.stats.failed_attempts == 0


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
