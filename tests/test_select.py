"""The hold select: a zone's hold, and what choosing one sends."""

from __future__ import annotations

import pytest
from homeassistant.components.select import ATTR_OPTION, SERVICE_SELECT_OPTION
from homeassistant.components.select import DOMAIN as SELECT_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import async_get_platforms
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.steamloop.const import DOMAIN
from simulator import Simulator

from .conftest import PlatformSnapshot
from .virtual_time import Clock

pytestmark = pytest.mark.usefixtures("us_units")

LIVING = "climate.living_room"
HOLD = "select.living_room_hold"


async def test_snapshot(platform_snapshot: PlatformSnapshot) -> None:
    """Every zone's hold select: registry entry and state."""
    await platform_snapshot(Platform.SELECT)


async def _call(hass: HomeAssistant, service: str, data: dict[str, object]) -> None:
    await hass.services.async_call(SELECT_DOMAIN, service, data, blocking=True)


async def test_hold_select(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """The hold select re-sends the zone's setpoints with the chosen hold."""
    assert hass.states.get(HOLD).state == "schedule"
    await _call(
        hass,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: HOLD, ATTR_OPTION: "until_next_period"},
    )
    command = await thermostat.wait_for_command("UpdateTemperatureSetpoint")
    assert command.fields["hold_type"] == "3"
    assert command.fields["heat_setpoint"] == "68"
    await clock.until(lambda: hass.states.get(HOLD).state == "until_next_period", limit=5)


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
