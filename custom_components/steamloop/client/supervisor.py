"""The connection owner: keeps one thermostat link up, tells listeners, and sends commands.

One task (``run``) walks the LinkState machine. Every failed attempt, whatever raised it, goes to
one handler that logs it and picks the delay before the next attempt; only a refused key or a
foreign certificate stop the retries. Everything about the link is logged at DEBUG: the owner
decides what a user is told (one line when the thermostat is lost, one when it is back). The
ThermostatState object lives as long as the supervisor: each (re)sync is collected in a fresh
staging state and copied into it in place.

Login replies (decided in ``Session.login``, acted on here):

- Success: ``LoginResponse`` whose status reads as the number 1, read as the state reads codes
  (``"1"``, ``"01"``, ``" 1"``).
- Refusal, so AUTH_FAILED and the owner asks for a new key (reauth): a status that reads as any
  other number (``"0"``, ``"2"``, ``"-1"``), and an ``Error`` reply whose type or description
  speaks of the key (key, secret, auth..., credential, password, denied, forbidden, permission,
  pair). A refusal is never retried: the thermostat said the key is wrong, and hammering it with
  the same key helps no one.
- Try again, with the usual backoff (entities unavailable meanwhile): an ``Error`` about anything
  else (``"too many clients"``, busy: ThermostatBusyError), a ``LoginResponse`` without a status or
  with an empty or non-numeric one (``""`` means "not reported", as everywhere in the state), no
  reply within LOGIN_TIMEOUT, and the link lost before the reply. None of these says anything about
  the key, and asking a user to re-pair over a transient would be worse than one more attempt.

Liveness without churn: a link is refreshed (a new login, while entities stay available) when no
frame arrived for the silence bound. The bound starts at SILENCE_MIN (5 min). A refresh that finds
nothing wrong (logged in, and the burst equal to the state we had) doubles it, up to SILENCE_MAX
(30 min), because the thermostat was merely quiet; one that finds a dead peer (the attempt fails)
or missed updates (the burst differs) brings it back to SILENCE_MIN. A quiet healthy thermostat
is so refreshed 5 times in two hours, not 24. A peer that hangs with its TCP stack still up is seen
within the bound plus the connect and login timeouts: at most SILENCE_MAX + 20 s (30 min 20 s),
and 5 min 20 s until a first refresh succeeded or after any failed one. A vanished peer is seen far
sooner, by TCP keepalive and the heartbeat write (see transport.py). ``stats.silence_bound`` and
``stats.refreshes`` show where the policy stands.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final

from . import rules
from .capture import Capture
from .codec import Event
from .commands import SYSTEM_LANE, Commands, Send
from .errors import (
    AuthenticationError,
    CertificateMismatchError,
    ConnectError,
    InvalidCommandError,
    NotReadyError,
    SteamloopError,
)
from .models import FanMode, HoldType, ZoneMode
from .redact import BASE, Redactor
from .rules import Write, ZoneRequest
from .session import LinkStats, Session
from .state import SYSTEM_FIELDS, Change, ThermostatState, Zone
from .transport import Transport

_LOGGER = logging.getLogger(__name__)

FIRST_RETRY_MAX: Final = 1.0
RETRY_CAP: Final = 10.0
# A link must stay up this long before a drop is treated as a fresh outage (first retry < 1 s);
# a thermostat that drops every link right after the burst climbs the backoff instead.
STABLE_AFTER: Final = 60.0
SILENCE_MIN: Final = 300.0
SILENCE_MAX: Final = 1800.0
SILENCE_GROWTH: Final = 2.0
# A zone missing from a burst is removed once the link has been live this long without an event
# naming it: a burst that pauses for less than this (between zones, anywhere) removes nothing.
ZONE_REMOVAL_AFTER: Final = 10.0

REASON_AUTH: Final = "authentication failed"
REASON_CERT: Final = "certificate mismatch"

type AvailabilityListener = Callable[[bool, str | None], None]
type StateListener = Callable[[Change], None]


class LinkState(StrEnum):
    """Where the supervisor is in its life."""

    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    SYNCING = "syncing"
    READY = "ready"
    AUTH_FAILED = "auth_failed"
    CERT_MISMATCH = "cert_mismatch"
    STOPPED = "stopped"


_GIVEN_UP: Final = frozenset({LinkState.AUTH_FAILED, LinkState.CERT_MISMATCH, LinkState.STOPPED})


class Supervisor:
    """Keeps a thermostat connected and its state fresh."""

    def __init__(  # noqa: PLR0913 - keyword-only knobs past the first two
        self,
        transport: Transport,
        secret_key: str,
        *,
        expected_fingerprint: str | None = None,
        rng: random.Random | None = None,
        now: Callable[[], datetime] | None = None,
        redactor: Redactor = BASE,
    ) -> None:
        """Supervise `transport`; pin the peer to `expected_fingerprint` when given.

        `redactor` masks what the owner knows to be sensitive (addresses, names) in every frame,
        log line and error text of the links, on top of the key.
        """
        self.transport = transport
        self.state = ThermostatState()
        self.link_state = LinkState.DISCONNECTED
        self.fingerprint: str | None = None
        self.stats = LinkStats(silence_bound=SILENCE_MIN)
        self.capture = Capture(redactor=redactor.with_secrets(secret_key))
        self.commands = Commands(self.state)
        self.last_error: SteamloopError | None = None
        self._secret_key = secret_key
        self._expected = (
            expected_fingerprint.replace(":", "").lower() if expected_fingerprint else None
        )
        self._rng = rng if rng is not None else random.Random()  # noqa: S311 - jitter, not crypto
        self._now = now if now is not None else _utcnow
        self._available = False
        self._availability_listeners: list[AvailabilityListener] = []
        self._state_listeners: list[StateListener] = []
        self._ready_waiters: set[asyncio.Future[None]] = set()
        self._fail_fast_waiters: set[asyncio.Future[None]] = set()
        self._session: Session | None = None
        self._generation = 0
        self._retries = 0
        self._outage_logged = False
        self._refreshing = False
        self._stable: asyncio.TimerHandle | None = None
        self._removal: asyncio.TimerHandle | None = None
        self._missing: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._cancelled = False

    @property
    def available(self) -> bool:
        """Return whether entities should show as available (READY, or refreshing a READY link)."""
        return self._available

    def add_availability_listener(self, listener: AvailabilityListener) -> Callable[[], None]:
        """Call `listener(available, reason)` on every availability transition."""
        self._availability_listeners.append(listener)
        return lambda: _discard(self._availability_listeners, listener)

    def add_state_listener(self, listener: StateListener) -> Callable[[], None]:
        """Call `listener(change)` per state-changing event and once per completed sync."""
        self._state_listeners.append(listener)
        return lambda: _discard(self._state_listeners, listener)

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
            if self.link_state not in _GIVEN_UP or self._stopping:
                self.link_state = LinkState.STOPPED
            self._fail_waiters(ConnectError(f"{self.transport.name}: supervisor stopped"))

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
        self._available = False
        self._fail_waiters(ConnectError(f"{self.transport.name}: supervisor stopped"))

    async def wait_ready(
        self,
        timeout: float,  # noqa: ASYNC109 - the owner's deadline
        *,
        first_failure: bool = False,
    ) -> None:
        """Return once READY; raise the give-up error, or ConnectError after `timeout` seconds.

        With `first_failure`, the first failed attempt (refused, unreachable, busy, no login
        reply) raises its error at once instead: the owner retries in its own time, while the
        supervisor keeps trying in the background until stopped.
        """
        if self.link_state is LinkState.READY:
            return
        if self.link_state in _GIVEN_UP:
            raise self.last_error or ConnectError(f"{self.transport.name}: supervisor stopped")
        if first_failure and self.last_error is not None:
            raise self.last_error
        waiter = asyncio.get_running_loop().create_future()
        self._ready_waiters.add(waiter)
        if first_failure:
            self._fail_fast_waiters.add(waiter)
        try:
            async with asyncio.timeout(timeout):
                await waiter
        except TimeoutError:
            msg = f"{self.transport.name}: not ready within {timeout:g} s"
            raise ConnectError(msg) from self.last_error
        finally:
            self._ready_waiters.discard(waiter)
            self._fail_fast_waiters.discard(waiter)

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
            silence_timeout=self.stats.silence_bound,
            capture=self.capture,
        )
        self._session = session
        graceful = False
        try:
            self.fingerprint = link.peer_fingerprint
            if self._expected and link.peer_fingerprint and link.peer_fingerprint != self._expected:
                raise CertificateMismatchError(self._expected, link.peer_fingerprint)
            await session.login(self._secret_key)
            self._set_link_state(LinkState.SYNCING)
            fresh = await session.sync()
            # No await between the end of the burst and going live: no event can fall in between.
            # A burst that paused may be cut short: zones it lacks are kept for now, and removed
            # only once the link has been live ZONE_REMOVAL_AFTER without any event for them,
            # and only when the burst reported again everything system-wide the state knew.
            complete = _complete(fresh, self.state)
            change = self.state.sync_from(fresh, complete=complete, remove=False)
            session.go_live(self._on_event)
            self._went_ready(change)
            if complete:
                self._expect_removal(set(self.state.zones) - set(fresh.zones))
            self.commands.reported()
            outcome = await session.serve(), session.silent
        except asyncio.CancelledError:
            # Stopped on purpose: the link is healthy and deserves a proper TLS close.
            graceful = True
            raise
        finally:
            self._session = None
            self.commands.link_lost(f"{self.transport.name}: the link ended before the report")
            if self._stable is not None:
                self._stable.cancel()
            self._cancel_removal()
            if self.link_state is LinkState.READY:
                self._set_link_state(LinkState.DISCONNECTED)
                self.stats.connected_since = None
                self.stats.disconnects += 1
                self.stats.last_disconnect = self._now()
                self.stats.last_disconnect_reason = str(session.reason or "closed locally")
            await session.close(graceful=graceful)
        return outcome

    def _went_ready(self, change: Change) -> None:
        self._notify_state(change)
        self._set_link_state(LinkState.READY)
        self.stats.connects += 1
        self.stats.connected_since = self._now()
        self.last_error = None
        if self._outage_logged:
            _LOGGER.debug("Reconnected to %s", self.transport.name)
        self._outage_logged = False
        if self._refreshing:
            self._refreshed(missed=bool(change))
            if self._session is not None:
                self._session.silence_timeout = self.stats.silence_bound
        self._refreshing = False
        self._stable = asyncio.get_running_loop().call_later(STABLE_AFTER, self._link_stable)
        self._set_available(available=True, reason=None)
        for waiter in self._ready_waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _expect_removal(self, zone_ids: set[str]) -> None:
        """Remove these zones ZONE_REMOVAL_AFTER from now, unless an event names them first."""
        if zone_ids:
            self._missing = zone_ids
            self._removal = asyncio.get_running_loop().call_later(
                ZONE_REMOVAL_AFTER, self._remove_missing
            )

    def _cancel_removal(self) -> None:
        """Keep every zone: the link that would have proved them gone has ended."""
        if self._removal is not None:
            self._removal.cancel()
            self._removal = None
        self._missing = set()

    def _remove_missing(self) -> None:
        """Remove the zones that the burst lacked and no event has named since."""
        self._removal = None
        gone = [zone_id for zone_id in self._missing if zone_id in self.state.zones]
        self._missing = set()
        for zone_id in gone:
            del self.state.zones[zone_id]
        if gone:
            _LOGGER.debug("%s: zones gone: %s", self.transport.name, ", ".join(sorted(gone)))
            self._notify_state(Change(removed=frozenset(gone)))

    def _link_stable(self) -> None:
        self._retries = 0

    def _refreshed(self, *, missed: bool) -> None:
        """Stretch the silence bound after a refresh, unless the old link had missed updates."""
        self.stats.refreshes += 1
        if missed:
            self.stats.silence_bound = SILENCE_MIN
        else:
            self.stats.silence_bound = min(self.stats.silence_bound * SILENCE_GROWTH, SILENCE_MAX)

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
            # The silence was a dead peer after all: look sooner from now on.
            self.stats.refreshes += 1
            self.stats.silence_bound = SILENCE_MIN
            self._refreshing = False
        self._set_available(available=False, reason=str(error))
        for waiter in self._fail_fast_waiters:
            if not waiter.done():
                waiter.set_exception(error)
        return self._backoff()

    def _give_up(self, link_state: LinkState, err: SteamloopError, reason: str) -> None:
        _LOGGER.debug("Giving up: %s", self._describe(err))
        self.last_error = _detached(err)
        self._set_link_state(link_state)
        self._refreshing = False
        # Told even when already unavailable: giving up is news the owner must act on.
        self._set_available(available=False, reason=reason, force=True)
        self._fail_waiters(err)

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
        if self._available is available and not force:
            return
        self._available = available
        for listener in list(self._availability_listeners):
            try:
                listener(available, reason)
            except Exception:
                _LOGGER.exception("Availability listener %r failed", listener)

    def _notify_state(self, change: Change) -> None:
        for listener in list(self._state_listeners):
            try:
                listener(change)
            except Exception:
                _LOGGER.exception("State listener %r failed", listener)

    def _fail_waiters(self, err: SteamloopError) -> None:
        for waiter in self._ready_waiters:
            if not waiter.done():
                waiter.set_exception(err)

    def _on_event(self, generation: int, event: Event) -> None:
        if generation != self._generation:
            _LOGGER.debug("Ignoring %s from an old link", event.name)
            return
        if self._missing:
            # The zone is still there: the burst only paused before it.
            self._missing.discard(event.fields.get("zone_id", ""))
        if change := self.state.apply(event, self.capture):
            self._notify_state(change)
            # After the listeners: whoever shows the state has the report when an action returns.
            self.commands.reported()

    # Commands: planned by the rules on the state as reported, sent only while READY, and
    # returned from once the thermostat reported them (see commands.py).

    async def change_zone(self, zone_id: str, request: ZoneRequest) -> None:
        """Change a zone's mode, hold and/or setpoints; return once the thermostat reports it."""
        self._ready()
        self._zone(zone_id)

        def plan() -> list[Write]:
            return rules.plan_zone(self._zone(zone_id), request, self.state.supported_modes)

        await self.commands.run(zone_id, plan, self._sender)

    async def set_temperature(
        self,
        zone_id: str,
        *,
        heat: float | None = None,
        cool: float | None = None,
        hold_type: HoldType | None = None,
    ) -> None:
        """Set one or both setpoints, in whole degrees; the side not given keeps the deadband."""
        if heat is None and cool is None and hold_type is None:
            msg = "give a heat or cool setpoint"
            raise rules.RuleError(rules.Refusal.NOTHING_ASKED, msg)
        await self.change_zone(zone_id, ZoneRequest(heat=heat, cool=cool, hold=hold_type))

    async def set_hold_type(self, zone_id: str, hold_type: HoldType) -> None:
        """Keep the zone's current setpoints with a new hold type."""
        await self.change_zone(zone_id, ZoneRequest(hold=hold_type))

    async def set_zone_mode(self, zone_id: str, mode: ZoneMode) -> None:
        """Change a zone's mode; it must be one the thermostat reported as supported."""
        await self.change_zone(zone_id, ZoneRequest(mode=mode))

    async def set_fan_mode(self, mode: FanMode) -> None:
        """Change the system fan mode."""
        self._ready()
        await self.commands.run(SYSTEM_LANE, lambda: rules.fan_mode(self.state, mode), self._sender)

    async def set_emergency_heat(self, on: bool) -> None:  # noqa: FBT001
        """Turn emergency heat on or off."""
        self._ready()
        await self.commands.run(
            SYSTEM_LANE, lambda: rules.emergency_heat(self.state, on=on), self._sender
        )

    def _sender(self) -> Send:
        return self._ready().send

    def _ready(self) -> Session:
        session = self._session
        if self.link_state is not LinkState.READY or session is None or session.closed:
            msg = f"{self.transport.name} is not ready ({self.link_state})"
            raise NotReadyError(msg)
        return session

    def _zone(self, zone_id: str) -> Zone:
        zone = self.state.zones.get(zone_id)
        if zone is None:
            msg = f"unknown zone {zone_id!r}"
            raise InvalidCommandError(msg)
        return zone


def _complete(fresh: ThermostatState, known: ThermostatState) -> bool:
    """Return whether a burst reported every system-wide field the known state has a value for."""
    return all(
        getattr(fresh, name) not in (None, ())
        for name in SYSTEM_FIELDS
        if getattr(known, name) not in (None, ())
    )


def _detached[E: BaseException](err: E) -> E:
    """Drop the tracebacks of an error kept for later, so it does not pin a dead link's frames."""
    seen: set[int] = set()
    link: BaseException | None = err
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        link.__traceback__ = None
        link = link.__cause__ or link.__context__
    return err


def _discard[T](items: list[T], item: T) -> None:
    if item in items:
        items.remove(item)


def _utcnow() -> datetime:
    return datetime.now(UTC)
