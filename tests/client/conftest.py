"""Fixtures for the client's I/O tests: a virtual clock, a recording transport, supervisors.

The simulated thermostat comes from the simulator's pytest plugin: `pki` (one per session),
`thermostat` (strict mode, two zones, key "test-key") and `simulator_factory`.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant

import simulator.testing
from custom_components.steamloop.client import (
    Change,
    ClientIdentity,
    Link,
    LinkState,
    Supervisor,
    TlsTransport,
    Transport,
)
from simulator import Simulator, TestPKI
from tests.virtual_time import Clock

# The simulator's fixtures, for every test in this folder.
pki = simulator.testing.pki
simulator_factory = simulator.testing.simulator_factory
thermostat = simulator.testing.thermostat

# The client's loggers all live below this one.
LOGGER = "custom_components.steamloop.client"

type MakeSupervisor = Callable[..., Supervisor]


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


class Seen:
    """Everything the supervisor told its listeners."""

    def __init__(self, supervisor: Supervisor) -> None:
        self.availability: list[tuple[bool, str | None]] = []
        self.changes: list[Change] = []
        supervisor.add_availability_listener(lambda up, why: self.availability.append((up, why)))
        supervisor.add_state_listener(self.changes.append)


def is_ready(supervisor: Supervisor) -> Callable[[], bool]:
    return lambda: supervisor.link_state is LinkState.READY


def relogged(thermostat: Simulator, supervisor: Supervisor, logins: int) -> Callable[[], bool]:
    """Return a condition: READY again, after the given number of logins in all."""
    return lambda: len(thermostat.logins) == logins and supervisor.link_state is LinkState.READY


def client_logs(
    caplog: pytest.LogCaptureFixture, level: int | None = None
) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name.startswith(LOGGER) and (level is None or r.levelno == level)
    ]


async def start(
    make_supervisor: MakeSupervisor, clock: Clock, **kwargs: Any
) -> tuple[Supervisor, Seen]:
    """Start a supervisor (listeners attached before it runs) and wait until READY."""
    supervisor = make_supervisor(**kwargs)
    seen = Seen(supervisor)
    await clock.until(is_ready(supervisor), limit=15)
    return supervisor, seen
