"""The simulator speaks the protocol: TLS, login, burst, pairing, commands and records."""

from __future__ import annotations

import hashlib
import ssl

import pytest

from simulator import Simulator, TestPKI, fingerprint
from simulator.testing import SimulatorFactory

from .conftest import Connect
from .plain_client import frame

KEY, OLD, NEW = "test-key", "old", "new"
BURST_ORDER = [
    "ZoneAdded",
    "ZoneNameUpdated",
    "IndoorTemperatureUpdated",
    "TemperatureSetpointUpdated",
    "ZoneModeUpdated",
] * 2 + [
    "SupportedZoneModesUpdated",
    "FanModeUpdated",
    "EmergencyHeatUpdated",
    "IndoorRelativeHumidityUpdated",
    "CoolingStatusUpdated",
    "HeatingStatusUpdated",
]


async def test_login_gets_status_1_and_the_full_burst(
    thermostat: Simulator, connect: Connect
) -> None:
    client = await connect(thermostat)
    assert await client.login("test-key") == {"Response": {"LoginResponse": {"status": "1"}}}
    burst = await client.burst(thermostat)

    assert [name for name, _ in burst] == BURST_ORDER
    assert burst[:5] == [
        ("ZoneAdded", {"zone_id": "1"}),
        ("ZoneNameUpdated", {"zone_id": "1", "zone_name": "Living Room"}),
        ("IndoorTemperatureUpdated", {"zone_id": "1", "indoor_temperature": "72.00"}),
        (
            "TemperatureSetpointUpdated",
            {
                "zone_id": "1",
                "heat_setpoint": "68",
                "cool_setpoint": "76",
                "deadband": "3",
                "hold_type": "2",
            },
        ),
        ("ZoneModeUpdated", {"zone_id": "1", "zone_mode": "1"}),
    ]
    assert burst[5][1] == {"zone_id": "2"}
    assert dict(burst[10:]) == {
        "SupportedZoneModesUpdated": {"modes": "0,1,2,3"},
        "FanModeUpdated": {"fan_mode": "1"},
        "EmergencyHeatUpdated": {"emergency_heat": "0"},
        "IndoorRelativeHumidityUpdated": {"relative_humidity": "45"},
        "CoolingStatusUpdated": {"cooling_active": "1"},
        "HeatingStatusUpdated": {"heating_active": "1"},
    }
    for _, fields in burst:
        assert all(isinstance(v, str) for v in fields.values())

    (login,) = await thermostat.wait_for_logins(1)
    assert login.accepted
    assert login.secret_key == KEY
    assert (login.device_id, login.device_type) == ("module", "automation")
    assert "test-key" not in repr(login)
    (record,) = thermostat.connected
    assert record.logged_in
    assert record.tls_version == "TLSv1.2"
    assert record.client_certificate is not None


async def test_thermostat_frames_end_with_a_bare_nul(
    thermostat: Simulator, connect: Connect
) -> None:
    client = await connect(thermostat)
    await client.send_bytes(frame({"Request": {"Login": {"secret_key": "test-key"}}}))
    assert await client.raw_frame() == b'{"Response":{"LoginResponse":{"status":"1"}}}\x00'


@pytest.mark.parametrize(
    ("reject_with", "reply"),
    [
        ("status", {"Response": {"LoginResponse": {"status": "0"}}}),
        (
            "error",
            {"Response": {"Error": {"error_type": "1", "description": "Invalid secret key"}}},
        ),
    ],
)
async def test_a_wrong_key_is_rejected(
    thermostat: Simulator, connect: Connect, reject_with: str, reply: dict[str, object]
) -> None:
    thermostat.reject_with = reject_with  # type: ignore[assignment]
    client = await connect(thermostat)
    assert await client.login("wrong") == reply
    (login,) = await thermostat.wait_for_logins(1, accepted=False)
    assert not login.pairing
    assert not thermostat.connected[0].logged_in
    # Nothing else follows a rejection: the next frame answers the next request.
    assert await client.login("test-key") == {"Response": {"LoginResponse": {"status": "1"}}}


async def test_scripted_login_reply_still_sends_the_burst(
    thermostat: Simulator, connect: Connect
) -> None:
    """login_response replaces the reply's body; the burst follows as for any accepted login."""
    thermostat.login_response = {"status": " 01"}
    client = await connect(thermostat)
    assert await client.login("test-key") == {"Response": {"LoginResponse": {"status": " 01"}}}
    assert (await client.event())[0] == "ZoneAdded"
    assert thermostat.connected[0].logged_in


