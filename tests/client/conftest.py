"""Fixtures for the client's I/O tests: a virtual clock, a recording transport, supervisors.

The simulated thermostat comes from the simulator's pytest plugin: `pki` (one per session),
`thermostat` (strict mode, two zones, key "test-key") and `simulator_factory`.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import async_fire_time_changed_exact

import simulator.testing
from custom_components.steamloop.client import (
    ClientIdentity,
    Link,
    Supervisor,
    TlsTransport,
    Transport,
)
from simulator import Simulator, TestPKI

# The simulator's fixtures, for every test in this folder.
pki = simulator.testing.pki
simulator_factory = simulator.testing.simulator_factory
thermostat = simulator.testing.thermostat

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

    async def settle(self) -> None:
        """Let in-flight loopback I/O and ready callbacks run, without moving time."""
        loop = asyncio.get_running_loop()
        idle = 0
        for _ in range(MAX_SETTLE_PASSES):
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


class RecordingTransport(Transport):
    """Wraps a transport: counts attempts, keeps every link, and can fail the next attempts."""

    def __init__(self, inner: Transport) -> None:
        """Record what `inner` does."""
        self.inner = inner
        self.name = inner.name
        self.attempts = 0
        self.links: list[Link] = []
        self.failures: list[BaseException] = []
        self.attempted = asyncio.Event()

    async def connect(self) -> Link:
        """Connect through `inner`, unless a failure was queued."""
        self.attempts += 1
        try:
            if self.failures:
                raise self.failures.pop(0)
            link = await self.inner.connect()
            self.links.append(link)
            return link
        finally:
            self.attempted.set()


class WorstCase(random.Random):
    """A random source that always picks the longest delay."""

    def uniform(self, a: float, b: float) -> float:
        """Return the upper bound."""
        return max(a, b)


class Quick(random.Random):
    """A random source that always picks a tenth of the longest delay: quick, never zero."""

    def uniform(self, a: float, b: float) -> float:
        """Return a tenth of the way from a to b."""
        return a + (b - a) / 10


@pytest.fixture
def clock(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> Clock:
    """Return the virtual clock."""
    return Clock(hass, freezer)


@pytest.fixture
def fixed_now() -> Callable[[], datetime]:
    """Return a `now` that reads the frozen clock."""
    return lambda: datetime.now(UTC)


@pytest.fixture
def identities(pki: TestPKI) -> list[ClientIdentity]:
    """Return the client identity the simulator's test CA issued."""
    return [ClientIdentity("test", pki.client_chain_pem, pki.ca_pem)]


@pytest.fixture
async def tls(thermostat: Simulator, identities: list[ClientIdentity]) -> TlsTransport:
    """Return a TLS transport to the simulator, its SSL context already built."""
    transport = TlsTransport("127.0.0.1", thermostat.port, identities=identities)
    await transport.prepare()
    return transport


@pytest.fixture
def transport(tls: TlsTransport) -> RecordingTransport:
    """Return the recording wrapper around the TLS transport."""
    return RecordingTransport(tls)


@pytest.fixture
async def make_supervisor(
    transport: RecordingTransport, clock: Clock
) -> AsyncIterator[Callable[..., Supervisor]]:
    """Build supervisors running in the background; all are stopped after the test."""
    made: list[Supervisor] = []
    tasks: list[asyncio.Task[None]] = []

    def make(
        key: str = "test-key",
        *,
        on: Transport | None = None,
        rng: random.Random | None = None,
        start: bool = True,
        **kwargs: Any,
    ) -> Supervisor:
        supervisor = Supervisor(
            on or transport, key, rng=rng if rng is not None else Quick(), **kwargs
        )
        made.append(supervisor)
        if start:
            tasks.append(asyncio.get_running_loop().create_task(supervisor.run()))
        return supervisor

    yield make
    for supervisor in made:
        # A peer that never answers the TLS close holds stop() for its bound: let time run.
        await clock.wait(supervisor.stop(), limit=10)
    for task in tasks:
        assert task.done()
