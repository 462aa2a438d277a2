"""The serial transport end to end: the simulator's protocol over a pseudo-terminal.

serialx opens a port with worker-thread calls and short sleeps of its own, so this test runs on
the real clock (about a second: the end of the burst) and fires the long timers early instead.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.steamloop.client import ConnectError, FanMode, SerialTransport, Supervisor
from simulator import Simulator

from .conftest import Quick, RecordingTransport

pytestmark = pytest.mark.timeout(30)


async def test_login_burst_and_command_over_a_pty(
    hass: HomeAssistant, thermostat: Simulator
) -> None:
    """No TLS and no fingerprint, the same protocol: READY with the full state, commands work."""
    path = await thermostat.open_pty()
    transport = RecordingTransport(SerialTransport(path))
    supervisor = Supervisor(transport, "test-key", rng=Quick())
    states: list[bool] = []
    supervisor.add_availability_listener(lambda up, _: states.append(up))
    owner = asyncio.get_running_loop().create_task(supervisor.run())
    try:
        await supervisor.wait_ready(10)
        assert transport.links[0].peer_fingerprint is None
        assert supervisor.fingerprint is None
        assert set(supervisor.state.zones) == {"1", "2"}
        assert thermostat.clients[0].kind == "pty"
        assert thermostat.logins[0].accepted

        await supervisor.set_fan_mode(FanMode.ALWAYS_ON)
        command = await thermostat.wait_for_command("UpdateFanMode")
        assert command.applied
        await thermostat.flush()

        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=56))
        await thermostat.wait_for_heartbeats(1)
        assert supervisor.state.fan_mode is FanMode.ALWAYS_ON
        assert states == [True]
    finally:
        await supervisor.stop()
    assert owner.done()


async def test_pty_hang_up_is_a_lost_link(hass: HomeAssistant, thermostat: Simulator) -> None:
    """The thermostat closing the line: unavailable, and retries fail until it is back."""
    path = await thermostat.open_pty()
    supervisor = Supervisor(SerialTransport(path), "test-key", rng=Quick())
    lost = asyncio.Event()
    supervisor.add_availability_listener(lambda up, _: None if up else lost.set())
    owner = asyncio.get_running_loop().create_task(supervisor.run())
    try:
        await supervisor.wait_ready(10)
        thermostat.close_clients()
        async with asyncio.timeout(10):
            await lost.wait()
        assert not supervisor.available
        assert supervisor.stats.disconnects == 1
    finally:
        await supervisor.stop()
    assert owner.done()


async def test_without_serialx_a_serial_link_fails_clearly(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """serialx is not a requirement of ours: where it is missing, only serial links fail."""
    monkeypatch.setitem(sys.modules, "serialx", None)
    with pytest.raises(ConnectError, match="serial connections need serialx"):
        await SerialTransport("/dev/ttyUSB0").connect()


async def test_serialx_is_imported_when_the_first_serial_link_opens(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Not yet imported: it is imported off the event loop, then the port is opened."""
    monkeypatch.delitem(sys.modules, "serialx", raising=False)
    with pytest.raises(ConnectError, match="no-such-port"):
        await SerialTransport(str(tmp_path / "no-such-port")).connect()
    assert "serialx" in sys.modules
