"""The repair issues: a changed certificate, a thermostat unreachable for long.

How they come and go with the link, and the certificate fix's way through trust or pairing again,
are scenarios in test_availability.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.steamloop.const import DOMAIN
from custom_components.steamloop.repairs import (
    async_create_certificate_issue,
    async_create_unreachable_issue,
    async_delete_certificate_issue,
    async_delete_unreachable_issue,
    certificate_issue_id,
    unreachable_issue_id,
)
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
    issue_id = certificate_issue_id(mock_config_entry)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None


async def _fix_flow(hass: HomeAssistant, issue_id: str) -> tuple[Any, dict[str, Any]]:
    """Start the fix flow of one of our issues; return the flow manager and its first step."""
    assert await async_setup_component(hass, "repairs", {})
    manager = hass.data["repairs"]["flow_manager"]
    return manager, await manager.async_init(DOMAIN, data={"issue_id": issue_id})


@pytest.mark.parametrize("step", ["init", "trust", "repair"])
async def test_the_certificate_fix_of_a_removed_entry_ends(
    hass: HomeAssistant, init_integration: MockConfigEntry, step: str
) -> None:
    """An entry removed before or while its certificate issue is fixed ends the fix, no more."""
    other = MockConfigEntry(domain=DOMAIN, title="Thermostat 2", unique_id="other")
    other.add_to_hass(hass)
    async_create_certificate_issue(hass, other, "ab" * 32)
    issue_id = certificate_issue_id(other)
    if step == "init":
        await hass.config_entries.async_remove(other.entry_id)
        _, result = await _fix_flow(hass, issue_id)
    else:
        manager, result = await _fix_flow(hass, issue_id)
        assert result["type"] is FlowResultType.MENU
        assert result["description_placeholders"] == {"title": "Thermostat 2"}
        await hass.config_entries.async_remove(other.entry_id)
        result = await manager.async_configure(result["flow_id"], {"next_step_id": step})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "entry_removed"
    assert init_integration.state is ConfigEntryState.LOADED


async def test_the_issues_name_the_thermostat_and_go_with_their_cause(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Each issue is the entry's own, names it by its title, and is withdrawn on its own."""
    issues = ir.async_get(hass)
    async_create_certificate_issue(hass, init_integration, None)
    async_create_unreachable_issue(hass, init_integration)
    certificate = issues.async_get_issue(DOMAIN, certificate_issue_id(init_integration))
    unreachable = issues.async_get_issue(DOMAIN, unreachable_issue_id(init_integration))
    assert certificate is not None
    assert unreachable is not None
    assert certificate.is_fixable
    assert certificate.severity is ir.IssueSeverity.ERROR
    assert certificate.data == {"entry_id": init_integration.entry_id, "fingerprint": ""}
    assert not unreachable.is_fixable
    assert unreachable.translation_placeholders == {"title": "Thermostat", "hours": "1"}
    async_delete_unreachable_issue(hass, init_integration)
    assert issues.async_get_issue(DOMAIN, unreachable_issue_id(init_integration)) is None
    assert issues.async_get_issue(DOMAIN, certificate_issue_id(init_integration)) is not None
    async_delete_certificate_issue(hass, init_integration)
    assert issues.async_get_issue(DOMAIN, certificate_issue_id(init_integration)) is None
