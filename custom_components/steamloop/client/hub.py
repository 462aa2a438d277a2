"""The thermostat's state and who listens to it: state and availability listeners, ready waiters.

One ThermostatState lives as long as the supervisor. The session collects each (re)sync in a fresh
staging state; ``synced`` merges it into the long-lived one in place and hands the link's further
events to ``on_event``, so nobody's reference to the state or a Zone goes stale and listeners never
see a half-synced state. The reconnect logic calls the hub through its ``LinkCallbacks``; the hub
never opens, closes or retries a link and sends nothing.

Zone removal: a burst that paused may be cut short, so a zone it lacks is kept for now. It is
removed only when the burst was complete (it reported again every system-wide field the state had
a value for) and the link then stays live ZONE_REMOVAL_AFTER without an event naming the zone; a
link that ends sooner removes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Final

from .capture import Capture
from .codec import Event
from .errors import SteamloopError
from .session import Session
from .state import SYSTEM_FIELDS, Change, ThermostatState

_LOGGER = logging.getLogger(__name__)

# A zone missing from a burst is removed once the link has been live this long without an event
# naming it: a burst that pauses for less than this (between zones, anywhere) removes nothing.
ZONE_REMOVAL_AFTER: Final = 10.0

type AvailabilityListener = Callable[[bool, str | None], None]
type StateListener = Callable[[Change], None]


class StateHub:
    """Owns the live state, tells its listeners, and wakes whoever waits for READY."""

    def __init__(
        self,
        state: ThermostatState,
        *,
        name: str,
        capture: Capture,
        reported: Callable[[], None],
    ) -> None:
        """Keep `state` for the thermostat called `name`.

        `capture` records the protocol surprises of applied events; `reported` is called after
        the listeners heard of a report, so whoever waits for one (commands) sees it last.
        """
        self.state = state
        self.name = name
        self.capture = capture
        self._reported = reported
        self._availability_listeners: list[AvailabilityListener] = []
        self._state_listeners: list[StateListener] = []
        self._ready_waiters: set[asyncio.Future[None]] = set()
        self._fail_fast_waiters: set[asyncio.Future[None]] = set()
        # The generation of the live link's session; events of any other are late and ignored.
        self._live: int | None = None
        self._removal: asyncio.TimerHandle | None = None
        self._missing: set[str] = set()

    def add_availability_listener(self, listener: AvailabilityListener) -> Callable[[], None]:
        """Call `listener(available, reason)` on every availability transition."""
        self._availability_listeners.append(listener)
        return lambda: _discard(self._availability_listeners, listener)

    def add_state_listener(self, listener: StateListener) -> Callable[[], None]:
        """Call `listener(change)` per state-changing event and once per completed sync."""
        self._state_listeners.append(listener)
        return lambda: _discard(self._state_listeners, listener)

    async def wait_ready(
        self,
        timeout: float,  # noqa: ASYNC109 - the owner's deadline
        *,
        first_failure: bool,
    ) -> None:
        """Wait for the next READY; TimeoutError after `timeout` s.

        Raises what ends the link's attempts (``ended``), and with `first_failure` the first
        failed attempt's error (``failed``).
        """
        waiter = asyncio.get_running_loop().create_future()
        self._ready_waiters.add(waiter)
        if first_failure:
            self._fail_fast_waiters.add(waiter)
        try:
            async with asyncio.timeout(timeout):
                await waiter
        finally:
            self._ready_waiters.discard(waiter)
            self._fail_fast_waiters.discard(waiter)

    # What the reconnect logic tells (reconnect.LinkCallbacks).

    def synced(self, session: Session, fresh: ThermostatState) -> bool:
        """Merge a link's burst, take its further events; return whether the state changed."""
        complete = _complete(fresh, self.state)
        change = self.state.sync_from(fresh, complete=complete, remove=False)
        self._live = session.generation
        session.go_live(self.on_event)
        self._notify_state(change)
        if complete:
            self._expect_removal(set(self.state.zones) - set(fresh.zones))
        return bool(change)

    def ready(self) -> None:
        """Wake whoever waits for READY, then settle what the burst reported."""
        for waiter in self._ready_waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._reported()

    def lost(self) -> None:
        """Keep every zone and ignore the link's late events: the link has ended."""
        self._live = None
        if self._removal is not None:
            self._removal.cancel()
            self._removal = None
        self._missing = set()

    def availability(self, available: bool, reason: str | None) -> None:  # noqa: FBT001
        """Tell every availability listener; one that raises is logged and the rest still hear."""
        for listener in list(self._availability_listeners):
            try:
                listener(available, reason)
            except Exception:
                _LOGGER.exception("Availability listener %r failed", listener)

    def failed(self, error: SteamloopError) -> None:
        """Fail the waiters that asked to hear of the first failed attempt."""
        _fail(self._fail_fast_waiters, error)

    def ended(self, error: SteamloopError) -> None:
        """Fail every waiter: no further attempt will make the link READY."""
        _fail(self._ready_waiters, error)

    def on_event(self, generation: int, event: Event) -> None:
        """Apply an event of the live link and tell the listeners what it changed."""
        if generation != self._live:
            _LOGGER.debug("Ignoring %s from an old link", event.name)
            return
        if self._missing:
            # The zone is still there: the burst only paused before it.
            self._missing.discard(event.fields.get("zone_id", ""))
        if change := self.state.apply(event, self.capture):
            self._notify_state(change)
            # After the listeners: whoever shows the state has the report when an action returns.
            self._reported()

    def _expect_removal(self, zone_ids: set[str]) -> None:
        """Remove these zones ZONE_REMOVAL_AFTER from now, unless an event names them first."""
        if zone_ids:
            self._missing = zone_ids
            self._removal = asyncio.get_running_loop().call_later(
                ZONE_REMOVAL_AFTER, self._remove_missing
            )

    def _remove_missing(self) -> None:
        """Remove the zones that the burst lacked and no event has named since."""
        self._removal = None
        gone = [zone_id for zone_id in self._missing if zone_id in self.state.zones]
        self._missing = set()
        for zone_id in gone:
            del self.state.zones[zone_id]
        if gone:
            _LOGGER.debug("%s: zones gone: %s", self.name, ", ".join(sorted(gone)))
            self._notify_state(Change(removed=frozenset(gone)))

    def _notify_state(self, change: Change) -> None:
        for listener in list(self._state_listeners):
            try:
                listener(change)
            except Exception:
                _LOGGER.exception("State listener %r failed", listener)


def _complete(fresh: ThermostatState, known: ThermostatState) -> bool:
    """Return whether a burst reported every system-wide field the known state has a value for."""
    return all(
        getattr(fresh, name) not in (None, ())
        for name in SYSTEM_FIELDS
        if getattr(known, name) not in (None, ())
    )


def _fail(waiters: set[asyncio.Future[None]], error: SteamloopError) -> None:
    for waiter in waiters:
        if not waiter.done():
            waiter.set_exception(error)


def _discard[T](items: list[T], item: T) -> None:
    if item in items:
        items.remove(item)
