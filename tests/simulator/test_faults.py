"""Every scripted fault, observed from a plain client."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import socket
import ssl
from datetime import timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from simulator import Malformed, Simulator, client_context
from simulator.testing import SimulatorFactory
from simulator.wire import malformed

from .conftest import Connect
from .plain_client import PlainClient, login_frame

KEY = "test-key"
LOGIN_OK = {"Response": {"LoginResponse": {"status": "1"}}}


def advance(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Move the frozen clock and run the loop timers that became due."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass, dt_util.utcnow())


def peer_fingerprint(client: PlainClient) -> str:
    der = client.writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    return hashlib.sha256(der).hexdigest()


async def test_refuse_and_accept_on_the_same_port(thermostat: Simulator, connect: Connect) -> None:
    client = await connect(thermostat)
    await client.login_and_sync(thermostat)
    port = thermostat.port

    await thermostat.refuse()
    assert not thermostat.listening
    with pytest.raises(ConnectionRefusedError):
        await connect(thermostat)
    # Clients already connected are not part of the outage.
    thermostat.set_humidity(30)
    assert await client.event() == ("IndoorRelativeHumidityUpdated", {"relative_humidity": "30"})

    await thermostat.accept()
    await thermostat.accept()
    assert thermostat.port == port
    other = await connect(thermostat)
    await other.login_and_sync(thermostat)


async def test_close_clients_sends_eof(thermostat: Simulator, connect: Connect) -> None:
    first, second = await connect(thermostat), await connect(thermostat)
    await first.login_and_sync(thermostat)
    thermostat.close_clients()
    assert await first.read_to_end() == b""
    assert await second.read_to_end() == b""
    await thermostat.wait_for_clients(0)
    assert [c.connected for c in thermostat.clients] == [False, False]


async def test_reset_clients_sends_rst(thermostat: Simulator, connect: Connect) -> None:
    client = await connect(thermostat)
    await client.login_and_sync(thermostat)
    thermostat.reset_clients()
    with pytest.raises(ConnectionResetError):
        await client.read_to_end()
    await thermostat.wait_for_clients(0)


async def test_silence_keeps_the_socket_open_and_answers_nothing(
    thermostat: Simulator, connect: Connect
) -> None:
    client = await connect(thermostat)
    await client.login_and_sync(thermostat)
    thermostat.go_silent()
    thermostat.set_humidity(10)  # discarded: a silent thermostat sends nothing
    await client.request("UpdateFanMode", {"fan_mode": "2"})
    # A second connection completes TLS (the stack is alive) but its login is not read either.
    late = await connect(thermostat)
    await late.send_bytes(login_frame("test-key"))
    await thermostat.wait_for_connections(2)
    await thermostat.flush()
    assert thermostat.commands == []
    assert len(thermostat.logins) == 1
    assert not client.reader.at_eof()
    assert thermostat.clients[0].frames_sent == 1 + len(thermostat.plant.burst())

    thermostat.wake()
    assert await client.event() == ("FanModeUpdated", {"fan_mode": "2"})
    assert await late.message() == LOGIN_OK
    assert (await thermostat.wait_for_command("UpdateFanMode")).applied


@pytest.mark.parametrize(("how", "error"), [("reset", ConnectionResetError), ("close", None)])
async def test_drop_at_next_heartbeat_drops_exactly_that_client(
    thermostat: Simulator, connect: Connect, how: str, error: type[Exception] | None
) -> None:
    first, second = await connect(thermostat), await connect(thermostat)
    await first.login_and_sync(thermostat)
    await second.login_and_sync(thermostat)
    thermostat.drop_at_next_heartbeat(how)  # type: ignore[arg-type]

    await first.heartbeat()
    if error is None:
        assert await first.read_to_end() == b""
    else:
        with pytest.raises(error):
            await first.read_to_end()
    (left,) = await thermostat.wait_for_clients(1)
    assert left.client_id == 2
    assert thermostat.clients[0].heartbeats == 1
    # One shot: the next heartbeat is just a heartbeat.
    await second.heartbeat()
    await thermostat.wait_for_heartbeats(2)
    thermostat.set_cooling(2)
    assert await second.event() == ("CoolingStatusUpdated", {"cooling_active": "2"})


async def test_a_client_missing_heartbeats_for_60_s_is_dropped(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, thermostat: Simulator, connect: Connect
) -> None:
    thermostat.enforce_heartbeats(60)
    client = await connect(thermostat)
    await client.login_and_sync(thermostat)

    advance(hass, freezer, 59)
    assert thermostat.heartbeat_timeouts == 0
    await client.heartbeat()
    await thermostat.wait_for_heartbeats(1)
    advance(hass, freezer, 59)
    assert thermostat.heartbeat_timeouts == 0
    advance(hass, freezer, 2)
    assert thermostat.heartbeat_timeouts == 1
    assert await client.read_to_end() == b""
    await thermostat.wait_for_clients(0)


async def test_the_heartbeat_watchdog_sleeps_while_silent(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, thermostat: Simulator, connect: Connect
) -> None:
    thermostat.enforce_heartbeats(60)
    client = await connect(thermostat)
    await client.login_and_sync(thermostat)
    thermostat.go_silent()
    advance(hass, freezer, 120)
    assert thermostat.heartbeat_timeouts == 0
    thermostat.wake()
    advance(hass, freezer, 61)
    assert thermostat.heartbeat_timeouts == 1
    thermostat.enforce_heartbeats(None)


async def test_revoking_the_key_drops_clients_and_rejects_the_old_key(
    thermostat: Simulator, connect: Connect
) -> None:
    client = await connect(thermostat)
    await client.login_and_sync(thermostat)
    new_key = thermostat.revoke_key()
    assert new_key != "test-key"
    assert thermostat.secret_key == new_key
    assert await client.read_to_end() == b""

    again = await connect(thermostat)
    assert await again.login("test-key") == {"Response": {"LoginResponse": {"status": "0"}}}
    assert await again.login(new_key) == LOGIN_OK
    thermostat.set_secret_key("third")
    assert thermostat.revoke_key("fourth", how="reset") == "fourth"
    with pytest.raises(ConnectionResetError):
        await again.read_to_end()


@pytest.mark.parametrize("kind", [k for k in Malformed if k is not Malformed.OVERSIZED])
async def test_malformed_frames_reach_the_client_verbatim(
    thermostat: Simulator, connect: Connect, kind: Malformed
) -> None:
    client = await connect(thermostat)
    await client.login_and_sync(thermostat)
    thermostat.send_malformed(kind)
    assert await client.raw_frame() == malformed(kind, "1")


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        (Malformed.EVENT_NOT_OBJECT, b'{"Event":5}\x00'),
        (Malformed.EVENT_BODY_NOT_OBJECT, b'{"Event":{"IndoorTemperatureUpdated":"x"}}\x00'),
        (
            Malformed.NUMBER_VALUES,
            b'{"Event":{"IndoorTemperatureUpdated":{"zone_id":1,"indoor_temperature":70.5}}}\x00',
        ),
        (Malformed.UNKNOWN_EVENT, b'{"Event":{"SimulatorUnknownEvent":{"value":"1"}}}\x00'),
    ],
)
def test_malformed_frames_are_the_documented_bytes(kind: Malformed, data: bytes) -> None:
    assert malformed(kind, "1") == data


def test_invalid_json_and_non_utf8_do_not_parse() -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - any decode error will do
        json.loads(malformed(Malformed.INVALID_JSON)[:-1])
    with pytest.raises(UnicodeDecodeError):
        malformed(Malformed.NOT_UTF8).decode()


async def test_an_oversized_frame_never_ends(thermostat: Simulator, connect: Connect) -> None:
    client = await connect(thermostat)
    await client.login_and_sync(thermostat)
    thermostat.send_malformed(Malformed.OVERSIZED)
    with pytest.raises(asyncio.LimitOverrunError):
        await client.raw_frame()
    assert b"\x00" not in malformed(Malformed.OVERSIZED)
    assert len(malformed(Malformed.OVERSIZED)) == 1 << 20


async def test_events_and_raw_bytes_can_be_sent_as_scripted(
    thermostat: Simulator, connect: Connect
) -> None:
    client = await connect(thermostat)
    outsider = await connect(thermostat)
    await client.login_and_sync(thermostat)
    thermostat.send_event(
        "IndoorTemperatureUpdated",
        {"zone_id": "1", "indoor_temperature": "60.00"},
        prefix=b"\r\n\x16junk",
        bytewise=True,
    )
    expected = (
        b'{"Event":{"IndoorTemperatureUpdated":{"zone_id":"1","indoor_temperature":"60.00"}}}'
    )
    assert await client.raw_frame() == b"\r\n\x16junk" + expected + b"\x00"
    assert thermostat.plant.zones["1"].indoor_temperature == "72.00"
    thermostat.send_raw(b"\x00\x00abc\x00")
    assert await outsider.raw_frame() == b"\x00"
    assert await client.raw_frame() == b"\x00"


class ChunkCounter(asyncio.Protocol):
    """Records each piece of data as TLS hands it over."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.first_frame: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        joined = b"".join(self.chunks)
        if b"\x00" in joined and not self.first_frame.done():
            self.first_frame.set_result(joined[: joined.index(b"\x00") + 1])


