"""One link's conversation with the thermostat: login or pairing, the initial burst, heartbeats.

A Session owns a Link and the reader task that turns its bytes into messages. It never reconnects:
when the link ends, for whatever reason, ``wait_closed`` tells why and the owner decides what next.
``pair`` and ``probe`` are the one-shot conversations the config flow needs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from . import codec
from .capture import Capture
from .codec import Event, FrameSplitter, Message, Request, Response
from .errors import (
    AuthenticationError,
    ConnectError,
    PairingError,
    PairingTimeoutError,
    SteamloopError,
    ThermostatBusyError,
)
from .state import ThermostatState
from .transport import Link, Transport

_LOGGER = logging.getLogger(__name__)

HEARTBEAT_INTERVAL: Final = 55.0
LOGIN_TIMEOUT: Final = 10.0
BURST_QUIET: Final = 1.0
# Timers may run a hair before their deadline; this much early still counts as on time.
_TIMER_SLACK: Final = 1e-3
BURST_MAX: Final = 10.0
SILENCE_TIMEOUT: Final = 300.0
WRITE_TIMEOUT: Final = 10.0
PAIRING_TIMEOUT: Final = 120.0
PAIRING_RETRY: Final = 5.0
PROBE_TIMEOUT: Final = 15.0
READ_SIZE: Final = 65536
# Bytes written but not yet taken by the peer: past this a write waits for them (up to
# WRITE_TIMEOUT), and a further command is refused rather than queued behind them.
MAX_BACKLOG: Final = 16384
# An Error reply to a login is a refusal of the key only when it says so; anything else (too many
# clients, busy, an unknown error) is worth another try.
_REFUSAL_WORDS: Final = re.compile(
    r"key|secret|auth|credential|password|denied|forbidden|permission|pair", re.IGNORECASE
)
_TEXT_LIMIT: Final = 80


@dataclass(slots=True)
class LinkStats:
    """Counters and timestamps about the links a supervisor has held."""

    connected_since: datetime | None = None
    last_disconnect: datetime | None = None
    last_disconnect_reason: str | None = None
    connects: int = 0
    disconnects: int = 0
    failed_attempts: int = 0
    frames_received: int = 0
    frames_sent: int = 0
    malformed_frames: int = 0
    heartbeats_sent: int = 0
    silence_bound: float = SILENCE_TIMEOUT
    refreshes: int = 0


@dataclass(frozen=True, slots=True)
class PairingResult:
    """The key the thermostat handed out, and the certificate of the thermostat that did."""

    secret_key: str
    fingerprint: str | None


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What one successful login and burst showed."""

    fingerprint: str | None
    state: ThermostatState


type EventSink = Callable[[int, Event], None]


class _PairingRefusedError(PairingError):
    """The thermostat answered the empty-key login with a refusal: not in pairing mode (yet)."""


