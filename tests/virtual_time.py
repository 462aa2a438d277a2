"""Virtual time for tests: Home Assistant's frozen clock, moved only when a test says so.

The loop clock is frozen by freezegun; `Clock` ticks it and runs exactly the loop timers that became
due, letting loopback I/O with the in-process simulator land before and after every step.

Work handed to a thread (`run_in_executor`: getaddrinfo, opening a serial port, loading
certificates) takes real time that virtual time knows nothing of; `settle` waits for it, so on a
loaded machine a step of virtual time cannot pass before that work is done (and fire a timeout
that never would).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import async_fire_time_changed_exact

# Loopback I/O between the client and the in-process simulator shows up at the next poll of the
# event loop, so a few consecutive passes with nothing ready mean everything in flight has landed.
IDLE_PASSES = 3
MAX_SETTLE_PASSES = 500


class Clock:
    """Virtual time: the loop clock is frozen, and only moves when a test says so."""

    def __init__(self, hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
        """Drive `hass`'s loop with `freezer`."""
        self.hass = hass
        self.freezer = freezer
        self.elapsed = 0.0
        self._in_threads: set[asyncio.Future[Any]] = set()
        self._track_executor(hass.loop)

    def _track_executor(self, loop: asyncio.AbstractEventLoop) -> None:
        """Note every job the loop hands to an executor until it is done."""
        hand_over = loop.run_in_executor

        def run_in_executor(executor: Any, func: Callable[..., Any], *args: Any) -> Any:
            future = hand_over(executor, func, *args)
            self._in_threads.add(future)
            future.add_done_callback(self._in_threads.discard)
            return future

        loop.run_in_executor = run_in_executor  # type: ignore[method-assign]

    async def settle(self) -> None:
        """Let in-flight loopback I/O and ready callbacks run, without moving time."""
        loop = asyncio.get_running_loop()
        idle = 0
        for _ in range(MAX_SETTLE_PASSES):
            if self._in_threads:
                # Real time passes in the thread; wake when a job is done, then look again.
                await asyncio.wait(set(self._in_threads), return_when=asyncio.FIRST_COMPLETED)
                idle = 0
                continue
            await asyncio.sleep(0)
            # The loop's ready queue: callbacks due in this pass, I/O callbacks included.
            idle = 0 if loop._ready else idle + 1  # type: ignore[attr-defined]
            if idle >= IDLE_PASSES:
                return

    async def advance(self, seconds: float, *, step: float = 0.5) -> None:
        """Move time forward by `seconds`, in steps, letting I/O run before and after each."""
        remaining = seconds
        while remaining > 1e-9:
            # What is due now (a frame just sent, a task just started) happens now, not later.
            await self.settle()
            delta = min(step, remaining)
            remaining -= delta
            self.freezer.tick(timedelta(seconds=delta))
            self.elapsed += delta
            # Exact: the plain variant adds half a second of slack, firing timers early.
            async_fire_time_changed_exact(self.hass)
            await self.settle()

    async def within(
        self, predicate: Callable[[], bool], *, limit: float, step: float = 0.1
    ) -> float | None:
        """Advance time in small steps until `predicate()` holds; the seconds it took, or None."""
        spent = 0.0
        await self.settle()
        while not predicate():
            if spent >= limit - 1e-9:
                return None
            await self.advance(step, step=step)
            spent += step
        return round(spent, 3)

    async def until(
        self, predicate: Callable[[], bool], *, limit: float, step: float = 0.1
    ) -> float:
        """Like `within`, but fail the test when `predicate()` does not hold within `limit`."""
        spent = await self.within(predicate, limit=limit, step=step)
        if spent is None:
            pytest.fail(f"condition not met within {limit} virtual seconds")
        return spent

    async def wait(
        self, awaitable: Awaitable[Any], *, limit: float = 30.0, step: float = 0.1
    ) -> Any:
        """Await `awaitable` while advancing time; fail after `limit` virtual seconds."""
        task = asyncio.ensure_future(awaitable)
        try:
            await self.until(task.done, limit=limit, step=step)
        finally:
            if not task.done():
                task.cancel()
                await asyncio.wait([task])
        return task.result()
