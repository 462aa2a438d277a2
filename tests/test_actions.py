"""Actions chained by scripts, through Home Assistant's own services, against the simulator.

Every action returns once the thermostat reported what it changed, with the entity written by
then, so the next step of a script sees the new mode, targets and supported features. Each
scenario asserts exactly what the simulated thermostat holds afterwards (the side a step did not
touch unchanged, the other zone untouched), with a prompt thermostat, one that reports two
seconds late, and one that never reports.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest
from homeassistant.components.climate import ATTR_HVAC_MODE, ATTR_PRESET_MODE, HVACMode
from homeassistant.const import ATTR_ENTITY_ID, ATTR_TEMPERATURE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.steamloop.client.commands import CONFIRM_TIMEOUT
from simulator import Simulator

from .virtual_time import Clock

pytestmark = pytest.mark.usefixtures("us_units", "socket_enabled")

LIVING = "climate.living_room"
HOLD = "select.living_room_hold"
# Zone 1 as a scenario leaves it: (mode, heat, cool, hold), as the thermostat holds them.
type Held = tuple[str, str, str, str]


def climate(service: str, **data: Any) -> dict[str, Any]:
    """Return a script step calling a climate service on the living room."""
    return {"action": f"climate.{service}", "target": {ATTR_ENTITY_ID: LIVING}, "data": data}


@dataclass(frozen=True)
class Scenario:
    """A zone's start, the steps a script chains, and what the thermostat holds afterwards."""

    start: Held
    steps: list[dict[str, Any]]
    held: Held
    fan: str = "1"
    shown: dict[str, Any] = field(default_factory=dict)


SCENARIOS = {
    # The zone cools to 74 and keeps heating at 68 (not heat 74, cool 77).
    "heat_to_cool_then_temperature": Scenario(
        start=("3", "68", "76", "2"),
        steps=[
            climate("set_hvac_mode", hvac_mode="cool"),
            climate("set_temperature", temperature=74),
        ],
        held=("2", "68", "74", "3"),
        shown={"state": "cool", ATTR_TEMPERATURE: 74},
    ),
    "cool_to_heat_then_temperature": Scenario(
        start=("2", "68", "76", "2"),
        steps=[
            climate("set_hvac_mode", hvac_mode="heat"),
            climate("set_temperature", temperature=70),
        ],
        held=("3", "70", "76", "3"),
        shown={"state": "heat", ATTR_TEMPERATURE: 70},
    ),
    # The second step needs the range feature the first one brings.
    "heat_cool_then_range": Scenario(
        start=("3", "68", "76", "2"),
        steps=[
            climate("set_hvac_mode", hvac_mode="heat_cool"),
            climate("set_temperature", target_temp_low=66, target_temp_high=79),
        ],
        held=("1", "66", "79", "1"),
        shown={"state": "heat_cool", "target_temp_low": 66, "target_temp_high": 79},
    ),
    "heat_cool_then_preset": Scenario(
        start=("3", "68", "76", "2"),
        steps=[
            climate("set_hvac_mode", hvac_mode="heat_cool"),
            climate("set_preset_mode", preset_mode="away"),
        ],
        held=("1", "62", "82", "1"),
        shown={"state": "heat_cool", ATTR_PRESET_MODE: "away"},
    ),
    "preset_then_mode": Scenario(
        start=("1", "68", "76", "2"),
        steps=[
            climate("set_preset_mode", preset_mode="sleep"),
            climate("set_hvac_mode", hvac_mode="cool"),
        ],
        held=("2", "64", "78", "1"),
        shown={"state": "cool", ATTR_PRESET_MODE: "sleep", ATTR_TEMPERATURE: 78},
    ),
    "temperature_then_preset": Scenario(
        start=("3", "68", "76", "2"),
        steps=[
            climate("set_temperature", temperature=71),
            climate("set_preset_mode", preset_mode="away"),
        ],
        held=("3", "62", "82", "1"),
        shown={"state": "heat", ATTR_PRESET_MODE: "away", ATTR_TEMPERATURE: 62},
    ),
    # A hold until the next period stays one when the temperature changes next.
    "hold_then_temperature": Scenario(
        start=("3", "68", "76", "2"),
        steps=[
            {
                "action": "select.select_option",
                "target": {ATTR_ENTITY_ID: HOLD},
                "data": {"option": "until_next_period"},
            },
            climate("set_temperature", temperature=72),
        ],
        held=("3", "72", "76", "3"),
        shown={"state": "heat", ATTR_TEMPERATURE: 72},
    ),
    # Turned on in auto (the schedule), the range is then a hold until the next period.
    "turn_on_then_range": Scenario(
        start=("0", "68", "76", "2"),
        steps=[
            climate("turn_on"),
            climate("set_temperature", target_temp_low=65, target_temp_high=80),
        ],
        held=("1", "65", "80", "3"),
        shown={"state": "auto", "target_temp_low": 65, "target_temp_high": 80},
    ),
    "fan_then_mode": Scenario(
        start=("1", "68", "76", "2"),
        steps=[climate("set_fan_mode", fan_mode="on"), climate("set_hvac_mode", hvac_mode="heat")],
        held=("3", "68", "76", "2"),
        fan="2",
        shown={"state": "heat", "fan_mode": "on", ATTR_TEMPERATURE: 68},
    ),
    # Three steps: mode, range, then a preset.
    "mode_range_preset": Scenario(
        start=("0", "68", "76", "2"),
        steps=[
            climate("set_hvac_mode", hvac_mode="heat_cool"),
            climate("set_temperature", target_temp_low=60, target_temp_high=85),
            climate("set_preset_mode", preset_mode="home"),
        ],
        held=("1", "68", "76", "1"),
        shown={"state": "heat_cool", ATTR_PRESET_MODE: "home"},
    ),
}


