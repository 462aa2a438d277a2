"""The scripted plant: every change reaches logged-in clients as the thermostat's event."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from simulator import Simulator
from simulator.plant import Plant, number, temperature

from .conftest import Connect


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda s: s.set_indoor_temperature("1", 71.5),
            ("IndoorTemperatureUpdated", {"zone_id": "1", "indoor_temperature": "71.50"}),
        ),
        (
            lambda s: s.set_indoor_temperature("2", "bogus"),
            ("IndoorTemperatureUpdated", {"zone_id": "2", "indoor_temperature": "bogus"}),
        ),
        (
            lambda s: s.set_setpoints("1", heat=66),
            ("TemperatureSetpointUpdated", {"zone_id": "1", "heat_setpoint": "66"}),
        ),
        (
            lambda s: s.set_setpoints("2", cool=79.5, deadband=2, hold_type=3),
            (
                "TemperatureSetpointUpdated",
                {"zone_id": "2", "cool_setpoint": "79.5", "deadband": "2", "hold_type": "3"},
            ),
        ),
        (
            lambda s: s.set_zone_mode("2", 0),
            ("ZoneModeUpdated", {"zone_id": "2", "zone_mode": "0"}),
        ),
        (
            lambda s: s.set_zone_name("1", "Den"),
            ("ZoneNameUpdated", {"zone_id": "1", "zone_name": "Den"}),
        ),
        (lambda s: s.set_supported_modes([0, 3]), ("SupportedZoneModesUpdated", {"modes": "0,3"})),
        (lambda s: s.set_supported_modes("0,2"), ("SupportedZoneModesUpdated", {"modes": "0,2"})),
        (lambda s: s.set_fan_mode(2), ("FanModeUpdated", {"fan_mode": "2"})),
        (
            lambda s: s.set_emergency_heat(on=True),
            ("EmergencyHeatUpdated", {"emergency_heat": "1"}),
        ),
        (
            lambda s: s.set_emergency_heat(on=False),
            ("EmergencyHeatUpdated", {"emergency_heat": "0"}),
        ),
        (
            lambda s: s.set_humidity(40.25),
            ("IndoorRelativeHumidityUpdated", {"relative_humidity": "40.25"}),
        ),
        (lambda s: s.set_cooling(2), ("CoolingStatusUpdated", {"cooling_active": "2"})),
        (lambda s: s.set_heating("0"), ("HeatingStatusUpdated", {"heating_active": "0"})),
    ],
)
async def test_each_plant_change_is_pushed(
    thermostat: Simulator,
    connect: Connect,
    change: Callable[[Simulator], None],
    expected: tuple[str, dict[str, str]],
) -> None:
    client = await connect(thermostat)
    await client.login_and_sync(thermostat)
    change(thermostat)
    assert await client.event() == expected
    # The plant keeps the change: the next burst carries it.
    other = await connect(thermostat)
    assert expected[1].items() <= _merged(await other.login_and_sync(thermostat), expected).items()


def _merged(
    burst: list[tuple[str, dict[str, str]]], expected: tuple[str, dict[str, str]]
) -> dict[str, str]:
    name, fields = expected
    merged: dict[str, str] = {}
    for event_name, event_fields in burst:
        if event_name == name and event_fields.get("zone_id") == fields.get("zone_id"):
            merged |= event_fields
    return merged


async def test_an_unknown_zone_is_a_test_error(thermostat: Simulator) -> None:
    with pytest.raises(KeyError, match="no zone '7'"):
        thermostat.set_indoor_temperature("7", 70)


async def test_an_added_zone_is_announced_and_joins_the_burst(
    thermostat: Simulator, connect: Connect
) -> None:
    client = await connect(thermostat)
    await client.login_and_sync(thermostat)
    zone = thermostat.add_zone(name="Garage")
    assert zone.zone_id == "3"
    events = [await client.event() for _ in range(5)]
    assert [name for name, _ in events] == [
        "ZoneAdded",
        "ZoneNameUpdated",
        "IndoorTemperatureUpdated",
        "TemperatureSetpointUpdated",
        "ZoneModeUpdated",
    ]
    assert events[1] == ("ZoneNameUpdated", {"zone_id": "3", "zone_name": "Garage"})

    thermostat.add_zone("9", announce=False)
    with pytest.raises(ValueError, match="exists"):
        thermostat.add_zone("9")
    other = await connect(thermostat)
    burst = await other.login_and_sync(thermostat)
    assert [f["zone_id"] for name, f in burst if name == "ZoneAdded"] == ["1", "2", "3", "9"]


async def test_a_removed_zone_is_absent_from_the_next_burst(
    thermostat: Simulator, connect: Connect
) -> None:
    client = await connect(thermostat)
    await client.login_and_sync(thermostat)
    thermostat.remove_zone("1")
    burst = await client.login_and_sync(thermostat)
    assert [f["zone_id"] for name, f in burst if name == "ZoneAdded"] == ["2"]
    assert all(f.get("zone_id") != "1" for _, f in burst)


async def test_removing_a_zone_can_drop_the_clients(
    thermostat: Simulator, connect: Connect
) -> None:
    client = await connect(thermostat)
    await client.login_and_sync(thermostat)
    thermostat.remove_zone("2", drop="close")
    assert await client.read_to_end() == b""
    await thermostat.wait_for_clients(0)


async def test_extra_burst_frames_follow_the_burst(thermostat: Simulator, connect: Connect) -> None:
    thermostat.burst_extras.append(b'{"Event":{"SimulatorUnknownEvent":{"value":"1"}}}\x00')
    client = await connect(thermostat)
    burst = await client.login_and_sync(thermostat)
    assert burst[-1] == ("SimulatorUnknownEvent", {"value": "1"})


def test_plant_defaults_differ_between_zones() -> None:
    plant = Plant.with_zones(6)
    assert [z.name for z in plant.zones.values()][:3] == ["Living Room", "Bedroom", "Office"]
    assert len({(z.mode, z.heat_setpoint) for z in plant.zones.values()}) == 4
    assert Plant.with_zones(7).zones["7"].name == "Zone 7"
    assert plant.next_zone_id() == "7"
    assert plant.supports("3")
    assert not plant.supports("4")


@pytest.mark.parametrize(
    ("value", "formatted"), [(68, "68"), (68.0, "68"), (68.5, "68.5"), (68.25, "68.25"), ("x", "x")]
)
def test_numbers_are_formatted_like_the_thermostat(value: float | str, formatted: str) -> None:
    assert number(value) == formatted


def test_temperatures_have_two_decimals() -> None:
    assert temperature(72) == "72.00"
    assert temperature("72") == "72"
