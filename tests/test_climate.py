"""The climate entity: what a zone shows, and what each action sends to the thermostat."""

from __future__ import annotations

import pytest
from homeassistant.components.climate import (
    ATTR_FAN_MODE,
    ATTR_HVAC_MODE,
    ATTR_TARGET_TEMP_HIGH,
    ATTR_TARGET_TEMP_LOW,
    SERVICE_SET_FAN_MODE,
    SERVICE_SET_HVAC_MODE,
    SERVICE_SET_TEMPERATURE,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    HVACAction,
    HVACMode,
)
from homeassistant.components.climate import DOMAIN as CLIMATE_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, ATTR_TEMPERATURE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.steamloop.client import ClientIdentity
from simulator import Simulator

from .conftest import PlatformSnapshot, setup_entry
from .virtual_time import Clock

pytestmark = pytest.mark.usefixtures("us_units")

LIVING = "climate.living_room"
BEDROOM = "climate.bedroom"


async def test_snapshot(platform_snapshot: PlatformSnapshot) -> None:
    """Every zone's climate entity: registry entry and state."""
    await platform_snapshot(Platform.CLIMATE)


async def _call(hass: HomeAssistant, service: str, data: dict[str, object]) -> None:
    await hass.services.async_call(CLIMATE_DOMAIN, service, data, blocking=True)


