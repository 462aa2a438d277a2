"""Fidelity: the upstream steamloop library (the reference client) works against the simulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from steamloop import FanMode, HoldType, ThermostatConnection, ZoneMode

from simulator import Simulator
from simulator.testing import SimulatorFactory

# Upstream's login() returns only after its initial-state drain sees 1 s without a message, and
# pair() polls in 5 s slices; both use asyncio timeouts, i.e. loop timers. Rather than spend that
# second of wall-clock time, the test waits (via an event callback) until the last burst event has
# been applied, then fires the loop timers due within the next seconds, which ends the drain.
DRAIN = timedelta(seconds=2)
TURNS = 100

type NextEvent = Callable[[str], Awaitable[dict[str, Any]]]


class Watcher:
    """Resolves a future when the upstream connection has applied the named event."""

    def __init__(self, conn: ThermostatConnection) -> None:
        self.waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        conn.add_event_callback(self._on_message)

    def expect(self, name: str) -> asyncio.Future[dict[str, Any]]:
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiting[name] = future
        return future

    def _on_message(self, message: dict[str, Any]) -> None:
        for name, fields in message.get("Event", {}).items():
            future = self.waiting.pop(name, None)
            if future is not None and not future.done():
                future.set_result(fields)


async def login_with_virtual_drain(
    hass: HomeAssistant, conn: ThermostatConnection, watcher: Watcher
) -> None:
    """Run upstream's login(), ending its quiet-period drain with virtual time."""
    last = watcher.expect("HeatingStatusUpdated")
    login = asyncio.create_task(conn.login())
    await last
    for _ in range(TURNS):
        if login.done():
            break
        async_fire_time_changed(hass, dt_util.utcnow() + DRAIN)
        await asyncio.sleep(0)  # one loop pass: lets login() reach its next wait
    await login


@pytest.fixture
async def open_thermostat(simulator_factory: SimulatorFactory) -> Simulator:
    """Return an open-mode thermostat in pairing mode, as upstream's own certificates need."""
    return await simulator_factory(mode="open", zones=2, pairing=True)


@pytest.fixture
async def connections() -> AsyncIterator[list[ThermostatConnection]]:
    """Collect upstream connections and disconnect them after the test."""
    made: list[ThermostatConnection] = []
    yield made
    for conn in made:
        await conn.disconnect()


async def test_upstream_pairs_logs_in_and_sees_every_field(
    hass: HomeAssistant,
    open_thermostat: Simulator,
    connections: list[ThermostatConnection],
) -> None:
    sim = open_thermostat
    pairing = ThermostatConnection("127.0.0.1", sim.port, secret_key="")
    connections.append(pairing)
    await pairing.connect()
    result = await pairing.pair()
    assert result["secret_key"] == sim.pairing_key
    assert await sim.wait_for_pairing() == sim.pairing_key
    assert sim.secret_key == pairing.secret_key
    await pairing.disconnect()

    conn = ThermostatConnection("127.0.0.1", sim.port, secret_key=sim.secret_key)
    connections.append(conn)
    watcher = Watcher(conn)
    await conn.connect()
    await login_with_virtual_drain(hass, conn, watcher)

    pair_login, login = await sim.wait_for_logins(2, accepted=True)
    assert (pair_login.pairing, pair_login.secret_key) == (True, "")
    assert (login.pairing, login.device_id, login.device_type) == (False, "module", "automation")
    state = conn.state
    assert set(state.zones) == set(sim.plant.zones) == {"1", "2"}
    for zone_id, expected in sim.plant.zones.items():
        zone = state.zones[zone_id]
        assert zone.name == expected.name
        assert zone.indoor_temperature == expected.indoor_temperature
        assert zone.heat_setpoint == expected.heat_setpoint
        assert zone.cool_setpoint == expected.cool_setpoint
        assert zone.deadband == expected.deadband
        assert zone.hold_type == HoldType(int(expected.hold_type))
        assert zone.mode == ZoneMode(int(expected.mode))
    assert state.supported_modes == [ZoneMode.OFF, ZoneMode.AUTO, ZoneMode.COOL, ZoneMode.HEAT]
    assert state.fan_mode == FanMode.AUTO
    assert state.emergency_heat == sim.plant.emergency_heat == "0"
    assert state.relative_humidity == "45"
    assert (state.cooling_active, state.heating_active) == ("1", "1")

    conn.heartbeat()
    await sim.wait_for_heartbeats(1)


async def test_every_upstream_command_comes_back_as_state(
    hass: HomeAssistant,
    open_thermostat: Simulator,
    connections: list[ThermostatConnection],
) -> None:
    sim = open_thermostat
    sim.stop_pairing()
    conn = ThermostatConnection("127.0.0.1", sim.port, secret_key=sim.secret_key)
    connections.append(conn)
    watcher = Watcher(conn)
    await conn.connect()
    await login_with_virtual_drain(hass, conn, watcher)
    state = conn.state

    echo = watcher.expect("TemperatureSetpointUpdated")
    conn.set_temperature_setpoint("1", heat_setpoint="66", hold_type=HoldType.HOLD)
    await echo
    zone = state.zones["1"]
    assert (zone.heat_setpoint, zone.cool_setpoint, zone.hold_type) == ("66", "76", HoldType.HOLD)
    # Upstream keeps the deadband by raising cool, and the simulator accepts the pair.
    echo = watcher.expect("TemperatureSetpointUpdated")
    conn.set_temperature_setpoint("1", heat_setpoint="75")
    await echo
    assert (zone.heat_setpoint, zone.cool_setpoint, zone.hold_type) == ("75", "78", HoldType.MANUAL)

    echo = watcher.expect("ZoneModeUpdated")
    conn.set_zone_mode("2", ZoneMode.COOL)
    await echo
    assert state.zones["2"].mode == ZoneMode.COOL

    echo = watcher.expect("FanModeUpdated")
    conn.set_fan_mode(FanMode.CIRCULATE)
    await echo
    assert state.fan_mode == FanMode.CIRCULATE

    echo = watcher.expect("EmergencyHeatUpdated")
    conn.set_emergency_heat(True)
    await echo
    assert state.emergency_heat == "1"
    echo = watcher.expect("EmergencyHeatUpdated")
    conn.set_emergency_heat(False)
    await echo
    assert state.emergency_heat == "0"

    assert [c.name for c in sim.commands] == [
        "UpdateTemperatureSetpoint",
        "UpdateTemperatureSetpoint",
        "UpdateZoneMode",
        "UpdateFanMode",
        "UpdateEmergencyHeat",
        "UpdateEmergencyHeat",
    ]
    assert all(c.applied for c in sim.commands)
    assert [c.fields["emergency_heat"] for c in sim.commands[-2:]] == ["1", "2"]

    # Pushed plant changes reach upstream's state too.
    echo = watcher.expect("IndoorTemperatureUpdated")
    sim.set_indoor_temperature("2", 69.5)
    await echo
    assert state.zones["2"].indoor_temperature == "69.50"