class Session:
    """One link: reads frames, answers the login or pairing handshake, collects the burst."""

    def __init__(  # noqa: PLR0913 - keyword-only: what the supervisor shares across links
        self,
        link: Link,
        *,
        name: str = "thermostat",
        stats: LinkStats | None = None,
        generation: int = 0,
        silence_timeout: float = SILENCE_TIMEOUT,
        capture: Capture | None = None,
    ) -> None:
        """Start reading `link`; events go to `staging` until `go_live` names a sink."""
        self.link = link
        self.name = name
        self.stats = stats if stats is not None else LinkStats()
        self.capture = capture if capture is not None else Capture()
        self.generation = generation
        self.staging = ThermostatState()
        self.silent = False
        self._loop = asyncio.get_running_loop()
        self.capture.bind_clock(self._loop.time)
        # A write waits (and may time out) once this much is unsent, rather than at 64 KiB; a
        # transport that cannot say keeps its own limit, and the backlog check still applies.
        with contextlib.suppress(NotImplementedError):
            link.writer.transport.set_write_buffer_limits(high=MAX_BACKLOG)
        self._splitter = FrameSplitter()
        self._sink: EventSink | None = None
        self._closed: asyncio.Future[SteamloopError] = self._loop.create_future()
        self._waiter: asyncio.Future[str] | None = None
        # The thermostat accepted the empty-key login: it is in pairing mode, the key is to come.
        self.pairing_accepted = False
        self._expect: Callable[[Message], bool] | None = None
        self._burst: asyncio.Future[None] | None = None
        self._quiet: asyncio.TimerHandle | None = None
        self._silence_timeout = silence_timeout
        self._silence: asyncio.TimerHandle | None = None
        # Frames only stamp the time; the two timers re-check it when they fire, so a busy link
        # costs no timer churn (a re-armed timer per frame was most of the per-event cost).
        self._last_frame = self._loop.time()
        self._silence = self._loop.call_later(silence_timeout, self._check_silence)
        self._reader = self._loop.create_task(self._read_loop(), name=f"steamloop reader {name}")

    @property
    def closed(self) -> bool:
        """Return whether the link has ended."""
        return self._closed.done()

    @property
    def reason(self) -> SteamloopError | None:
        """Return why the link ended, or None while it is up."""
        return self._closed.result() if self._closed.done() else None

    async def wait_closed(self) -> SteamloopError:
        """Wait until the link ends and return why."""
        return await asyncio.shield(self._closed)

    async def close(self, *, graceful: bool = True) -> None:
        """End the link and release everything it holds; safe to call more than once.

        Graceful sends the TLS close and waits for the peer a few seconds; otherwise the link is
        dropped at once, which is what a link that failed deserves.
        """
        self._end(ConnectError(f"{self.name}: link closed locally"), drop=not graceful)
        self._reader.cancel()
        try:
            await asyncio.wait([self._reader])
        finally:
            await self.link.close()

    @property
    def silence_timeout(self) -> float:
        """Return how long the link may go without a frame before it ends as silent."""
        return self._silence_timeout

    @silence_timeout.setter
    def silence_timeout(self, seconds: float) -> None:
        """Change the silence bound; it counts from the last frame, as before."""
        self._silence_timeout = seconds
        if self._silence is not None:
            self._silence.cancel()
            delay = max(seconds - self._idle_for(), 0.0)
            self._silence = self._loop.call_later(delay, self._check_silence)

    def go_live(self, sink: EventSink) -> None:
        """Send every further event to `sink` instead of the staging state."""
        self._sink = sink
        self.capture.burst_ended()

    async def send(self, message: Message) -> None:
        """Write one message; raise ConnectError when the link cannot take it."""
        if self._closed.done():
            msg = f"{self.name}: link is closed"
            raise ConnectError(msg)
        frame = codec.encode(message)
        writer = self.link.writer
        try:
            if writer.transport.is_closing():
                msg = f"{self.name}: link is closing"
                raise ConnectError(msg)
            if writer.transport.get_write_buffer_size() >= MAX_BACKLOG:
                # The peer is not reading: queueing more would only apply it later, or never.
                msg = f"{self.name}: the thermostat is not taking frames; nothing was sent"
                raise ConnectError(msg)
            writer.write(frame)
            self.capture.frame("tx", frame[: -len(codec.TERMINATOR)])
            async with asyncio.timeout(WRITE_TIMEOUT):
                await writer.drain()
        except TimeoutError as err:
            # The frame is still queued on a link that looks up; it must not be applied minutes
            # later, so the link goes (taking the queue with it) and the owner re-syncs.
            error = ConnectError(
                f"{self.name}: the thermostat did not take a frame within {WRITE_TIMEOUT:g} s;"
                " the link is reset so it is not applied later"
            )
            self._end(error)
            raise error from err
        except (OSError, RuntimeError) as err:
            msg = f"{self.name}: write failed: {err!r}"
            raise ConnectError(msg) from err
        self.stats.frames_sent += 1
        if _LOGGER.isEnabledFor(logging.DEBUG):
            _LOGGER.debug(
                "%s TX %s", self.name, codec.redact(frame, redactor=self.capture.redactor)
            )

    async def login(self, secret_key: str) -> None:
        """Log in; AuthenticationError when the key is refused, ConnectError on anything else."""
        self.capture.hide(secret_key)
        try:
            async with asyncio.timeout(LOGIN_TIMEOUT):
                await self._exchange(codec.login(secret_key), self._on_login_reply)
        except TimeoutError as err:
            msg = f"{self.name}: no login reply within {LOGIN_TIMEOUT:g} s"
            raise ConnectError(msg) from err

    async def pair(self) -> str:
        """Ask for a key with an empty login and acknowledge the one the thermostat sends."""
        key = await self._exchange(codec.login(""), self._on_pairing_reply)
        self.capture.hide(key)
        await self.send(codec.secret_key_updated(key))
        return key

    async def sync(self) -> ThermostatState:
        """Collect the initial burst into `staging`: done after 1 s without a frame, or 10 s."""
        if self._closed.done():
            raise self._closed.result()
        burst = self._burst = self._loop.create_future()
        self._quiet = self._loop.call_later(BURST_QUIET, self._check_quiet)
        limit = self._loop.call_later(BURST_MAX, self._burst_over)
        try:
            await burst
        finally:
            limit.cancel()
            if self._quiet is not None:
                self._quiet.cancel()
            self._burst = self._quiet = None
        return self.staging

    async def serve(self, heartbeat_interval: float = HEARTBEAT_INTERVAL) -> SteamloopError:
        """Send heartbeats until the link ends; return why it ended."""
        while True:
            try:
                async with asyncio.timeout(heartbeat_interval):
                    return await self.wait_closed()
            except TimeoutError:
                pass
            try:
                await self.send(codec.heartbeat())
            except ConnectError as err:
                # The link died between the last check and this write: that is all it means.
                self._end(err)
                return err
            self.stats.heartbeats_sent += 1

    async def _exchange(self, message: Message, expect: Callable[[Message], bool]) -> str:
        """Send `message` and wait for the reply that `expect` resolves the waiter with."""
        if self._closed.done():
            raise self._closed.result()
        waiter: asyncio.Future[str] = self._loop.create_future()
        self._waiter = waiter
        self._expect = expect
        try:
            await self.send(message)
            return await waiter
        finally:
            self._waiter = self._expect = None
            if not waiter.done():
                waiter.cancel()

    def _resolve(self, result: str | SteamloopError) -> None:
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        if isinstance(result, SteamloopError):
            waiter.set_exception(result)
        else:
            waiter.set_result(result)

    def _on_login_reply(self, message: Message) -> bool:
        """Apply the login-reply policy (see the supervisor's docstring) to a candidate reply."""
        if not isinstance(message, Response):
            return False
        if message.name == "LoginResponse":
            verdict = self._login_verdict(message.fields.get("status"))
            if not verdict:
                # The frame just recorded starts what a capture of this link must keep.
                self.capture.session_started()
            self._resolve(verdict)
            return True
        if message.name == "Error":
            detail = self._error(message)
            if _REFUSAL_WORDS.search(detail):
                self._resolve(AuthenticationError(f"the thermostat refused the login: {detail}"))
            else:
                self._resolve(
                    ThermostatBusyError(
                        f"{self.name}: the thermostat turned the login away: {detail}"
                    )
                )
            return True
        return False

    def _login_verdict(self, status: str | None) -> str | SteamloopError:
        """Read a LoginResponse status the way the state reads codes: padding and zeros allowed."""
        code = login_status(status)
        if code == 1:
            return ""
        if code is None:
            # No status, an empty one or text says nothing about the key: try again.
            shown = "none" if status is None else repr(self._text(status))
            return ConnectError(f"{self.name}: LoginResponse with an unreadable status ({shown})")
        return AuthenticationError(f"the thermostat rejected the key (status {code})")

    def _on_pairing_reply(self, message: Message) -> bool:
        if isinstance(message, Request) and message.name == "SetSecretKey":
            key = message.fields.get("secret_key", "")
            self._resolve(key or PairingError("the thermostat sent an empty key"))
            return True
        if not isinstance(message, Response):
            return False
        if message.name == "LoginResponse":
            status = message.fields.get("status")
            if status == "1":
                self.pairing_accepted = True
            else:
                self._resolve(
                    _PairingRefusedError(f"pairing refused (status {self._text(status or '')})")
                )
            return True
        if message.name == "Error":
            self._resolve(_PairingRefusedError(f"pairing refused: {self._error(message)}"))
            return True
        return False

    def _error(self, message: Response) -> str:
        kind = message.fields.get("error_type", "")
        description = message.fields.get("description", "")
        return f"{self._text(kind)}: {self._text(description)}"

    def _text(self, value: str) -> str:
        """Return a bounded, key-free rendering of text the thermostat sent."""
        return codec.redact(value, _TEXT_LIMIT, self.capture.redactor)

    def _burst_over(self) -> None:
        if self._burst is not None and not self._burst.done():
            self._burst.set_result(None)

    def _idle_for(self) -> float:
        return self._loop.time() - self._last_frame

    def _check_quiet(self) -> None:
        """End the burst after BURST_QUIET without a frame; otherwise look again when it could."""
        idle = self._idle_for()
        if idle >= BURST_QUIET - _TIMER_SLACK:
            self._quiet = None
            self._burst_over()
        else:
            self._quiet = self._loop.call_later(BURST_QUIET - idle, self._check_quiet)

    def _check_silence(self) -> None:
        """End the link after the silence timeout without a frame; otherwise look again later."""
        idle = self._idle_for()
        if idle >= self._silence_timeout - _TIMER_SLACK:
            self._silence = None
            self.silent = True
            self._end(ConnectError(f"{self.name}: no frame for {self._silence_timeout:g} s"))
        else:
            self._silence = self._loop.call_later(self._silence_timeout - idle, self._check_silence)

    def _end(self, reason: SteamloopError, *, drop: bool = True) -> None:
        """Record why the link ended, wake whoever waits on it and stop its timers; once."""
        if drop:
            # A link that failed gets no TLS goodbye: its peer may never answer one.
            self.link.writer.transport.abort()
        if self._closed.done():
            return
        self._closed.set_result(reason)
        for handle in (self._silence, self._quiet):
            if handle is not None:
                handle.cancel()
        self._resolve(reason)
        if self._burst is not None and not self._burst.done():
            self._burst.set_exception(reason)

    async def _read_loop(self) -> None:
        reader = self.link.reader
        try:
            while data := await reader.read(READ_SIZE):
                for frame in self._splitter.feed(data):
                    self._on_frame(frame)
            reason: SteamloopError = ConnectError(f"{self.name}: the thermostat closed the link")
        except SteamloopError as err:
            reason = err
        except OSError as err:
            reason = ConnectError(f"{self.name}: link lost: {err!r}")
            reason.__cause__ = err
        except Exception as err:
            # A stream (a serial driver, say) failing in a way it should not: the link is over.
            _LOGGER.exception("%s: reading the link failed", self.name)
            reason = ConnectError(f"{self.name}: link failed: {type(err).__name__}")
            reason.__cause__ = err
        self._end(reason)

    def _on_frame(self, frame: bytes) -> None:
        """Handle one received frame; nothing raises out of here."""
        self.stats.frames_received += 1
        # Any frame, even one we cannot parse, shows the thermostat is alive.
        self._last_frame = self._loop.time()
        self.capture.frame("rx", frame)
        if _LOGGER.isEnabledFor(logging.DEBUG):
            # The thermostat may quote the key anywhere (an Error's description, say).
            _LOGGER.debug(
                "%s RX %s", self.name, codec.redact(frame, redactor=self.capture.redactor)
            )
        messages = codec.decode_all(frame)
        if not messages:
            self.stats.malformed_frames += 1
            _LOGGER.debug("%s dropped a malformed frame", self.name)
            return
        for message in messages:
            try:
                self._dispatch(message)
            except Exception:
                _LOGGER.exception("%s failed to handle a %s", self.name, type(message).__name__)

    def _dispatch(self, message: Message) -> None:
        if self._expect is not None and self._expect(message):
            return
        if isinstance(message, Event):
            if self._sink is not None:
                self._sink(self.generation, message)
            else:
                self.staging.apply(message, self.capture)
        elif isinstance(message, Response | Request):
            _LOGGER.debug("%s ignored %s %s", self.name, type(message).__name__, message.name)