async def test_trickle_delivers_a_frame_one_byte_at_a_time(thermostat: Simulator) -> None:
    thermostat.trickle = True
    loop = asyncio.get_running_loop()
    ctx = await loop.run_in_executor(None, client_context, thermostat.pki.client_chain_pem)
    transport, protocol = await loop.create_connection(
        ChunkCounter, "127.0.0.1", thermostat.port, ssl=ctx
    )
    try:
        transport.write(login_frame("test-key"))
        assert await protocol.first_frame == b'{"Response":{"LoginResponse":{"status":"1"}}}\x00'
        assert len(protocol.chunks) > 1
        assert all(len(chunk) < 10 for chunk in protocol.chunks)
    finally:
        transport.abort()


async def test_reply_delay_holds_every_frame_and_keeps_order(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, thermostat: Simulator, connect: Connect
) -> None:
    thermostat.reply_delay = 5.0
    client = await connect(thermostat)
    await client.send_bytes(login_frame("test-key"))
    await thermostat.wait_for_logins(1)
    advance(hass, freezer, 4)
    assert thermostat.clients[0].frames_sent == 0

    advance(hass, freezer, 1)
    assert await client.message() == LOGIN_OK
    burst = await client.burst(thermostat)
    assert burst == [(name, fields) for name, fields in thermostat.plant.burst()]

    thermostat.set_fan_mode(3)
    thermostat.set_fan_mode(2)
    advance(hass, freezer, 5)
    assert await client.event() == ("FanModeUpdated", {"fan_mode": "3"})
    assert await client.event() == ("FanModeUpdated", {"fan_mode": "2"})


