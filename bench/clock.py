"""Virtual time for the benchmark cases: the frozen clock moves only when a case moves it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import async_fire_time_changed_exact

# Loopback I/O shows up at the next poll of the loop: a few idle passes in a row mean it landed.
IDLE_PASSES = 3
MAX_SETTLE_PASSES = 500
EPSILON = 1e-9


class DeadlineError(Exception):
    """A condition did not hold within its virtual deadline."""


class Clock:
    """Moves the frozen clock in steps and lets the loop run what became due."""

    def __init__(self, hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
        """Drive `hass`'s loop with `freezer`."""
        self.hass = hass
        self.freezer = freezer
        self.elapsed = 0.0

    async def settle(self) -> None:
        """Run ready callbacks and in-flight loopback I/O without moving time."""
        loop = asyncio.get_running_loop()
        idle = 0
        for _ in range(MAX_SETTLE_PASSES):
            await asyncio.sleep(0)
            # The loop's ready queue is the only signal that nothing is in flight.
            ready = loop._ready  # type: ignore[attr-defined]  # noqa: SLF001
            idle = 0 if ready else idle + 1
            if idle >= IDLE_PASSES:
                return

    async def advance(self, seconds: float, *, step: float = 0.5) -> None:
        """Move time forward by `seconds` in steps, settling before and after each."""
        remaining = seconds
        while remaining > EPSILON:
            await self.settle()
            delta = min(step, remaining)
            remaining -= delta
            self.freezer.tick(timedelta(seconds=delta))
            self.elapsed += delta
            async_fire_time_changed_exact(self.hass)
            await self.settle()

    async def until(
        self, predicate: Callable[[], bool], *, limit: float, step: float = 0.1
    ) -> float | None:
        """Advance until `predicate()` holds; return the seconds it took, None past `limit`."""
        spent = 0.0
        await self.settle()
        while not predicate():
            if spent >= limit - EPSILON:
                return None
            await self.advance(step, step=step)
            spent += step
        return round(spent, 3)

    async def wait(self, awaitable: Awaitable[Any], *, limit: float = 60.0) -> Any:
        """Await `awaitable` while advancing time; raise DeadlineError after `limit` seconds."""
        task = asyncio.ensure_future(awaitable)
        try:
            if await self.until(task.done, limit=limit) is None:
                msg = f"not done within {limit} virtual seconds"
                raise DeadlineError(msg)
        finally:
            if not task.done():
                task.cancel()
                await asyncio.wait([task])
        return task.result()
