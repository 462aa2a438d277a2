"""Fixtures for the simulator tests: the plugin's own fixtures and a plain client factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from simulator import Simulator
from simulator.testing import pki, simulator_factory, thermostat

from .plain_client import PlainClient

__all__ = ["pki", "simulator_factory", "thermostat"]

type Connect = Callable[..., Awaitable[PlainClient]]


@pytest.fixture
async def connect(pki: Any) -> AsyncIterator[Connect]:
    """Open plain TLS clients (with the test client certificate by default); all closed after."""
    opened: list[PlainClient] = []

    async def open_client(sim: Simulator, **kwargs: Any) -> PlainClient:
        kwargs.setdefault("chain_pem", pki.client_chain_pem)
        client = await PlainClient.connect(sim.port, **kwargs)
        opened.append(client)
        return client

    yield open_client
    for client in opened:
        await client.close()
