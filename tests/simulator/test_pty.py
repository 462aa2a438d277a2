"""The same protocol over a pseudo-terminal, opened the way the serial transport does (serialx)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import pytest
import serialx

from simulator import Simulator

from .plain_client import READ_TIMEOUT, frame, login_frame

type Serial = tuple[asyncio.StreamReader, asyncio.StreamWriter]


@pytest.fixture
async def serial(thermostat: Simulator) -> AsyncIterator[Serial]:
    """Open the thermostat's pty with serialx."""
    path = await thermostat.open_pty()
    reader, writer = await serialx.open_serial_connection(url=path, baudrate=115200)
    yield reader, writer
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()


async def read_message(reader: asyncio.StreamReader) -> dict[str, object]:
    async with asyncio.timeout(READ_TIMEOUT):
        data = await reader.readuntil(b"\x00")
    parsed: dict[str, object] = json.loads(data[:-1])
    return parsed


async def test_login_burst_and_commands_over_a_pty(thermostat: Simulator, serial: Serial) -> None:
    reader, writer = serial
    writer.write(login_frame("test-key"))
    await writer.drain()
    assert await read_message(reader) == {"Response": {"LoginResponse": {"status": "1"}}}
    burst = [await read_message(reader) for _ in thermostat.plant.burst()]
    assert burst[0] == {"Event": {"ZoneAdded": {"zone_id": "1"}}}
    assert burst[-1] == {"Event": {"HeatingStatusUpdated": {"heating_active": "1"}}}

    writer.write(frame({"Request": {"UpdateZoneMode": {"zone_id": "2", "zone_mode": "2"}}}))
    writer.write(frame({"Heartbeat": {}}))
    await writer.drain()
    assert await read_message(reader) == {
        "Event": {"ZoneModeUpdated": {"zone_id": "2", "zone_mode": "2"}}
    }
    await thermostat.wait_for_heartbeats(1)
    (record,) = thermostat.connected
    assert (record.kind, record.tls_version, record.logged_in) == ("pty", None, True)
    assert record.peer.startswith("/dev/")

    thermostat.set_humidity(33)
    assert await read_message(reader) == {
        "Event": {"IndoorRelativeHumidityUpdated": {"relative_humidity": "33"}}
    }


async def test_silence_and_trickle_over_a_pty(thermostat: Simulator, serial: Serial) -> None:
    reader, writer = serial
    thermostat.go_silent()
    writer.write(login_frame("test-key"))
    await writer.drain()
    await thermostat.flush()
    assert thermostat.logins == []
    thermostat.trickle = True
    thermostat.wake()
    assert await read_message(reader) == {"Response": {"LoginResponse": {"status": "1"}}}


async def test_closing_the_pty_hangs_up_the_line(thermostat: Simulator, serial: Serial) -> None:
    reader, _ = serial
    thermostat.close_clients()
    await thermostat.wait_for_clients(0)
    with contextlib.suppress(OSError):
        async with asyncio.timeout(READ_TIMEOUT):
            assert await reader.read() == b""