def held(thermostat: Simulator, zone_id: str = "1") -> Held:
    zone = thermostat.plant.zones[zone_id]
    return (zone.mode, zone.heat_setpoint, zone.cool_setpoint, zone.hold_type)


async def prepare(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock, scenario: Scenario
) -> None:
    """Put zone 1 where the scenario starts, and register its steps as script.chain."""
    mode, heat, cool, hold = scenario.start
    thermostat.set_zone_mode("1", mode)
    thermostat.set_setpoints("1", heat=float(heat), cool=float(cool), deadband=3, hold_type=hold)
    await clock.settle()
    await hass.async_block_till_done()
    assert await async_setup_component(
        hass, "script", {"script": {"chain": {"sequence": scenario.steps}}}
    )


async def run_chain(hass: HomeAssistant, clock: Clock) -> None:
    await clock.wait(
        hass.services.async_call("script", "chain", blocking=True), limit=3 * CONFIRM_TIMEOUT
    )


def assert_shown(hass: HomeAssistant, shown: dict[str, Any]) -> None:
    state = hass.states.get(LIVING)
    for key, value in shown.items():
        assert (state.state if key == "state" else state.attributes.get(key)) == value, key


@pytest.mark.parametrize("echo_delay", [0.0, 2.0], ids=["prompt", "echo_2s_late"])
@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_a_script_chains_actions(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    thermostat: Simulator,
    clock: Clock,
    name: str,
    echo_delay: float,
) -> None:
    """Each step sees what the one before did: the thermostat holds exactly what was asked."""
    scenario = SCENARIOS[name]
    await prepare(hass, thermostat, clock, scenario)
    bedroom = held(thermostat, "2")
    thermostat.echo_delay = echo_delay

    await run_chain(hass, clock)

    assert held(thermostat) == scenario.held
    assert thermostat.plant.fan_mode == scenario.fan
    assert held(thermostat, "2") == bedroom
    assert all(command.applied for command in thermostat.commands)
    assert_shown(hass, scenario.shown)
    assert init_integration.runtime_data.supervisor.commands.in_flight == 0


