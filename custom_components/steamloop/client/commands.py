"""Commands in flight: one lane per zone (and one for the system), each waiting for its report.

An action is planned (by ``rules``), sent and confirmed under its lane's lock, so actions on one
zone run in the order they were asked, each computed from the state the previous one left, while
other zones and the system do not wait on them. An action returns once the thermostat reported
every field it changed (it reports each change it accepts to every client); not within
CONFIRM_TIMEOUT seconds is a NotConfirmedError, and a link lost meanwhile a NotReadyError. Nothing
is written to the state here: it only ever holds what the thermostat reported.

The owner calls ``reported`` after it applied a report and told its own listeners, so whoever
shows the state has seen the report before an action returns; ``link_lost`` when the link ends.
No task is created: the waiting is the caller's own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Final

from .codec import Request
from .errors import NotConfirmedError, NotReadyError
from .rules import Write
from .state import ThermostatState

# How long an action waits for the thermostat to report what it changed.
CONFIRM_TIMEOUT: Final = 5.0
SYSTEM_LANE: Final = ""

type Send = Callable[[Request], Awaitable[None]]


@dataclass(slots=True)
class _InFlight:
    """The writes of one action, those not yet confirmed, and the action's future."""

    writes: list[Write]
    done: asyncio.Future[None]
    pending: list[Write] = field(default_factory=list)


class Commands:
    """Sends planned writes lane by lane and waits for the thermostat to report them."""

    def __init__(self, state: ThermostatState, *, timeout: float = CONFIRM_TIMEOUT) -> None:
        """Confirm writes against `state` (the owner's live state)."""
        self.state = state
        self.timeout = timeout
        self._lanes: dict[str, asyncio.Lock] = {}
        self._in_flight: list[_InFlight] = []

    @property
    def in_flight(self) -> int:
        """Return how many actions wait for the thermostat's report."""
        return len(self._in_flight)

    async def run(
        self, lane: str, plan: Callable[[], list[Write]], send: Callable[[], Send]
    ) -> None:
        """Plan, send and confirm one action in its lane.

        `plan` runs once the lane is free, on the state as then reported; a plan without writes
        (nothing to change) returns at once. `send` gives the link to write to, checked when the
        lane is free.
        """
        lock = self._lanes.setdefault(lane, asyncio.Lock())
        async with lock:
            writes = plan()
            if not writes:
                return
            writer = send()
            flight = _InFlight(writes, asyncio.get_running_loop().create_future(), list(writes))
            self._in_flight.append(flight)
            try:
                for write in writes:
                    await writer(write.message)
                self._check(flight)
                async with asyncio.timeout(self.timeout):
                    await flight.done
            except TimeoutError:
                msg = f"the thermostat did not report the change within {self.timeout:g} s"
                raise NotConfirmedError(msg) from None
            finally:
                self._in_flight.remove(flight)
                if not flight.done.done():
                    flight.done.cancel()
                elif not flight.done.cancelled():
                    # A link lost while the frames were still being written: the send raised
                    # already, and this settled future has nothing more to say.
                    flight.done.exception()

    def reported(self) -> None:
        """Settle every action whose writes the state now reports."""
        for flight in list(self._in_flight):
            self._check(flight)

    def link_lost(self, reason: str) -> None:
        """Fail every action in flight: its report cannot come on this link."""
        for flight in self._in_flight:
            if not flight.done.done():
                flight.done.set_exception(NotReadyError(reason))

    def _check(self, flight: _InFlight) -> None:
        # A write confirmed once stays confirmed: a later report (another client, the schedule)
        # does not make an action that was taken wait again.
        flight.pending = [write for write in flight.pending if not write.confirmed(self.state)]
        if not flight.pending and not flight.done.done():
            flight.done.set_result(None)