async def test_the_echo_of_a_command_can_be_delayed_or_dropped(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, thermostat: Simulator, connect: Connect
) -> None:
    """A slow thermostat reports a command's change later; one that never confirms applies it
    and reports nothing, while its own changes are still reported at once."""
    client = await connect(thermostat)
    await client.send_bytes(login_frame("test-key"))
    assert await client.message() == LOGIN_OK
    await client.burst(thermostat)

    thermostat.echo_delay = 2.0
    await client.request("UpdateFanMode", {"fan_mode": "3"})
    await thermostat.wait_for_command("UpdateFanMode")
    advance(hass, freezer, 1)
    for _ in range(10):
        await asyncio.sleep(0)
    assert thermostat.clients[0].frames_sent == 1 + len(thermostat.plant.burst())
    advance(hass, freezer, 1)
    assert await client.event() == ("FanModeUpdated", {"fan_mode": "3"})

    thermostat.echo_delay = 0.0
    thermostat.echo = False
    await client.request("UpdateFanMode", {"fan_mode": "2"})
    await thermostat.wait_for_command("UpdateFanMode", 2)
    assert thermostat.plant.fan_mode == "2"
    thermostat.set_humidity(50)
    assert await client.event() == ("IndoorRelativeHumidityUpdated", {"relative_humidity": "50"})


async def test_delayed_frames_are_dropped_with_their_client(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, thermostat: Simulator, connect: Connect
) -> None:
    thermostat.reply_delay = 5.0
    client = await connect(thermostat)
    await client.send_bytes(login_frame("test-key"))
    await thermostat.wait_for_logins(1)
    thermostat.reset_clients()
    await thermostat.wait_for_clients(0)
    advance(hass, freezer, 10)
    assert thermostat.clients[0].frames_sent == 0