async def test_climate_reads(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """Auto following the schedule shows a range; heat shows a single target."""
    living = hass.states.get(LIVING)
    assert living.state == HVACMode.AUTO
    assert living.attributes[ATTR_TARGET_TEMP_LOW] == 68
    assert living.attributes[ATTR_TARGET_TEMP_HIGH] == 76
    assert living.attributes["hvac_modes"] == [
        HVACMode.OFF,
        HVACMode.HEAT_COOL,
        HVACMode.AUTO,
        HVACMode.COOL,
        HVACMode.HEAT,
    ]
    bedroom = hass.states.get(BEDROOM)
    assert bedroom.state == HVACMode.HEAT
    assert bedroom.attributes[ATTR_TEMPERATURE] == 67
    assert bedroom.attributes["current_humidity"] == 45
    assert bedroom.attributes["fan_mode"] == "auto"
    assert bedroom.attributes["hvac_action"] == HVACAction.IDLE


async def test_climate_actions(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """Each climate action reaches the thermostat and comes back as state."""
    await _call(
        hass,
        SERVICE_SET_TEMPERATURE,
        {ATTR_ENTITY_ID: LIVING, ATTR_TARGET_TEMP_LOW: 66, ATTR_TARGET_TEMP_HIGH: 78},
    )
    command = await thermostat.wait_for_command("UpdateTemperatureSetpoint")
    assert command.fields["heat_setpoint"] == "66"
    assert command.fields["cool_setpoint"] == "78"
    await clock.until(
        lambda: hass.states.get(LIVING).attributes[ATTR_TARGET_TEMP_LOW] == 66, limit=5
    )

    await _call(
        hass,
        SERVICE_SET_TEMPERATURE,
        {ATTR_ENTITY_ID: BEDROOM, ATTR_TEMPERATURE: 70},
    )
    await clock.until(lambda: hass.states.get(BEDROOM).attributes[ATTR_TEMPERATURE] == 70, limit=5)

    await _call(
        hass,
        SERVICE_SET_HVAC_MODE,
        {ATTR_ENTITY_ID: LIVING, ATTR_HVAC_MODE: "heat_cool"},
    )
    await clock.until(lambda: hass.states.get(LIVING).state == HVACMode.HEAT_COOL, limit=5)
    await _call(
        hass,
        SERVICE_SET_HVAC_MODE,
        {ATTR_ENTITY_ID: LIVING, ATTR_HVAC_MODE: "auto"},
    )
    await clock.until(lambda: hass.states.get(LIVING).state == HVACMode.AUTO, limit=5)

    await _call(hass, SERVICE_TURN_OFF, {ATTR_ENTITY_ID: BEDROOM})
    await clock.until(lambda: hass.states.get(BEDROOM).state == HVACMode.OFF, limit=5)
    await _call(hass, SERVICE_TURN_ON, {ATTR_ENTITY_ID: BEDROOM})
    await clock.until(lambda: hass.states.get(BEDROOM).state == HVACMode.AUTO, limit=5)
    await _call(
        hass,
        SERVICE_SET_HVAC_MODE,
        {ATTR_ENTITY_ID: BEDROOM, ATTR_HVAC_MODE: "cool"},
    )
    await clock.until(lambda: hass.states.get(BEDROOM).state == HVACMode.COOL, limit=5)
    await _call(
        hass,
        SERVICE_SET_TEMPERATURE,
        {ATTR_ENTITY_ID: BEDROOM, ATTR_TEMPERATURE: 74},
    )
    await clock.until(lambda: hass.states.get(BEDROOM).attributes[ATTR_TEMPERATURE] == 74, limit=5)

    await _call(
        hass,
        SERVICE_SET_FAN_MODE,
        {ATTR_ENTITY_ID: LIVING, ATTR_FAN_MODE: "circulate"},
    )
    await clock.until(
        lambda: hass.states.get(BEDROOM).attributes["fan_mode"] == "circulate", limit=5
    )

    # The system cools, and the bedroom is warmer than its new target: it is the zone calling.
    thermostat.set_indoor_temperature("2", 76)
    thermostat.set_cooling(2)
    await clock.until(
        lambda: hass.states.get(BEDROOM).attributes["hvac_action"] == HVACAction.COOLING, limit=5
    )


async def test_climate_invalid_requests(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator
) -> None:
    """A single target in auto, or a range in heat, is refused before anything is sent."""
    with pytest.raises(ServiceValidationError):
        await _call(
            hass,
            SERVICE_SET_TEMPERATURE,
            {ATTR_ENTITY_ID: LIVING, ATTR_TEMPERATURE: 70},
        )
    with pytest.raises(ServiceValidationError):
        await _call(
            hass,
            SERVICE_SET_TEMPERATURE,
            {ATTR_ENTITY_ID: BEDROOM, ATTR_TARGET_TEMP_LOW: 60, ATTR_TARGET_TEMP_HIGH: 80},
        )
    assert thermostat.commands == []


async def test_set_temperature_with_a_new_mode_sets_that_modes_target(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """Heat → cool with 74 sets cooling to 74; cool → heat with 70 sets heating to 70."""
    await _call(
        hass,
        SERVICE_SET_TEMPERATURE,
        {ATTR_ENTITY_ID: BEDROOM, ATTR_TEMPERATURE: 74, ATTR_HVAC_MODE: HVACMode.COOL},
    )
    mode = await thermostat.wait_for_command("UpdateZoneMode")
    assert mode.fields == {"zone_id": "2", "zone_mode": "2"}
    setpoint = await thermostat.wait_for_command("UpdateTemperatureSetpoint")
    assert (setpoint.fields["heat_setpoint"], setpoint.fields["cool_setpoint"]) == ("67", "74")
    await clock.until(lambda: hass.states.get(BEDROOM).attributes[ATTR_TEMPERATURE] == 74, limit=5)
    assert hass.states.get(BEDROOM).state == HVACMode.COOL

    await _call(
        hass,
        SERVICE_SET_TEMPERATURE,
        {ATTR_ENTITY_ID: BEDROOM, ATTR_TEMPERATURE: 70, ATTR_HVAC_MODE: HVACMode.HEAT},
    )
    setpoint = await thermostat.wait_for_command("UpdateTemperatureSetpoint", 2)
    assert (setpoint.fields["heat_setpoint"], setpoint.fields["cool_setpoint"]) == ("70", "74")
    await clock.until(lambda: hass.states.get(BEDROOM).attributes[ATTR_TEMPERATURE] == 70, limit=5)
    assert hass.states.get(BEDROOM).state == HVACMode.HEAT


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({ATTR_TEMPERATURE: 70, ATTR_HVAC_MODE: HVACMode.OFF}, "target_needs_heat_or_cool"),
        ({ATTR_TEMPERATURE: 70, ATTR_HVAC_MODE: HVACMode.AUTO}, "target_needs_heat_or_cool"),
        ({ATTR_TEMPERATURE: 70, ATTR_HVAC_MODE: "dry"}, "unsupported_hvac_mode"),
    ],
)
async def test_set_temperature_with_a_mode_that_has_no_single_target(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    thermostat: Simulator,
    clock: Clock,
    data: dict[str, object],
    key: str,
) -> None:
    """A target with off, auto or an unsupported mode is refused before anything is sent."""
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, SERVICE_SET_TEMPERATURE, {ATTR_ENTITY_ID: BEDROOM, **data})
    assert err.value.translation_key == key
    await clock.settle()
    assert thermostat.commands == []


