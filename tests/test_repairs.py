"""The repair issues: a changed certificate, a thermostat unreachable for long."""

from __future__ import annotations

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.steamloop.const import DOMAIN
from simulator import Simulator

from .conftest import setup_entry
from .virtual_time import Clock

pytestmark = pytest.mark.usefixtures("us_units")


@pytest.mark.usefixtures("test_client_identity")
async def test_first_setup_with_a_foreign_certificate_raises_the_repair(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """A first setup meeting another certificate fails into the repair, not into retries."""
    await thermostat.use_server_certificate()
    mock_config_entry.add_to_hass(hass)
    await setup_entry(hass, mock_config_entry, clock)
    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    issue_id = f"certificate_changed_{mock_config_entry.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