async def test_a_step_returns_with_the_entity_written(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """When the echo is late, the action returns with it: not before, and already shown."""
    await prepare(hass, thermostat, clock, SCENARIOS["heat_cool_then_range"])
    thermostat.echo_delay = 2.0
    call = hass.async_create_task(
        hass.services.async_call(
            "climate",
            "set_hvac_mode",
            {ATTR_ENTITY_ID: LIVING, ATTR_HVAC_MODE: "cool"},
            blocking=True,
        )
    )
    spent = await clock.until(call.done, limit=CONFIRM_TIMEOUT)
    assert 2.0 <= spent < 2.5
    assert hass.states.get(LIVING).state == HVACMode.COOL
    assert ATTR_TEMPERATURE in hass.states.get(LIVING).attributes
    await call


@pytest.mark.parametrize("name", ["heat_to_cool_then_temperature", "heat_cool_then_range"])
async def test_a_thermostat_that_never_confirms(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    thermostat: Simulator,
    clock: Clock,
    name: str,
) -> None:
    """No report: a translated error after the bound, nothing else sent, the entity as reported."""
    scenario = SCENARIOS[name]
    await prepare(hass, thermostat, clock, scenario)
    before = hass.states.get(LIVING)
    thermostat.echo = False

    task = hass.async_create_task(hass.services.async_call("script", "chain", blocking=True))
    spent = await clock.until(task.done, limit=2 * CONFIRM_TIMEOUT)
    with pytest.raises(HomeAssistantError) as err:
        await task

    assert err.value.translation_key == "not_confirmed"
    assert CONFIRM_TIMEOUT <= spent < CONFIRM_TIMEOUT + 0.5
    # The first step's frames only; the second step never ran.
    assert {command.name for command in thermostat.commands} <= {
        "UpdateZoneMode",
        "UpdateTemperatureSetpoint",
    }
    assert not any(command.fields.get("heat_setpoint") == "66" for command in thermostat.commands)
    after = hass.states.get(LIVING)
    assert (after.state, after.attributes) == (before.state, before.attributes)
    assert init_integration.runtime_data.supervisor.commands.in_flight == 0


async def test_a_link_that_drops_mid_action(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """The link drops while an action waits for its report: "not connected", not a hang."""
    thermostat.echo = False
    call = hass.async_create_task(
        hass.services.async_call(
            "climate",
            "set_hvac_mode",
            {ATTR_ENTITY_ID: LIVING, ATTR_HVAC_MODE: "cool"},
            blocking=True,
        )
    )
    await thermostat.wait_for_command("UpdateZoneMode")
    thermostat.close_clients()
    spent = await clock.until(call.done, limit=CONFIRM_TIMEOUT)
    assert spent < 1.0
    with pytest.raises(HomeAssistantError) as err:
        await call
    assert err.value.translation_key == "not_connected"
    assert init_integration.runtime_data.supervisor.commands.in_flight == 0


async def test_an_action_that_changes_nothing_returns_at_once(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """Asking for what the zone already holds sends nothing and waits for nothing."""
    thermostat.set_zone_mode("1", "3")
    await clock.settle()
    thermostat.echo = False
    for service, data in [
        ("set_hvac_mode", {ATTR_HVAC_MODE: "heat"}),
        ("set_temperature", {ATTR_TEMPERATURE: 68}),
        ("set_fan_mode", {"fan_mode": "auto"}),
    ]:
        await clock.wait(
            hass.services.async_call(
                "climate", service, {ATTR_ENTITY_ID: LIVING, **data}, blocking=True
            ),
            limit=0.2,
        )
    assert thermostat.commands == []


async def test_zones_do_not_wait_on_each_other_and_one_zone_keeps_order(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """Two zones at once both return with their report; two actions on one zone run in turn,
    the second computed from what the first left."""
    thermostat.set_zone_mode("1", "3")
    thermostat.set_zone_mode("2", "3")
    await clock.settle()
    thermostat.echo_delay = 2.0

    def call(entity_id: str, service: str, **data: Any) -> asyncio.Task[Any]:
        return hass.async_create_task(
            hass.services.async_call(
                "climate", service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
            )
        )

    both = [
        call(LIVING, "set_temperature", temperature=70),
        call("climate.bedroom", "set_temperature", temperature=71),
    ]
    spent = await clock.until(lambda: all(task.done() for task in both), limit=CONFIRM_TIMEOUT)
    assert spent < 2.5
    await asyncio.gather(*both)

    in_turn = [
        call(LIVING, "set_hvac_mode", hvac_mode="cool"),
        call(LIVING, "set_temperature", temperature=73),
    ]
    await clock.until(lambda: all(task.done() for task in in_turn), limit=3 * CONFIRM_TIMEOUT)
    await asyncio.gather(*in_turn)
    assert held(thermostat) == ("2", "70", "73", "3")
    assert held(thermostat, "2")[1] == "71"


async def test_a_zone_that_is_off_shows_no_preset(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """Off holds nothing worth a preset: none is shown or offered until the zone is on again."""
    thermostat.set_setpoints("1", heat=68, cool=76, hold_type=1)
    thermostat.set_zone_mode("1", "0")
    await clock.settle()
    await hass.async_block_till_done()
    assert ATTR_PRESET_MODE not in hass.states.get(LIVING).attributes
    thermostat.set_zone_mode("1", "3")
    await clock.settle()
    await hass.async_block_till_done()
    assert hass.states.get(LIVING).attributes[ATTR_PRESET_MODE] == "home"