def login_status(status: str | None) -> int | None:
    """Return a LoginResponse status as a number ("01" and " 1" are 1); None when unreadable."""
    if status is None or not status.strip():
        return None
    try:
        return int(status)
    except ValueError:
        return None


async def pair(
    transport: Transport,
    *,
    timeout: float = PAIRING_TIMEOUT,  # noqa: ASYNC109 - a deadline for the whole pairing
    acknowledged: Callable[[PairingResult], None] | None = None,
    on_refusal: Callable[[], None] | None = None,
) -> PairingResult:
    """Get a key from the thermostat within `timeout`.

    The user may start this before pressing Pair on the thermostat: a refused empty-key login is
    retried on a new link every 5 s until the deadline, which then raises PairingError when the
    thermostat kept refusing and PairingTimeoutError when it never sent a key.

    The key is the result from the moment it is acknowledged: the thermostat uses it from then on.
    So `acknowledged` is called with it at once, and closing the link afterwards is cleanup that the
    deadline does not cover; a caller cancelled during that close still has the key through the
    callback. Cancelling leaves no link open. `on_refusal` is called at each refused login, so a
    caller can tell the user the thermostat is not on its pairing screen yet.
    """
    refused: PairingError | None = None
    session: Session | None = None
    try:
        async with asyncio.timeout(timeout):
            while True:
                session = Session(await transport.connect(), name=transport.name)
                try:
                    key = await session.pair()
                except _PairingRefusedError as err:
                    refused = err
                    _LOGGER.debug("%s: %s; asking again", transport.name, str(err))
                    if on_refusal is not None:
                        on_refusal()
                    await session.close()
                    session = None
                    await asyncio.sleep(PAIRING_RETRY)
                    continue
                break
    except TimeoutError as err:
        accepted = session is not None and session.pairing_accepted
        if session is not None:
            await session.close(graceful=False)
        if refused is not None and not accepted:
            msg = f"{transport.name}: refused to pair for {timeout:g} s (not in pairing mode)"
            raise PairingError(msg) from refused
        msg = f"{transport.name}: no key within {timeout:g} s (is the thermostat in pairing mode?)"
        raise PairingTimeoutError(msg) from err
    except BaseException:
        if session is not None:
            await session.close(graceful=False)
        raise
    result = PairingResult(secret_key=key, fingerprint=session.link.peer_fingerprint)
    if acknowledged is not None:
        acknowledged(result)
    await session.close()
    return result


async def probe(
    transport: Transport,
    secret_key: str,
    *,
    timeout: float = PROBE_TIMEOUT,  # noqa: ASYNC109 - a deadline for login and burst
) -> ProbeResult:
    """Log in once, collect the burst and disconnect: proves the host and the key work.

    The deadline covers the login and the burst; the goodbye after them is cleanup outside it, so
    a thermostat slow to answer the TLS close does not turn a working key into "no login".
    """
    session: Session | None = None
    try:
        async with asyncio.timeout(timeout):
            session = Session(await transport.connect(), name=transport.name)
            await session.login(secret_key)
            state = await session.sync()
    except TimeoutError as err:
        if session is not None:
            await session.close(graceful=False)
        msg = f"{transport.name}: no login and burst within {timeout:g} s"
        raise ConnectError(msg) from err
    except BaseException:
        if session is not None:
            await session.close(graceful=False)
        raise
    await session.close()
    return ProbeResult(fingerprint=session.link.peer_fingerprint, state=state)
