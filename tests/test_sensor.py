"""The sensors: zone temperatures, humidity, heating/cooling status and the link."""

from __future__ import annotations

import pytest
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from simulator import Simulator

from .conftest import all_unavailable, setup_platform
from .virtual_time import Clock

pytestmark = pytest.mark.usefixtures("us_units")

LIVING = "climate.living_room"
BEDROOM = "climate.bedroom"
BEDROOM_TEMPERATURE = "sensor.bedroom_temperature"
CONNECTED_SINCE = "sensor.thermostat_connected_since"
DISCONNECTS = "sensor.thermostat_disconnects"


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "test_client_identity")
async def test_snapshot(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    clock: Clock,
    thermostat: Simulator,
) -> None:
    """Every sensor's registry entry and state."""
    await setup_platform(hass, mock_config_entry, clock, thermostat, Platform.SENSOR)
    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)


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
