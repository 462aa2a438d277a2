"""Entity states (snapshots) and what each action sends to the thermostat."""

from __future__ import annotations

from datetime import datetime
from unittest.mock import patch

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
from homeassistant.components.climate import (
    DOMAIN as CLIMATE_DOMAIN,
)
from homeassistant.components.select import (
    ATTR_OPTION,
    SERVICE_SELECT_OPTION,
)
from homeassistant.components.select import (
    DOMAIN as SELECT_DOMAIN,
)
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    ATTR_TEMPERATURE,
    STATE_OFF,
    STATE_ON,
    Platform,
)
from homeassistant.const import (
    SERVICE_TURN_OFF as SWITCH_OFF,
)
from homeassistant.const import (
    SERVICE_TURN_ON as SWITCH_ON,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import async_get_platforms
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.steamloop import async_remove_config_entry_device
from custom_components.steamloop.compat import device_by_identifier
from custom_components.steamloop.const import DOMAIN
from simulator import Simulator

from .conftest import setup_entry
from .virtual_time import Clock

pytestmark = pytest.mark.usefixtures("us_units")

LIVING = "climate.living_room"
BEDROOM = "climate.bedroom"
HOLD = "select.living_room_hold"
EMERGENCY = "switch.thermostat_emergency_heat"


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    "platform", [Platform.CLIMATE, Platform.SELECT, Platform.SENSOR, Platform.SWITCH]
)
async def test_snapshot(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    clock: Clock,
    test_client_identity: object,
    thermostat: Simulator,
    platform: Platform,
) -> None:
    """Every entity's registry entry and state, one platform at a time."""
    clock.freezer.move_to("2026-11-01T12:00:00+00:00")
    with patch("custom_components.steamloop.PLATFORMS", [platform]):
        await setup_entry(hass, mock_config_entry, clock, logged_in=thermostat)
    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)


async def test_what_newer_releases_add(
    hass: HomeAssistant, init_integration: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """The two keys the snapshots leave out, on the releases that have them (2026.11 on).

    No entity carries an old name to keep as an alias, and a climate state names the unit its
    temperatures are shown in.
    """
    entries = er.async_entries_for_config_entry(entity_registry, init_integration.entry_id)
    assert entries
    if not hasattr(entries[0], "compat_name"):
        pytest.skip("this Home Assistant release adds neither (before 2026.11)")
    assert [entry.compat_name for entry in entries] == [None] * len(entries)
    for entity_id in (LIVING, BEDROOM):
        assert hass.states.get(entity_id).attributes["temperature_unit"] == "°F"


async def _call(hass: HomeAssistant, domain: str, service: str, data: dict[str, object]) -> None:
    await hass.services.async_call(domain, service, data, blocking=True)


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
        CLIMATE_DOMAIN,
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
        CLIMATE_DOMAIN,
        SERVICE_SET_TEMPERATURE,
        {ATTR_ENTITY_ID: BEDROOM, ATTR_TEMPERATURE: 70},
    )
    await clock.until(lambda: hass.states.get(BEDROOM).attributes[ATTR_TEMPERATURE] == 70, limit=5)

    await _call(
        hass,
        CLIMATE_DOMAIN,
        SERVICE_SET_HVAC_MODE,
        {ATTR_ENTITY_ID: LIVING, ATTR_HVAC_MODE: "heat_cool"},
    )
    await clock.until(lambda: hass.states.get(LIVING).state == HVACMode.HEAT_COOL, limit=5)
    await _call(
        hass,
        CLIMATE_DOMAIN,
        SERVICE_SET_HVAC_MODE,
        {ATTR_ENTITY_ID: LIVING, ATTR_HVAC_MODE: "auto"},
    )
    await clock.until(lambda: hass.states.get(LIVING).state == HVACMode.AUTO, limit=5)

    await _call(hass, CLIMATE_DOMAIN, SERVICE_TURN_OFF, {ATTR_ENTITY_ID: BEDROOM})
    await clock.until(lambda: hass.states.get(BEDROOM).state == HVACMode.OFF, limit=5)
    await _call(hass, CLIMATE_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: BEDROOM})
    await clock.until(lambda: hass.states.get(BEDROOM).state == HVACMode.AUTO, limit=5)
    await _call(
        hass,
        CLIMATE_DOMAIN,
        SERVICE_SET_HVAC_MODE,
        {ATTR_ENTITY_ID: BEDROOM, ATTR_HVAC_MODE: "cool"},
    )
    await clock.until(lambda: hass.states.get(BEDROOM).state == HVACMode.COOL, limit=5)
    await _call(
        hass,
        CLIMATE_DOMAIN,
        SERVICE_SET_TEMPERATURE,
        {ATTR_ENTITY_ID: BEDROOM, ATTR_TEMPERATURE: 74},
    )
    await clock.until(lambda: hass.states.get(BEDROOM).attributes[ATTR_TEMPERATURE] == 74, limit=5)

    await _call(
        hass,
        CLIMATE_DOMAIN,
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
            CLIMATE_DOMAIN,
            SERVICE_SET_TEMPERATURE,
            {ATTR_ENTITY_ID: LIVING, ATTR_TEMPERATURE: 70},
        )
    with pytest.raises(ServiceValidationError):
        await _call(
            hass,
            CLIMATE_DOMAIN,
            SERVICE_SET_TEMPERATURE,
            {ATTR_ENTITY_ID: BEDROOM, ATTR_TARGET_TEMP_LOW: 60, ATTR_TARGET_TEMP_HIGH: 80},
        )
    assert thermostat.commands == []


