"""Pytest plugin with fixtures that start simulated thermostats.

Enable it with ``pytest_plugins = ["simulator.testing"]``.

Fixtures:
    pki                 a TestPKI shared by the session (immutable; mint more with its methods)
    thermostat          a started strict-mode Simulator on 127.0.0.1, free port, two zones,
                        key THERMOSTAT_KEY; stopped at teardown
    simulator_factory   ``await simulator_factory(**Simulator kwargs)`` starts more (pki defaults to
                        the session's); every one is stopped at teardown
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from .pki import TestPKI
from .server import Simulator

THERMOSTAT_KEY = "test-key"

type SimulatorFactory = Callable[..., Awaitable[Simulator]]


@pytest.fixture(scope="session")
def pki() -> TestPKI:
    """Return the session's test PKI."""
    return TestPKI()


@pytest.fixture
async def simulator_factory(pki: TestPKI, socket_enabled: None) -> AsyncIterator[SimulatorFactory]:
    """Start simulators on demand and stop them all at teardown."""
    del socket_enabled
    started: list[Simulator] = []

    async def start(**kwargs: Any) -> Simulator:
        kwargs.setdefault("pki", pki)
        sim = Simulator(**kwargs)
        started.append(sim)
        await sim.start(host="127.0.0.1", port=0)
        return sim

    yield start
    for sim in started:
        await sim.stop()


@pytest.fixture
async def thermostat(simulator_factory: SimulatorFactory, socket_enabled: None) -> Simulator:
    """Return a started strict-mode thermostat with two zones and key THERMOSTAT_KEY."""
    del socket_enabled
    return await simulator_factory(zones=2, secret_key=THERMOSTAT_KEY, mode="strict")
