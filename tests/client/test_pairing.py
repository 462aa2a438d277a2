"""The config flow's one-shot conversations (pairing.py): probe a key, pair for a new one."""

from __future__ import annotations

import asyncio

import pytest

from custom_components.steamloop.client import (
    AuthenticationError,
    ConnectError,
    PairingError,
    PairingTimeoutError,
    TlsTransport,
    pair,
    probe,
)
from simulator import Simulator

from .conftest import Clock

pytestmark = pytest.mark.timeout(30)


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
