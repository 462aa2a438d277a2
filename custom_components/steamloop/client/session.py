"""One link's conversation with the thermostat: the login, the initial burst, heartbeats, silence.

A Session owns a Link and the reader task that turns its bytes into messages. It never reconnects:
when the link ends, for whatever reason, ``wait_closed`` tells why and the owner decides what next.
Other one-link conversations (pairing, in pairing.py) use ``exchange``: send a request and wait
for the reply a handler picks out of what arrives.

The login-reply policy is written where it is applied: ``Session._on_login_reply``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable
from typing import Final

from . import codec
from .capture import Capture
from .codec import Event, FrameSplitter, Message, Request, Response
from .errors import (
    AuthenticationError,
    ConnectError,
    SteamloopError,
    ThermostatBusyError,
)
from .state import ThermostatState
from .stats import LinkStats
from .transport import Link

_LOGGER = logging.getLogger(__name__)

HEARTBEAT_INTERVAL: Final = 55.0
LOGIN_TIMEOUT: Final = 10.0
BURST_QUIET: Final = 1.0
# Timers may run a hair before their deadline; this much early still counts as on time.
_TIMER_SLACK: Final = 1e-3
BURST_MAX: Final = 10.0
# A link without a frame this long ends as silent; the reconnect logic's policy starts here and
# adapts the bound of the links it opens (reconnect.SilenceBound).
SILENCE_TIMEOUT: Final = 300.0
WRITE_TIMEOUT: Final = 10.0
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


type EventSink = Callable[[int, Event], None]


class Session:
    """One link: reads frames, answers the login, collects the burst, keeps the link alive."""

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
        """Log in; AuthenticationError when the key is refused, ConnectError on anything else.

        Which replies are which: ``_on_login_reply``.
        """
        self.capture.hide(secret_key)
        try:
            async with asyncio.timeout(LOGIN_TIMEOUT):
                await self.exchange(codec.login(secret_key), self._on_login_reply)
        except TimeoutError as err:
            msg = f"{self.name}: no login reply within {LOGIN_TIMEOUT:g} s"
            raise ConnectError(msg) from err

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

    async def exchange(self, message: Message, expect: Callable[[Message], bool]) -> str:
        """Send `message` and return what `expect` resolves it with (see ``resolve``).

        `expect` sees each message that arrives meanwhile and returns whether it took it (a
        message it takes is not applied to the staging state); it may resolve the exchange with
        text, or fail it with an error. The link ending fails it with the reason.
        """
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

    def resolve(self, result: str | SteamloopError) -> None:
        """End the exchange in progress with `result`; nothing when none is waiting."""
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        if isinstance(result, SteamloopError):
            waiter.set_exception(result)
        else:
            waiter.set_result(result)

    def _on_login_reply(self, message: Message) -> bool:
        """Apply the login-reply policy to a candidate reply; return whether it was one.

        - Success: ``LoginResponse`` whose status reads as the number 1, read as the state reads
          codes (``"1"``, ``"01"``, ``" 1"``).
        - Refusal (AuthenticationError: the reconnect logic gives up and the owner asks for a new
          key): a status that reads as any other number (``"0"``, ``"2"``, ``"-1"``), and an
          ``Error`` reply whose type or description speaks of the key (_REFUSAL_WORDS: key,
          secret, auth..., credential, password, denied, forbidden, permission, pair). A refusal
          is never retried: the thermostat said the key is wrong, and hammering it with the same
          key helps no one.
        - Try again (a ConnectError, retried with the usual backoff): an ``Error`` about anything
          else (``"too many clients"``, busy: ThermostatBusyError), a ``LoginResponse`` without a
          status or with an empty or non-numeric one (``""`` means "not reported", as everywhere
          in the state); and, in ``login``, no reply within LOGIN_TIMEOUT or the link lost before
          the reply. None of these says anything about the key, and asking a user to re-pair over
          a transient would be worse than one more attempt.
        """
        if not isinstance(message, Response):
            return False
        if message.name == "LoginResponse":
            verdict = self._login_verdict(message.fields.get("status"))
            if not verdict:
                # The frame just recorded starts what a capture of this link must keep.
                self.capture.session_started()
            self.resolve(verdict)
            return True
        if message.name == "Error":
            detail = self.error_text(message)
            if _REFUSAL_WORDS.search(detail):
                self.resolve(AuthenticationError(f"the thermostat refused the login: {detail}"))
            else:
                self.resolve(
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
            shown = "none" if status is None else repr(self.text(status))
            return ConnectError(f"{self.name}: LoginResponse with an unreadable status ({shown})")
        return AuthenticationError(f"the thermostat rejected the key (status {code})")

    def error_text(self, message: Response) -> str:
        """Return an Error reply's type and description, bounded and key-free."""
        kind = message.fields.get("error_type", "")
        description = message.fields.get("description", "")
        return f"{self.text(kind)}: {self.text(description)}"

    def text(self, value: str) -> str:
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
        self.resolve(reason)
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
