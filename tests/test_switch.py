"""The emergency heat switch: when it exists, and what it sends."""

from __future__ import annotations

import pytest
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON, Platform
from homeassistant.const import SERVICE_TURN_OFF as SWITCH_OFF
from homeassistant.const import SERVICE_TURN_ON as SWITCH_ON
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import Simulator

from .conftest import PlatformSnapshot, setup_entry
from .virtual_time import Clock

pytestmark = pytest.mark.usefixtures("us_units")

EMERGENCY = "switch.thermostat_emergency_heat"


async def test_snapshot(platform_snapshot: PlatformSnapshot) -> None:
    """The emergency heat switch: registry entry and state."""
    await platform_snapshot(Platform.SWITCH)


async def _call(hass: HomeAssistant, service: str, data: dict[str, object]) -> None:
    await hass.services.async_call(SWITCH_DOMAIN, service, data, blocking=True)


async def test_emergency_heat_switch(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """Emergency heat is written "1" on and "2" off, and read back."""
    assert hass.states.get(EMERGENCY).state == STATE_OFF
    await _call(hass, SWITCH_ON, {ATTR_ENTITY_ID: EMERGENCY})
    command = await thermostat.wait_for_command("UpdateEmergencyHeat")
    assert command.fields == {"emergency_heat": "1"}
    await clock.until(lambda: hass.states.get(EMERGENCY).state == STATE_ON, limit=5)
    await _call(hass, SWITCH_OFF, {ATTR_ENTITY_ID: EMERGENCY})
    command = await thermostat.wait_for_command("UpdateEmergencyHeat", 2)
    assert command.fields == {"emergency_heat": "2"}
    await clock.until(lambda: hass.states.get(EMERGENCY).state == STATE_OFF, limit=5)


async def test_emergency_heat_reported_after_setup_gets_its_switch(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    thermostat: Simulator,
    clock: Clock,
    test_client_identity: object,
) -> None:
    """A thermostat reporting no emergency heat at setup gets the switch when it reports it."""
    thermostat.plant.emergency_heat = ""
    mock_config_entry.add_to_hass(hass)
    await setup_entry(hass, mock_config_entry, clock)
    assert hass.states.get(EMERGENCY) is None

    thermostat.set_emergency_heat(on=True)
    await clock.until(lambda: hass.states.get(EMERGENCY) is not None, limit=5)
    await hass.async_block_till_done()
    assert hass.states.get(EMERGENCY).state == "on"


async def test_emergency_heat_first_reported_in_a_reconnect_burst_gets_its_switch(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    thermostat: Simulator,
    clock: Clock,
    test_client_identity: object,
) -> None:
    """Restarted from a structure without emergency heat, the switch comes when the link is up."""
    thermostat.plant.emergency_heat = ""
    mock_config_entry.add_to_hass(hass)
    await setup_entry(hass, mock_config_entry, clock)
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    thermostat.plant.emergency_heat = "1"
    await thermostat.refuse()
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(EMERGENCY) is None
    await thermostat.accept()
    await clock.until(lambda: hass.states.get(EMERGENCY) is not None, limit=15)
    await hass.async_block_till_done()
    assert hass.states.get(EMERGENCY).state == "on"
