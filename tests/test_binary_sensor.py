"""The connectivity binary sensor."""

from __future__ import annotations

import pytest
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from simulator import Simulator

from .conftest import setup_platform
from .virtual_time import Clock

pytestmark = pytest.mark.usefixtures("us_units")


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "test_client_identity")
async def test_snapshot(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    clock: Clock,
    thermostat: Simulator,
) -> None:
    """The connectivity sensor's registry entry and state."""
    await setup_platform(hass, mock_config_entry, clock, thermostat, Platform.BINARY_SENSOR)
    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)