async def test_a_busy_thermostat_turns_every_login_away(
    thermostat: Simulator, connect: Connect
) -> None:
    """busy answers every login, right key included, with an Error, and logs nobody in."""
    thermostat.busy = "too many clients"
    client = await connect(thermostat)
    assert await client.login("test-key") == {
        "Response": {"Error": {"error_type": "2", "description": "too many clients"}}
    }
    assert not thermostat.connected[0].logged_in
    thermostat.busy = None
    assert await client.login("test-key") == {"Response": {"LoginResponse": {"status": "1"}}}


async def test_replay_replaces_the_burst(thermostat: Simulator, connect: Connect) -> None:
    """With replay set, an accepted login gets exactly those frames (and the extras) as burst."""
    thermostat.replay = [b'{"Event":{"ZoneAdded":{"zone_id":"9"}}}\x00']
    thermostat.burst_extras.append(b'{"Event":{"FanModeUpdated":{"fan_mode":"2"}}}\x00')
    client = await connect(thermostat)
    assert await client.login_and_sync_count("test-key", 2) == [
        ("ZoneAdded", {"zone_id": "9"}),
        ("FanModeUpdated", {"fan_mode": "2"}),
    ]


async def test_an_empty_replay_sends_no_burst(thermostat: Simulator, connect: Connect) -> None:
    """A capture with nothing after its login reply: the login is answered, nothing follows."""
    thermostat.replay = []
    client = await connect(thermostat)
    assert await client.login("test-key") == {"Response": {"LoginResponse": {"status": "1"}}}
    await client.heartbeat()
    await thermostat.wait_for_heartbeats(1)
    assert thermostat.connected[0].frames_sent == 1


async def test_an_empty_key_is_rejected_outside_pairing_mode(
    thermostat: Simulator, connect: Connect
) -> None:
    client = await connect(thermostat)
    assert await client.login("") == {"Response": {"LoginResponse": {"status": "0"}}}
    (login,) = await thermostat.wait_for_logins(1, accepted=False)
    assert login.pairing


async def test_pairing_hands_out_a_key_that_works_once_acknowledged(
    simulator_factory: SimulatorFactory, connect: Connect
) -> None:
    sim: Simulator = await simulator_factory(pairing=True, secret_key=OLD, pairing_key=NEW)
    client = await connect(sim)
    assert await client.login("") == {"Response": {"LoginResponse": {"status": "1"}}}
    assert await client.message() == {"Request": {"SetSecretKey": {"secret_key": "new"}}}
    assert sim.secret_key == OLD
    assert not sim.connected[0].logged_in

    await client.send({"Response": {"SecretKeyUpdated": {"secret_key": "new"}}})
    assert await sim.wait_for_pairing() == "new"
    assert sim.secret_key == NEW
    assert not sim.pairing

    await client.login_and_sync(sim, "new")
    other = await connect(sim)
    assert await other.login("") == {"Response": {"LoginResponse": {"status": "0"}}}
    assert await other.login("old") == {"Response": {"LoginResponse": {"status": "0"}}}


async def test_a_wrong_acknowledgement_does_not_change_the_key(
    simulator_factory: SimulatorFactory, connect: Connect
) -> None:
    sim: Simulator = await simulator_factory(secret_key=OLD)
    key = sim.start_pairing()
    client = await connect(sim)
    await client.login("")
    assert await client.message() == {"Request": {"SetSecretKey": {"secret_key": key}}}
    await client.send({"Response": {"SecretKeyUpdated": {"secret_key": "other"}}})
    await client.heartbeat()
    await sim.wait_for_heartbeats(1)
    assert sim.secret_key == OLD
    assert sim.paired_keys == []
    sim.stop_pairing()
    assert await client.login("") == {"Response": {"LoginResponse": {"status": "0"}}}


async def test_commands_are_applied_and_echoed_to_every_logged_in_client(
    thermostat: Simulator, connect: Connect
) -> None:
    first, second, outsider = [await connect(thermostat) for _ in range(3)]
    await first.login_and_sync(thermostat)
    await second.login_and_sync(thermostat)

    await first.request(
        "UpdateTemperatureSetpoint",
        {
            "zone_id": "2",
            "heat_setpoint": "65",
            "cool_setpoint": "80.0",
            "deadband": "3",
            "hold_type": "1",
        },
    )
    expected = (
        "TemperatureSetpointUpdated",
        {
            "zone_id": "2",
            "heat_setpoint": "65",
            "cool_setpoint": "80",
            "deadband": "3",
            "hold_type": "1",
        },
    )
    assert await first.event() == expected
    assert await second.event() == expected

    await second.request("UpdateZoneMode", {"zone_id": "1", "zone_mode": "3"})
    await second.request("UpdateFanMode", {"fan_mode": "3"})
    await second.request("UpdateEmergencyHeat", {"emergency_heat": "1"})
    await second.request("UpdateEmergencyHeat", {"emergency_heat": "2"})
    for client in (first, second):
        assert [await client.event() for _ in range(4)] == [
            ("ZoneModeUpdated", {"zone_id": "1", "zone_mode": "3"}),
            ("FanModeUpdated", {"fan_mode": "3"}),
            ("EmergencyHeatUpdated", {"emergency_heat": "1"}),
            ("EmergencyHeatUpdated", {"emergency_heat": "0"}),
        ]

    zone = thermostat.plant.zones["2"]
    assert (zone.heat_setpoint, zone.cool_setpoint, zone.hold_type) == ("65", "80", "1")
    assert thermostat.plant.zones["1"].mode == "3"
    assert thermostat.plant.fan_mode == "3"
    command = await thermostat.wait_for_command("UpdateEmergencyHeat", 2)
    assert command.fields == {"emergency_heat": "2"}
    assert command.applied
    assert [c.name for c in thermostat.clients[1].commands] == [
        "UpdateZoneMode",
        "UpdateFanMode",
        "UpdateEmergencyHeat",
        "UpdateEmergencyHeat",
    ]
    # A connection that never logged in heard none of it: its first frame answers its login.
    assert await outsider.login("test-key") == {"Response": {"LoginResponse": {"status": "1"}}}


