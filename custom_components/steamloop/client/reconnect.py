"""Keeping one thermostat link up: the LinkState machine, backoff, giving up, refreshing silence.

One task (``ReconnectLogic.run``) walks the LinkState machine: connect, log in, collect the burst,
serve the link until it ends, and again. Every failed attempt, whatever raised it, goes to one
handler that logs it and picks the delay before the next attempt; only a refused key or a foreign
certificate stop the retries. Everything about the link is logged at DEBUG: the owner decides what
a user is told (one line when the thermostat is lost, one when it is back).

It holds no thermostat state and sends no commands. It tells its owner what happens through
``LinkCallbacks``, and the owner asks it for the READY link (``ready_session``) when it has
something to send. Which login replies refuse the key and which are worth another try is the
session's rule (``Session._on_login_reply``); here the error kinds are acted on.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final

from .capture import Capture
from .errors import (
    AuthenticationError,
    CertificateMismatchError,
    ConnectError,
    NotReadyError,
    SteamloopError,
)
from .session import SILENCE_TIMEOUT, Session
from .state import ThermostatState
from .stats import LinkStats
from .transport import Transport

_LOGGER = logging.getLogger(__name__)

FIRST_RETRY_MAX: Final = 1.0
RETRY_CAP: Final = 10.0
# A link must stay up this long before a drop is treated as a fresh outage (first retry < 1 s);
# a thermostat that drops every link right after the burst climbs the backoff instead.
STABLE_AFTER: Final = 60.0
# The silence bound's range and growth (SilenceBound); it starts where a lone session's does.
SILENCE_MIN: Final = SILENCE_TIMEOUT
SILENCE_MAX: Final = 1800.0
SILENCE_GROWTH: Final = 2.0

REASON_AUTH: Final = "authentication failed"
REASON_CERT: Final = "certificate mismatch"


class LinkState(StrEnum):
    """Where the supervisor is in its life."""

    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    SYNCING = "syncing"
    READY = "ready"
    AUTH_FAILED = "auth_failed"
    CERT_MISMATCH = "cert_mismatch"
    STOPPED = "stopped"


GIVEN_UP: Final = frozenset({LinkState.AUTH_FAILED, LinkState.CERT_MISMATCH, LinkState.STOPPED})


@dataclass(frozen=True, slots=True)
class LinkCallbacks:
    """What the reconnect logic tells its owner; each is called from the owner task's loop.

    - `synced(session, fresh)`: a link logged in and its burst is in `fresh`. The owner takes the
      burst and the link's further events (``session.go_live``), tells its listeners, and
      returns whether the burst changed anything (a refresh that did had missed updates). No
      await may separate the burst's end from going live, so this is synchronous.
    - `ready()`: that link is now READY, and reported available.
    - `lost()`: the link ended (whatever its state); nothing may wait on it any more.
    - `availability(available, reason)`: once per transition, and at every give-up.
    - `failed(error)`: an attempt failed; another follows after the backoff.
    - `ended(error)`: no attempt follows: the key was refused, the certificate differs, or the
      owner stopped it.
    """

    synced: Callable[[Session, ThermostatState], bool]
    ready: Callable[[], None]
    lost: Callable[[], None]
    availability: Callable[[bool, str | None], None]
    failed: Callable[[SteamloopError], None]
    ended: Callable[[SteamloopError], None]


class SilenceBound:
    """How long a link may go without a frame before it is refreshed, and how refreshes adapt it.

    Liveness without churn: a link is refreshed (a new login, while entities stay available) when
    no frame arrived for the bound. The bound starts at SILENCE_MIN (5 min). A refresh that finds
    nothing wrong (logged in, and the burst equal to the state we had) doubles it, up to
    SILENCE_MAX (30 min), because the thermostat was merely quiet; one that finds a dead peer (the
    attempt fails) or missed updates (the burst differs) brings it back to SILENCE_MIN. A quiet
    healthy thermostat is so refreshed 5 times in two hours, not 24. A peer that hangs with its
    TCP stack still up is seen within the bound plus the connect and login timeouts: at most
    SILENCE_MAX + 20 s (30 min 20 s), and 5 min 20 s until a first refresh succeeded or after any
    failed one. A vanished peer is seen far sooner, by TCP keepalive and the heartbeat write (see
    transport.py). ``LinkStats.silence_bound`` and ``refreshes`` report where the policy stands.
    """

    def __init__(self) -> None:
        """Start at the shortest bound."""
        self.seconds: float = SILENCE_MIN

    def refreshed(self, *, missed: bool) -> None:
        """Stretch the bound after a refresh that found the thermostat well, else reset it."""
        if missed:
            self.seconds = SILENCE_MIN
        else:
            self.seconds = min(self.seconds * SILENCE_GROWTH, SILENCE_MAX)

    def refresh_failed(self) -> None:
        """Reset the bound: the silence was a dead peer after all, so look sooner from now on."""
        self.seconds = SILENCE_MIN


class ReconnectLogic:
    """Keeps one link to a thermostat up, as long as it may, and says what happens to it."""

    def __init__(  # noqa: PLR0913 - keyword-only: what the owner shares with its links
        self,
        transport: Transport,
        secret_key: str,
        *,
        callbacks: LinkCallbacks,
        stats: LinkStats,
        capture: Capture,
        expected_fingerprint: str | None = None,
        rng: random.Random | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        """Connect through `transport` with `secret_key`; pin the peer when a fingerprint is given.

        `stats` and `capture` are the owner's, shared by every link; `rng` draws the backoff
        jitter and `now` stamps the statistics.
        """
        self.transport = transport
        self.link_state = LinkState.DISCONNECTED
        self.fingerprint: str | None = None
        self.last_error: SteamloopError | None = None
        self.available = False
        self.silence = SilenceBound()
        self.stats = stats
        self.stats.silence_bound = self.silence.seconds
        self.capture = capture
        # The link open now (None between links); READY or not, see ``ready_session``.
        self.session: Session | None = None
        self._callbacks = callbacks
        self._secret_key = secret_key
        self._expected = (
            expected_fingerprint.replace(":", "").lower() if expected_fingerprint else None
        )
        self._rng = rng if rng is not None else random.Random()  # noqa: S311 - jitter, not crypto
        self._now = now if now is not None else _utcnow
        self._generation = 0
        self._retries = 0
        self._outage_logged = False
        self._refreshing = False
        self._stable: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._cancelled = False

    def ready_session(self) -> Session:
        """Return the READY link's session; NotReadyError when there is none."""
        session = self.session
        if self.link_state is not LinkState.READY or session is None or session.closed:
            msg = f"{self.transport.name} is not ready ({self.link_state})"
            raise NotReadyError(msg)
        return session

    async def run(self) -> None:
        """Own the link until stop(), or until the key is refused or the certificate differs."""
        if self._task is not None:
            msg = "the supervisor is already running"
            raise RuntimeError(msg)
        task = self._task = asyncio.current_task()
        try:
            await self._supervise()
        except asyncio.CancelledError:
            if self._stopping and task is not None and task.uncancel() == 0:
                return
            raise
        finally:
            if self._stable is not None:
                self._stable.cancel()
            if self.link_state not in GIVEN_UP or self._stopping:
                self.link_state = LinkState.STOPPED
            self._callbacks.ended(self.stopped_error())

    async def stop(self) -> None:
        """Stop for good and release every task, timer and socket; idempotent."""
        self._stopping = True
        task = self._task
        if task is not None and task is not asyncio.current_task() and not task.done():
            # One cancellation however often stop() is called: run() absorbs exactly one.
            if not self._cancelled:
                self._cancelled = True
                task.cancel()
            await asyncio.wait([task])
        self.link_state = LinkState.STOPPED
        # Not told: the owner asked for it.
        self.available = False
        self._callbacks.ended(self.stopped_error())

    async def _supervise(self) -> None:
        delay = 0.0
        while not self._stopping:
            if delay:
                await asyncio.sleep(delay)
            try:
                reason, silent = await self._attempt()
            except Exception as err:  # noqa: BLE001 - every failure, expected or not, goes to one handler
                next_delay = self._attempt_failed(err)
                if next_delay is None:
                    return
                delay = next_delay
            else:
                delay = self._link_ended(reason, silent=silent)

    async def _attempt(self) -> tuple[SteamloopError, bool]:
        """Connect, log in, sync and serve one link; return why it ended and whether by silence."""
        self._set_link_state(LinkState.CONNECTING)
        link = await self.transport.connect()
        self._generation += 1
        session = Session(
            link,
            name=self.transport.name,
            stats=self.stats,
            generation=self._generation,
            silence_timeout=self.silence.seconds,
            capture=self.capture,
        )
        self.session = session
        graceful = False
        try:
            self.fingerprint = link.peer_fingerprint
            if self._expected and link.peer_fingerprint and link.peer_fingerprint != self._expected:
                raise CertificateMismatchError(self._expected, link.peer_fingerprint)
            await session.login(self._secret_key)
            self._set_link_state(LinkState.SYNCING)
            fresh = await session.sync()
            # No await between the end of the burst and going live: no event can fall in between.
            missed = self._callbacks.synced(session, fresh)
            self._went_ready(session, missed=missed)
            self._callbacks.ready()
            outcome = await session.serve(), session.silent
        except asyncio.CancelledError:
            # Stopped on purpose: the link is healthy and deserves a proper TLS close.
            graceful = True
            raise
        finally:
            self.session = None
            self._callbacks.lost()
            if self._stable is not None:
                self._stable.cancel()
            if self.link_state is LinkState.READY:
                self._set_link_state(LinkState.DISCONNECTED)
                self.stats.connected_since = None
                self.stats.disconnects += 1
                self.stats.last_disconnect = self._now()
                self.stats.last_disconnect_reason = str(session.reason or "closed locally")
            await session.close(graceful=graceful)
        return outcome

    def _went_ready(self, session: Session, *, missed: bool) -> None:
        self._set_link_state(LinkState.READY)
        self.stats.connects += 1
        self.stats.connected_since = self._now()
        self.last_error = None
        if self._outage_logged:
            _LOGGER.debug("Reconnected to %s", self.transport.name)
        self._outage_logged = False
        if self._refreshing:
            self.stats.refreshes += 1
            self.silence.refreshed(missed=missed)
            self.stats.silence_bound = session.silence_timeout = self.silence.seconds
        self._refreshing = False
        self._stable = asyncio.get_running_loop().call_later(STABLE_AFTER, self._link_stable)
        self._set_available(available=True, reason=None)

    def _link_stable(self) -> None:
        self._retries = 0

    def _link_ended(self, reason: SteamloopError, *, silent: bool) -> float:
        """Handle the end of a READY link; return the delay before the next attempt."""
        self.last_error = _detached(reason)
        if silent:
            # Silence proves nothing either way: reconnect at once and stay available meanwhile.
            _LOGGER.debug("%s; refreshing the link", self._describe(reason))
            self._refreshing = True
            return 0.0
        _LOGGER.debug("Lost the link: %s", self._describe(reason))
        self._outage_logged = True
        self._set_available(available=False, reason=str(reason))
        return self._backoff()

    def _attempt_failed(self, err: Exception) -> float | None:
        """Log a failed attempt; return the delay before the next, or None to give up."""
        name = self.transport.name
        if isinstance(err, AuthenticationError):
            self._give_up(LinkState.AUTH_FAILED, err, REASON_AUTH)
            return None
        if isinstance(err, CertificateMismatchError):
            self._give_up(LinkState.CERT_MISMATCH, err, REASON_CERT)
            return None
        self.stats.failed_attempts += 1
        if isinstance(err, SteamloopError):
            error = err
            _LOGGER.debug("Cannot connect: %s", self._describe(err))
        else:
            error = ConnectError(f"{name}: unexpected {type(err).__name__}")
            error.__cause__ = err
            _LOGGER.error("Unexpected error while connecting to %s", name, exc_info=err)
        self.last_error = _detached(error)
        self._outage_logged = True
        self._set_link_state(LinkState.DISCONNECTED)
        if self._refreshing:
            self.stats.refreshes += 1
            self.silence.refresh_failed()
            self.stats.silence_bound = self.silence.seconds
            self._refreshing = False
        self._set_available(available=False, reason=str(error))
        self._callbacks.failed(error)
        return self._backoff()

    def _give_up(self, link_state: LinkState, err: SteamloopError, reason: str) -> None:
        _LOGGER.debug("Giving up: %s", self._describe(err))
        self.last_error = _detached(err)
        self._set_link_state(link_state)
        self._refreshing = False
        # Told even when already unavailable: giving up is news the owner must act on.
        self._set_available(available=False, reason=reason, force=True)
        self._callbacks.ended(err)

    def _describe(self, err: BaseException) -> str:
        """Return the error as text that names the thermostat once (log args keep no traceback)."""
        text = str(err) or type(err).__name__
        return text if text.startswith(self.transport.name) else f"{self.transport.name}: {text}"

    def _backoff(self) -> float:
        """Full-jitter backoff: the first retry within 1 s, later ones within min(10, 2**n) s."""
        retries = self._retries
        self._retries += 1
        if retries == 0:
            return self._rng.uniform(0.0, FIRST_RETRY_MAX)
        return self._rng.uniform(0.0, min(RETRY_CAP, 2.0 ** min(retries, 8)))

    def _set_link_state(self, link_state: LinkState) -> None:
        if self.link_state is not link_state:
            _LOGGER.debug("%s: %s -> %s", self.transport.name, self.link_state, link_state)
            self.link_state = link_state

    def _set_available(self, *, available: bool, reason: str | None, force: bool = False) -> None:
        if self.available is available and not force:
            return
        self.available = available
        self._callbacks.availability(available, reason)

    def stopped_error(self) -> ConnectError:
        """Return the error that waiting on a stopped link raises."""
        return ConnectError(f"{self.transport.name}: supervisor stopped")


def _detached[E: BaseException](err: E) -> E:
    """Drop the tracebacks of an error kept for later, so it does not pin a dead link's frames."""
    seen: set[int] = set()
    link: BaseException | None = err
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        link.__traceback__ = None
        link = link.__cause__ or link.__context__
    return err


def _utcnow() -> datetime:
    return datetime.now(UTC)