async def test_actions_while_disconnected(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """An action racing a dropped link raises a translated error; nothing is sent."""
    await thermostat.refuse()
    thermostat.reset_clients()
    await clock.until(lambda: hass.states.get(LIVING).state == "unavailable", limit=5)
    # Home Assistant skips unavailable entities, so call the entity as a racing action would.
    platform = next(p for p in async_get_platforms(hass, DOMAIN) if p.domain == SELECT_DOMAIN)
    with pytest.raises(HomeAssistantError) as err:
        await platform.entities[HOLD].async_select_option("permanent")
    assert err.value.translation_key == "not_connected"
    assert thermostat.commands == []


async def test_hold_select(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """The hold select re-sends the zone's setpoints with the chosen hold."""
    assert hass.states.get(HOLD).state == "schedule"
    await _call(
        hass,
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: HOLD, ATTR_OPTION: "until_next_period"},
    )
    command = await thermostat.wait_for_command("UpdateTemperatureSetpoint")
    assert command.fields["hold_type"] == "3"
    assert command.fields["heat_setpoint"] == "68"
    await clock.until(lambda: hass.states.get(HOLD).state == "until_next_period", limit=5)


async def test_emergency_heat_switch(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """Emergency heat is written "1" on and "2" off, and read back."""
    assert hass.states.get(EMERGENCY).state == STATE_OFF
    await _call(hass, SWITCH_DOMAIN, SWITCH_ON, {ATTR_ENTITY_ID: EMERGENCY})
    command = await thermostat.wait_for_command("UpdateEmergencyHeat")
    assert command.fields == {"emergency_heat": "1"}
    await clock.until(lambda: hass.states.get(EMERGENCY).state == STATE_ON, limit=5)
    await _call(hass, SWITCH_DOMAIN, SWITCH_OFF, {ATTR_ENTITY_ID: EMERGENCY})
    command = await thermostat.wait_for_command("UpdateEmergencyHeat", 2)
    assert command.fields == {"emergency_heat": "2"}
    await clock.until(lambda: hass.states.get(EMERGENCY).state == STATE_OFF, limit=5)


async def test_diagnostics(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    thermostat: Simulator,
    snapshot: SnapshotAssertion,
) -> None:
    """Diagnostics carry state and link statistics, never the key, host or MAC."""
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    text = repr(diagnostics)
    assert "test-key" not in text
    assert "127.0.0.1" not in text
    assert "aa:bb:cc:dd:ee:ff" not in text
    assert diagnostics["link"]["state"] == "ready"
    assert diagnostics["link"]["stats"]["connects"] == 1
    assert set(diagnostics["state"]["zones"]) == {"1", "2"}
    # Readable: names beside the codes, wall-clock times beside the loop's seconds.
    assert diagnostics["state"]["zones"]["2"]["mode"] == "3"
    assert diagnostics["state"]["zones"]["2"]["mode_name"] == "heat"
    frame = diagnostics["capture"]["frames"][0]
    assert abs((datetime.fromisoformat(frame["at"]) - dt_util.utcnow()).total_seconds()) < 60
    volatile = props(
        "entry_id", "created_at", "modified_at", "fingerprint", "connected_since", "port", "t", "at"
    )
    assert diagnostics == snapshot(exclude=volatile)


async def test_remove_stale_zone_device(
    hass: HomeAssistant, init_integration: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    """Only devices of zones the thermostat no longer reports may be deleted."""
    entry = init_integration
    coordinator = entry.runtime_data
    thermostat_device = device_by_identifier(
        device_registry, (DOMAIN, coordinator.device_key), entry.entry_id
    )
    zone_device = device_by_identifier(
        device_registry, (DOMAIN, coordinator.zone_key("1")), entry.entry_id
    )
    stale = device_registry.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, coordinator.zone_key("9"))}
    )
    assert not await async_remove_config_entry_device(hass, entry, thermostat_device)
    assert not await async_remove_config_entry_device(hass, entry, zone_device)
    assert await async_remove_config_entry_device(hass, entry, stale)