async def test_emergency_heat_off_is_reported_as_configured(
    thermostat: Simulator, connect: Connect
) -> None:
    thermostat.emergency_heat_off = "2"
    client = await connect(thermostat)
    await client.login_and_sync(thermostat)
    await client.request("UpdateEmergencyHeat", {"emergency_heat": "0"})
    assert await client.event() == ("EmergencyHeatUpdated", {"emergency_heat": "2"})


@pytest.mark.parametrize(
    ("name", "fields", "reason"),
    [
        ("UpdateZoneMode", {"zone_id": "9", "zone_mode": "1"}, "unknown zone '9'"),
        ("UpdateZoneMode", {"zone_id": "1", "zone_mode": "7"}, "zone_mode '7' not supported"),
        ("UpdateFanMode", {"fan_mode": "0"}, "fan_mode '0' unknown"),
        ("UpdateEmergencyHeat", {"emergency_heat": "on"}, "emergency_heat 'on' unknown"),
        (
            "UpdateTemperatureSetpoint",
            {"zone_id": "1", "heat_setpoint": "75", "cool_setpoint": "76"},
            "cool 76 - heat 75 is below the deadband 3",
        ),
        (
            "UpdateTemperatureSetpoint",
            {"zone_id": "1", "heat_setpoint": "abc"},
            "heat_setpoint 'abc' is not a number",
        ),
        (
            "UpdateTemperatureSetpoint",
            {"zone_id": "1", "cool_setpoint": "nan"},
            "cool_setpoint 'nan' is not a number",
        ),
        (
            "UpdateTemperatureSetpoint",
            {"zone_id": "1", "cool_setpoint": "120"},
            "cool_setpoint 120 outside 40..99",
        ),
        (
            "UpdateTemperatureSetpoint",
            {"zone_id": "1", "deadband": "20"},
            "deadband 20 outside 0..10",
        ),
        (
            "UpdateTemperatureSetpoint",
            {"zone_id": "1", "hold_type": "4"},
            "hold_type '4' unknown",
        ),
        ("RebootThermostat", {}, "unknown request"),
    ],
)
async def test_invalid_commands_change_nothing(
    thermostat: Simulator,
    connect: Connect,
    name: str,
    fields: dict[str, str],
    reason: str,
) -> None:
    thermostat.set_supported_modes("0,1,2,3,7")
    client = await connect(thermostat)
    await client.login_and_sync(thermostat)
    before = repr(thermostat.plant)
    await client.request(name, fields)
    command = await thermostat.wait_for_command(name)
    assert not command.applied
    assert command.reason == reason
    assert repr(thermostat.plant) == before
    # The next event the client sees is the one the test pushes, not an echo.
    thermostat.set_humidity(50)
    assert await client.event() == ("IndoorRelativeHumidityUpdated", {"relative_humidity": "50"})


async def test_commands_before_login_are_recorded_but_ignored(
    thermostat: Simulator, connect: Connect
) -> None:
    client = await connect(thermostat)
    await client.request("UpdateFanMode", {"fan_mode": "2"})
    command = await thermostat.wait_for_command("UpdateFanMode")
    assert (command.applied, command.reason) == (False, "not logged in")
    assert thermostat.plant.fan_mode == "1"


async def test_heartbeats_are_counted_per_connection(
    thermostat: Simulator, connect: Connect
) -> None:
    first, second = await connect(thermostat), await connect(thermostat)
    await first.heartbeat()
    await first.heartbeat()
    await second.heartbeat()
    assert await thermostat.wait_for_heartbeats(3) == 3
    assert [c.heartbeats for c in thermostat.clients] == [2, 1]
    assert thermostat.connections == 2
    assert [c.client_id for c in await thermostat.wait_for_clients(2)] == [1, 2]


