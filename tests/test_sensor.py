"""The sensors: zone temperatures, humidity, heating/cooling status and the link."""

from __future__ import annotations

import pytest
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import Simulator

from .conftest import PlatformSnapshot, all_unavailable
from .virtual_time import Clock

pytestmark = pytest.mark.usefixtures("us_units")

LIVING = "climate.living_room"
BEDROOM = "climate.bedroom"
BEDROOM_TEMPERATURE = "sensor.bedroom_temperature"
CONNECTED_SINCE = "sensor.thermostat_connected_since"
DISCONNECTS = "sensor.thermostat_disconnects"


async def test_snapshot(platform_snapshot: PlatformSnapshot) -> None:
    """Every sensor, the disabled ones too: registry entry and state."""
    await platform_snapshot(Platform.SENSOR)


async def test_climate_and_sensor_show_the_same_temperature(
    hass: HomeAssistant, init_integration: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """A zone at 70.5 °F reads 70.5 on its card and its sensor, not 70 on one and 71 on another."""
    assert hass.states.get(BEDROOM).attributes["current_temperature"] == 70.5
    assert hass.states.get(BEDROOM_TEMPERATURE).state == "70.5"
    options = entity_registry.async_get(BEDROOM_TEMPERATURE).options
    assert options["sensor"]["suggested_display_precision"] == 1


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_link_sensors_follow_a_silence_refresh(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """A link refreshed after a silence (entities stay available) updates the link's sensors."""
    since = hass.states.get(CONNECTED_SINCE).state
    assert hass.states.get(DISCONNECTS).state == "0"
    thermostat.go_silent()
    await clock.advance(301, step=5)
    thermostat.wake()
    await clock.until(lambda: hass.states.get(DISCONNECTS).state == "1", limit=30)
    await clock.until(lambda: hass.states.get(CONNECTED_SINCE).state != since, limit=30)
    assert not all_unavailable(hass, LIVING)
