"""Virtual time for tests: Home Assistant's frozen clock, moved only when a test says so."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import async_fire_time_changed

# Loopback I/O between the client and the in-process simulator completes within a few passes of
# the event loop per frame (the simulator writes and drains each frame on its own); a login burst
# is a few dozen frames, so this many passes is a generous bound.
SETTLE_PASSES = 300


class Clock:
    """Moves the frozen clock and runs the loop timers that became due."""

    def __init__(self, hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
        """Drive `hass`'s loop with `freezer`."""
        self.hass = hass
        self.freezer = freezer
        self.elapsed = 0.0

    async def settle(self) -> None:
        """Let in-flight loopback I/O and ready callbacks run, without moving time."""
        for _ in range(SETTLE_PASSES):
            await asyncio.sleep(0)

    async def advance(self, seconds: float, *, step: float = 0.5) -> None:
        """Move time forward by `seconds`, in steps, letting I/O run after each."""
        remaining = seconds
        while remaining > 1e-9:
            delta = min(step, remaining)
            remaining -= delta
            self.freezer.tick(timedelta(seconds=delta))
            self.elapsed += delta
            async_fire_time_changed(self.hass)
            await self.settle()

    async def until(
        self, predicate: Callable[[], bool], *, limit: float, step: float = 0.1
    ) -> float:
        """Advance time in small steps until `predicate()` holds; return the seconds it took."""
        spent = 0.0
        await self.settle()
        while not predicate():
            if spent >= limit:
                pytest.fail(f"condition not met within {limit} virtual seconds")
            await self.advance(step, step=step)
            spent += step
        return spent

    async def wait(self, awaitable: Awaitable[Any], *, limit: float = 30.0) -> Any:
        """Await `awaitable` while advancing time; fail after `limit` virtual seconds."""
        task = asyncio.ensure_future(awaitable)
        try:
            await self.until(task.done, limit=limit)
        finally:
            if not task.done():
                task.cancel()
                await asyncio.wait([task])
        return task.result()
