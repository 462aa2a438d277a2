"""One link at a time: login, the burst's end, heartbeats, silence, pairing and probing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from custom_components.steamloop.client import (
    AuthenticationError,
    ConnectError,
    FanMode,
    PairingError,
    PairingTimeoutError,
    ProtocolError,
    Session,
    ThermostatBusyError,
    TlsTransport,
    heartbeat,
    pair,
    probe,
    update_fan_mode,
)
from custom_components.steamloop.client.codec import Request
from simulator import Malformed, Simulator

from .conftest import Clock

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


# --- probe -----------------------------------------------------------------------------------


async def test_probe_logs_in_syncs_and_leaves(
    clock: Clock, thermostat: Simulator, tls: TlsTransport
) -> None:
    """probe() returns the state and fingerprint and leaves no client behind."""
    result = await clock.wait(probe(tls, "test-key"))
    assert result.fingerprint == thermostat.fingerprint
    assert set(result.state.zones) == {"1", "2"}
    await clock.wait(thermostat.wait_for_clients(0))


async def test_probe_with_a_wrong_key(
    clock: Clock, thermostat: Simulator, tls: TlsTransport
) -> None:
    """A refused key is an AuthenticationError."""
    with pytest.raises(AuthenticationError):
        await clock.wait(probe(tls, "wrong-key"))
    await clock.wait(thermostat.wait_for_clients(0))


async def test_probe_honours_its_deadline(
    clock: Clock, thermostat: Simulator, tls: TlsTransport
) -> None:
    """A slower thermostat than the deadline allows is a ConnectError at the deadline."""
    thermostat.reply_delay = 4
    with pytest.raises(ConnectError, match="within 3 s"):
        await clock.wait(probe(tls, "test-key", timeout=3), limit=4)


async def test_probe_deadline_excludes_the_goodbye(
    clock: Clock, thermostat: Simulator, tls: TlsTransport
) -> None:
    """Login and burst take 10.5 s of 15 and the thermostat never answers our TLS close: the
    key works, which is what probe() reports."""
    thermostat.reply_delay = 9.5
    thermostat.ignore_goodbye = True
    result = await clock.wait(probe(tls, "test-key", timeout=15), limit=20)
    assert set(result.state.zones) == {"1", "2"}
    assert clock.elapsed > 15
    thermostat.wake()  # reading again, it sees the link we dropped
    await clock.wait(thermostat.wait_for_clients(0))


# --- pair ------------------------------------------------------------------------------------


async def test_pair_returns_the_new_key(
    clock: Clock, thermostat: Simulator, tls: TlsTransport
) -> None:
    """In pairing mode the thermostat hands out a key, which we acknowledge and can log in with."""
    new_key = thermostat.start_pairing("fresh-key")
    result = await clock.wait(pair(tls))

    assert result.secret_key == new_key
    assert result.fingerprint == thermostat.fingerprint
    assert thermostat.paired_keys == [new_key]
    assert thermostat.logins[0].pairing
    await clock.wait(probe(tls, new_key))


@pytest.mark.parametrize("reject_with", ["status", "error"])
async def test_pair_waits_for_the_button(
    clock: Clock, thermostat: Simulator, tls: TlsTransport, reject_with: str
) -> None:
    """Started before the user pressed Pair: refusals (a status or an Error reply) are retried
    until pairing mode begins."""
    thermostat.reject_with = reject_with  # type: ignore[assignment]
    pairing = asyncio.ensure_future(pair(tls))
    await clock.advance(12, step=0.5)
    assert not pairing.done()
    assert len(thermostat.logins) == 3
    assert not any(login.accepted for login in thermostat.logins)

    new_key = thermostat.start_pairing("late-key")
    result = await clock.wait(pairing, limit=6)
    assert result.secret_key == new_key


async def test_pair_reports_a_thermostat_that_kept_refusing(
    clock: Clock, thermostat: Simulator, tls: TlsTransport
) -> None:
    """Never in pairing mode: at the deadline a refusal (PairingError), not a timeout."""
    thermostat.wait_timeout = None
    with pytest.raises(PairingError, match="refused to pair") as caught:
        await clock.wait(pair(tls, timeout=120), limit=121, step=0.5)
    assert not isinstance(caught.value, PairingTimeoutError)
    assert clock.elapsed == pytest.approx(120, abs=0.5)
    await clock.wait(thermostat.wait_for_clients(0))


async def test_pair_times_out_when_the_key_never_comes(
    clock: Clock, thermostat: Simulator, tls: TlsTransport
) -> None:
    """In pairing mode but no key within the deadline: PairingTimeoutError."""
    thermostat.wait_timeout = None
    thermostat.start_pairing()
    thermostat.pairing_delay = 1000
    with pytest.raises(PairingTimeoutError):
        await clock.wait(pair(tls, timeout=120), limit=121, step=0.5)
    assert clock.elapsed == pytest.approx(120, abs=0.5)
    await clock.wait(thermostat.wait_for_clients(0))


async def test_pair_keeps_a_key_acknowledged_just_before_the_deadline(
    clock: Clock, thermostat: Simulator, tls: TlsTransport
) -> None:
    """The key comes at 117 s of 120 and the thermostat never answers our TLS close: the
    acknowledged key is the result; the close after it is not held to the deadline."""
    thermostat.wait_timeout = None
    new_key = thermostat.start_pairing("late-key")
    thermostat.pairing_delay = 117
    thermostat.ignore_goodbye = True
    told: list[str] = []
    result = await clock.wait(
        pair(tls, timeout=120, acknowledged=lambda got: told.append(got.secret_key)),
        limit=130,
        step=0.5,
    )
    assert result.secret_key == new_key
    assert told == [new_key]
    assert thermostat.paired_keys == [new_key]
    assert clock.elapsed > 120
    thermostat.wake()
    await clock.wait(thermostat.wait_for_clients(0))


async def test_pair_cancelled_while_closing_still_tells_the_key(
    clock: Clock, thermostat: Simulator, tls: TlsTransport
) -> None:
    """Closing the dialog during the goodbye after the key: the caller has been told the key."""
    new_key = thermostat.start_pairing("kept-key")
    thermostat.ignore_goodbye = True
    told: list[str] = []
    pairing = asyncio.ensure_future(pair(tls, acknowledged=lambda got: told.append(got.secret_key)))
    await clock.wait(thermostat.wait_for_pairing())
    await clock.advance(1)
    assert not pairing.done()
    pairing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await pairing
    assert told == [new_key]
    thermostat.wake()
    await clock.wait(thermostat.wait_for_clients(0), limit=5)


async def test_pair_with_an_empty_key_is_refused(
    clock: Clock, thermostat: Simulator, tls: TlsTransport
) -> None:
    """A SetSecretKey without a key is a PairingError, not something to retry."""
    thermostat.start_pairing("")
    with pytest.raises(PairingError, match="empty key") as caught:
        await clock.wait(pair(tls))
    assert not isinstance(caught.value, PairingTimeoutError)


@pytest.mark.parametrize("moment", ["waiting for the key", "between attempts"])
async def test_cancelling_pair_leaves_nothing_behind(
    clock: Clock, thermostat: Simulator, tls: TlsTransport, moment: str
) -> None:
    """Closing the pairing dialog cancels pair(): the link is closed, no key is acknowledged."""
    if moment == "waiting for the key":
        thermostat.start_pairing()
        thermostat.reply_delay = 30
        thermostat.wait_timeout = None
    pairing = asyncio.ensure_future(pair(tls))
    await clock.wait(thermostat.wait_for_logins(1, accepted=None))
    if moment == "between attempts":
        await clock.advance(1)

    pairing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await pairing
    await clock.wait(thermostat.wait_for_clients(0), limit=5)
    assert thermostat.paired_keys == []


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