async def test_range_with_a_single_target_mode_is_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """A low/high range with the heat mode is refused before anything is sent."""
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass,
            SERVICE_SET_TEMPERATURE,
            {
                ATTR_ENTITY_ID: LIVING,
                "target_temp_low": 60,
                "target_temp_high": 80,
                ATTR_HVAC_MODE: HVACMode.HEAT,
            },
        )
    assert err.value.translation_key == "range_needs_auto"
    await clock.settle()
    assert thermostat.commands == []


async def test_setpoints_are_sent_in_whole_degrees(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """72.4 is shown as 72 and sent as 72; an exact deadband range is accepted."""
    await _call(hass, SERVICE_SET_TEMPERATURE, {ATTR_ENTITY_ID: BEDROOM, ATTR_TEMPERATURE: 72.4})
    setpoint = await thermostat.wait_for_command("UpdateTemperatureSetpoint")
    assert setpoint.fields["heat_setpoint"] == "72"

    await _call(
        hass,
        SERVICE_SET_TEMPERATURE,
        {ATTR_ENTITY_ID: LIVING, "target_temp_low": 61.1, "target_temp_high": 64.1},
    )
    setpoint = await thermostat.wait_for_command("UpdateTemperatureSetpoint", 2)
    assert (setpoint.fields["heat_setpoint"], setpoint.fields["cool_setpoint"]) == ("61", "64")


async def test_set_hvac_mode_still_works_for_every_mode(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """Setting a mode alone is unchanged by the command checks."""
    await _call(hass, SERVICE_SET_HVAC_MODE, {ATTR_ENTITY_ID: BEDROOM, ATTR_HVAC_MODE: "cool"})
    await clock.until(lambda: hass.states.get(BEDROOM).state == HVACMode.COOL, limit=5)


async def test_only_the_zone_that_calls_shows_cooling(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """The system cools for the living room: the satisfied bedroom (in cool) shows idle."""
    thermostat.set_zone_mode("2", 2)
    thermostat.set_indoor_temperature("1", 79)
    thermostat.set_cooling(2)
    await clock.until(
        lambda: hass.states.get(LIVING).attributes["hvac_action"] == "cooling", limit=5
    )
    assert hass.states.get(BEDROOM).state == HVACMode.COOL
    assert hass.states.get(BEDROOM).attributes["hvac_action"] == "idle"
    # The bedroom warms past its setpoint (77) and the hysteresis: now it calls too.
    thermostat.set_indoor_temperature("2", 78)
    await clock.until(
        lambda: hass.states.get(BEDROOM).attributes["hvac_action"] == "cooling", limit=5
    )
    # The living room cools down to its setpoint (76) less the hysteresis: satisfied.
    thermostat.set_indoor_temperature("1", 75.4)
    await clock.until(lambda: hass.states.get(LIVING).attributes["hvac_action"] == "idle", limit=5)


async def test_a_zone_added_at_the_thermostat_is_named_and_ends_the_system_action(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    test_client_identity: ClientIdentity,
    thermostat: Simulator,
    clock: Clock,
) -> None:
    """A lone zone shows the system's action; once a named zone appears, the satisfied one idles."""
    thermostat.remove_zone("2")
    thermostat.set_zone_mode("1", 2)
    thermostat.set_cooling(2)
    mock_config_entry.add_to_hass(hass)
    await setup_entry(hass, mock_config_entry, clock)
    # The living room (72 °F, cooling to 76) is satisfied, but it is the only zone.
    assert hass.states.get(LIVING).attributes["hvac_action"] == "cooling"
    thermostat.add_zone("2", name="Bedroom")
    # Its entities are named after the zone (its name follows ZoneAdded in the same report).
    await clock.until(lambda: hass.states.get(BEDROOM) is not None, limit=5)
    assert hass.states.get(LIVING).attributes["hvac_action"] == "idle"
