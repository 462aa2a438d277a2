"""The serial transport end to end: the simulator's protocol over a pseudo-terminal."""

from __future__ import annotations

import asyncio

import pytest

from custom_components.steamloop.client import FanMode, LinkState, SerialTransport, Supervisor
from simulator import Simulator

from .conftest import Clock, Quick, RecordingTransport

pytestmark = pytest.mark.timeout(30)


async def test_login_burst_and_command_over_a_pty(clock: Clock, thermostat: Simulator) -> None:
    """No TLS and no fingerprint, the same protocol: READY with the full state, commands work."""
    path = await thermostat.open_pty()
    transport = RecordingTransport(SerialTransport(path))
    supervisor = Supervisor(transport, "test-key", rng=Quick())
    states: list[bool] = []
    supervisor.add_availability_listener(lambda up, _: states.append(up))
    owner = asyncio.get_running_loop().create_task(supervisor.run())
    try:
        # serialx resolves the port in a worker thread: wait for it in real time, not virtual.
        await transport.attempted.wait()
        assert transport.links, supervisor.last_error
        await clock.until(lambda: supervisor.link_state is LinkState.READY, limit=15)

        assert transport.links[0].peer_fingerprint is None
        assert supervisor.fingerprint is None
        assert set(supervisor.state.zones) == {"1", "2"}
        assert thermostat.clients[0].kind == "pty"
        assert thermostat.logins[0].accepted

        await supervisor.set_fan_mode(FanMode.ALWAYS_ON)
        command = await clock.wait(thermostat.wait_for_command("UpdateFanMode"))
        assert command.applied
        await clock.settle()
        assert supervisor.state.fan_mode is FanMode.ALWAYS_ON

        await clock.advance(55)
        assert thermostat.heartbeats == 1
        assert states == [True]
    finally:
        await clock.wait(supervisor.stop())
    assert owner.done()
    await clock.wait(thermostat.wait_for_clients(1))