@pytest.mark.parametrize(
    "data",
    [
        b"not json \x00",
        b'{"Request": 5} \x00',
        b'{"Request": {"Login": {"secret_key": 5}}} \x00',
        b'{"Request": {"A": {}, "B": {}}} \x00',
        b'{"Heartbeat": {}, "Request": {}} \x00',
        b'{"Bogus": {}} \x00',
    ],
)
async def test_malformed_client_frames_are_recorded_and_ignored(
    thermostat: Simulator, connect: Connect, data: bytes
) -> None:
    client = await connect(thermostat)
    await client.send_bytes(data)
    await client.heartbeat()
    await thermostat.wait_for_heartbeats(1)
    assert thermostat.malformed_received == 1
    assert thermostat.clients[0].malformed == [data[:-1]]
    assert thermostat.logins == []


async def test_client_frames_may_be_split_and_surrounded_by_garbage(
    thermostat: Simulator, connect: Connect
) -> None:
    client = await connect(thermostat)
    data = b"\x00\x00junk" + frame({"Heartbeat": {}})
    for i in range(len(data)):
        await client.send_bytes(data[i : i + 1])
    await thermostat.wait_for_heartbeats(1)
    assert thermostat.malformed_received == 0


async def test_a_client_flooding_without_terminator_is_reset(
    thermostat: Simulator, connect: Connect
) -> None:
    client = await connect(thermostat)
    client.writer.write(b"{" * ((1 << 20) + 1))
    await thermostat.wait_for_clients(0)
    with pytest.raises(ConnectionError):
        await client.read_to_end()


async def test_strict_mode_requires_a_certificate_from_the_test_ca(
    thermostat: Simulator, connect: Connect
) -> None:
    with pytest.raises((ssl.SSLError, ConnectionError)):
        await connect(thermostat, chain_pem=None)
    with pytest.raises((ssl.SSLError, ConnectionError)):
        await connect(thermostat, chain_pem=TestPKI().client_chain_pem)
    await thermostat.wait_until(lambda: thermostat.handshake_failures == 2 or None)
    assert thermostat.connections == 0
    client = await connect(thermostat, chain_pem=thermostat.pki.issue_client_chain())
    await client.login_and_sync(thermostat)


async def test_open_mode_accepts_a_client_without_a_certificate(
    simulator_factory: SimulatorFactory, connect: Connect
) -> None:
    sim: Simulator = await simulator_factory(mode="open", secret_key=KEY)
    client = await connect(sim, chain_pem=None)
    await client.login_and_sync(sim)
    assert sim.connected[0].client_certificate is None


async def test_a_tls13_client_hello_is_dropped_with_eof(
    thermostat: Simulator, connect: Connect
) -> None:
    with pytest.raises((ssl.SSLError, ConnectionError)):
        await connect(thermostat, maximum_version=ssl.TLSVersion.TLSv1_3)
    assert thermostat.tls13_rejected == 1
    thermostat.reject_tls13 = False
    client = await connect(thermostat, maximum_version=ssl.TLSVersion.TLSv1_3)
    await client.login_and_sync(thermostat)
    # The server never goes above TLS 1.2, whatever the client offers.
    assert thermostat.connected[0].tls_version == "TLSv1.2"


async def test_the_pki_exposes_fingerprints_and_distinct_server_certificates(
    thermostat: Simulator,
) -> None:
    pki = thermostat.pki
    assert thermostat.fingerprint == pki.server_fingerprint == pki.server.fingerprint
    der = ssl.PEM_cert_to_DER_cert(pki.server.cert_pem.decode())
    assert pki.server.fingerprint == hashlib.sha256(der).hexdigest()
    assert len(pki.server.fingerprint) == 64
    assert pki.server.fingerprint == pki.server.fingerprint.lower()
    other = pki.issue_server_certificate()
    assert other.fingerprint != pki.server.fingerprint
    assert fingerprint(other.cert_pem) == other.fingerprint
    assert b"BEGIN CERTIFICATE" in pki.client_chain_pem
    assert b"PRIVATE KEY" in pki.client_chain_pem
    assert b"BEGIN CERTIFICATE" in pki.ca_pem
    assert "key_pem" not in repr(other)


async def test_an_rsa_thermostat_accepts_an_rsa_client(
    simulator_factory: SimulatorFactory, connect: Connect
) -> None:
    sim = await simulator_factory(pki=TestPKI(rsa=True), secret_key=KEY)
    client = await connect(sim, chain_pem=sim.pki.client_chain_pem)
    await client.login_and_sync(sim)
    cipher = client.writer.get_extra_info("cipher")
    assert cipher[1] == "TLSv1.2"
    assert "RSA" in cipher[0]