async def test_another_server_certificate_for_new_connections(
    thermostat: Simulator, connect: Connect
) -> None:
    before = await connect(thermostat)
    old = thermostat.fingerprint
    certificate = await thermostat.use_server_certificate()
    assert thermostat.fingerprint == certificate.fingerprint != old
    after = await connect(thermostat)
    assert peer_fingerprint(before) == old
    assert peer_fingerprint(after) == certificate.fingerprint
    await after.login_and_sync(thermostat)
    await thermostat.use_server_certificate(thermostat.pki.server)
    assert peer_fingerprint(await connect(thermostat)) == old


async def test_flapping_drops_the_next_clients_right_after_their_burst(
    thermostat: Simulator, connect: Connect
) -> None:
    thermostat.flap(2)
    for _ in range(2):
        client = await connect(thermostat)
        await client.login_and_sync(thermostat)
        assert await client.read_to_end() == b""
    steady = await connect(thermostat)
    await steady.login_and_sync(thermostat)
    await thermostat.wait_for_clients(1, logged_in=True)
    thermostat.set_heating(2)
    assert await steady.event() == ("HeatingStatusUpdated", {"heating_active": "2"})
    assert thermostat.connections == 3


async def test_flapping_can_reset(thermostat: Simulator, connect: Connect) -> None:
    thermostat.flap(1, how="reset")
    client = await connect(thermostat)
    await client.send_bytes(login_frame("test-key"))
    with pytest.raises(ConnectionResetError):
        await client.read_to_end()


async def test_stop_is_idempotent_and_cleans_up_everything(
    simulator_factory: SimulatorFactory, connect: Connect
) -> None:
    sim: Simulator = await simulator_factory(secret_key=KEY, heartbeat_timeout=60)
    client = await connect(sim)
    await client.login_and_sync(sim)
    sim.reply_delay = 30
    sim.set_humidity(1)  # a frame waiting on its delay timer
    idle = await connect(sim)
    await sim.wait_for_connections(2)
    # A TCP connection that never sends a ClientHello: its admission waits on the peek.
    raw = socket.create_connection(("127.0.0.1", sim.port))
    try:
        await sim.open_pty()
        await sim.wait_for_connections(3)
        await sim.stop()
        await sim.stop()
        assert sim.connected == []
        assert not sim.listening
        assert await idle.read_to_end() == b""
    finally:
        raw.close()


async def test_async_with_starts_and_stops(socket_enabled: None) -> None:
    async with Simulator(zones=1, secret_key=KEY, mode="open") as sim:
        client = await PlainClient.connect(sim.port, chain_pem=None)
        burst = await client.login_and_sync(sim)
        assert len(burst) == 5 + 6
        await client.close()
    assert not sim.listening
    with pytest.raises(RuntimeError, match="already started"):
        await sim.start()


async def test_tls_handshake_failures_are_counted(thermostat: Simulator) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", thermostat.port)
    writer.write(b"GET / HTTP/1.0\r\n\r\n")
    with contextlib.suppress(ConnectionResetError):
        assert await reader.read() == b""
    writer.close()
    await writer.wait_closed()
    await thermostat.wait_until(lambda: thermostat.handshake_failures or None)
    assert thermostat.connections == 0


async def test_a_tls12_client_hello_split_in_two_still_connects(thermostat: Simulator) -> None:
    loop = asyncio.get_running_loop()
    ctx = await loop.run_in_executor(None, client_context, thermostat.pki.client_chain_pem)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing)
    reader, writer = await asyncio.open_connection("127.0.0.1", thermostat.port)
    try:
        with pytest.raises(ssl.SSLWantReadError):
            tls.do_handshake()
        hello = outgoing.read()
        writer.write(hello[:3])
        await writer.drain()
        writer.write(hello[3:])
        while True:
            data = await reader.read(65536)
            assert data
            incoming.write(data)
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                writer.write(outgoing.read())
        writer.write(outgoing.read())
        await thermostat.wait_for_connections(1)
        assert thermostat.tls13_rejected == 0
    finally:
        writer.transport.abort()
