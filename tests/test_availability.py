"""What the user sees when the thermostat or the network misbehaves, and how it comes back."""

from __future__ import annotations

import logging

import pytest
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.steamloop.compat import device_by_identifier
from custom_components.steamloop.const import CONF_FINGERPRINT, DOMAIN
from simulator import Simulator

from .conftest import all_unavailable, setup_entry
from .virtual_time import Clock

pytestmark = pytest.mark.usefixtures("us_units")

CLIMATE = "climate.living_room"
TEMPERATURE = "sensor.living_room_temperature"
HUMIDITY = "sensor.thermostat_humidity"
CONNECTED_SINCE = "sensor.thermostat_connected_since"


def _our_logs(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Return what the integration logged at INFO or above, client included."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.steamloop") and record.levelno >= logging.INFO
    ]


@pytest.mark.parametrize("fault", ["reset", "close"])
async def test_outage_unavailable_then_recovers_fresh(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    thermostat: Simulator,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
    fault: str,
) -> None:
    """Reset or closed and refused: unavailable within 5 s; back with fresh values within 15 s.

    The outage is told in exactly two lines, one each way, and nothing else at INFO or above.
    """
    assert hass.states.get(TEMPERATURE).state == "72.0"
    caplog.set_level(logging.INFO, logger="custom_components.steamloop")

    await thermostat.refuse()
    if fault == "reset":
        thermostat.reset_clients()
    else:
        thermostat.close_clients()
    took = await clock.until(lambda: all_unavailable(hass, CLIMATE, TEMPERATURE, HUMIDITY), limit=5)
    assert took <= 5
    # The link's own diagnostics stay readable while it is down.
    assert hass.states.get(CONNECTED_SINCE).state != STATE_UNAVAILABLE

    await clock.advance(20 * 60, step=5)  # a 20-minute outage
    thermostat.set_indoor_temperature("1", 75.0)  # the house changed meanwhile
    await thermostat.accept()
    took = await clock.until(lambda: not all_unavailable(hass, CLIMATE), limit=15)
    assert took <= 15
    assert hass.states.get(TEMPERATURE).state == "75.0"
    assert hass.states.get(CLIMATE).attributes["current_temperature"] == 75.0

    logs = _our_logs(caplog)
    assert len(logs) == 2, logs
    assert logs[0].startswith("Connection to Thermostat lost")
    assert logs[1] == "Connection to Thermostat restored"
    assert "127.0.0.1" not in "\n".join(logs)


async def test_key_revoked_starts_reauth_and_stops_retrying(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """A key revoked at runtime: unavailable, a reauth flow, and no more login attempts."""
    thermostat.revoke_key("someone-else")
    await clock.until(lambda: all_unavailable(hass, CLIMATE), limit=15)
    await clock.until(
        lambda: any(
            flow["context"]["source"] == SOURCE_REAUTH
            for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        ),
        limit=15,
    )
    attempts = len(thermostat.logins)
    await clock.advance(600, step=10)
    assert len(thermostat.logins) == attempts
    assert all_unavailable(hass, CLIMATE)


async def test_setup_with_rejected_key_starts_reauth(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    thermostat: Simulator,
    clock: Clock,
    test_client_identity: object,
) -> None:
    """A key already rejected at setup fails setup into re-authentication, not endless retries."""
    thermostat.set_secret_key("someone-else")
    mock_config_entry.add_to_hass(hass)
    await setup_entry(hass, mock_config_entry, clock)
    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_setup_retries_when_unreachable(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    thermostat: Simulator,
    clock: Clock,
    test_client_identity: object,
) -> None:
    """An unreachable thermostat at start-up: setup is retried later, nothing left running."""
    await thermostat.refuse()
    mock_config_entry.add_to_hass(hass)
    await setup_entry(hass, mock_config_entry, clock)
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY


@pytest.mark.parametrize("fault", ["refused", "busy"])
async def test_a_first_setup_that_fails_ends_in_retrying_at_once(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    thermostat: Simulator,
    clock: Clock,
    test_client_identity: object,
    fault: str,
) -> None:
    """No stored structure and the thermostat refuses: retrying within a second, not 20 s."""
    if fault == "refused":
        await thermostat.refuse()
    else:
        thermostat.busy = "too many clients"
    mock_config_entry.add_to_hass(hass)
    setup = hass.async_create_task(hass.config_entries.async_setup(mock_config_entry.entry_id))
    assert await clock.within(setup.done, limit=1.0) is not None
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_certificate_change_raises_repair_and_trust_fixes_it(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """A new server certificate holds the link down, raises a repair; trusting it reconnects."""
    new = await thermostat.use_server_certificate()
    thermostat.reset_clients()
    await clock.until(lambda: all_unavailable(hass, CLIMATE), limit=5)
    issue_id = f"certificate_changed_{init_integration.entry_id}"
    await clock.until(
        lambda: ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None, limit=15
    )
    connections = thermostat.connections
    await clock.advance(120, step=10)
    assert thermostat.connections == connections  # no retry against an untrusted certificate

    assert await async_setup_component(hass, "repairs", {})
    manager = hass.data["repairs"]["flow_manager"]
    result = await manager.async_init(DOMAIN, data={"issue_id": issue_id})
    assert result["type"] == "menu"
    result = await manager.async_configure(result["flow_id"], {"next_step_id": "trust"})
    assert result["step_id"] == "trust"
    assert new.fingerprint in result["description_placeholders"]["fingerprint"]
    result = await manager.async_configure(result["flow_id"], {})
    assert result["type"] == "create_entry"
    assert init_integration.data[CONF_FINGERPRINT] == new.fingerprint

    await clock.until(lambda: not all_unavailable(hass, CLIMATE), limit=30)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_zones_appear_and_disappear(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    thermostat: Simulator,
    clock: Clock,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A zone added later gets its entities; a zone gone after a resync loses its device."""
    thermostat.add_zone("3", name="Office")
    await clock.until(lambda: hass.states.get("climate.office") is not None, limit=5)
    assert hass.states.get("sensor.office_temperature") is not None
    office = device_by_identifier(
        device_registry, (DOMAIN, f"{init_integration.unique_id}_zone_3"), init_integration.entry_id
    )
    assert office is not None
    assert office.name == "Office"

    thermostat.remove_zone("2", drop="reset")
    await clock.until(lambda: hass.states.get("climate.bedroom") is None, limit=30)
    assert entity_registry.async_get("climate.bedroom") is None
    assert not all_unavailable(hass, CLIMATE, "climate.office")


async def test_one_zone_temperature_writes_two_entities(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """A single zone's temperature event rewrites that zone's climate and temperature only."""
    written: list[str] = []
    hass.bus.async_listen("state_changed", lambda event: written.append(event.data["entity_id"]))
    # A write that changes nothing is a state_reported event, still a write.
    hass.bus.async_listen(
        "state_reported",
        lambda event: written.append(event.data["entity_id"]),
        event_filter=callback(lambda data: True),
    )
    thermostat.set_indoor_temperature("1", 73.5)
    await clock.until(lambda: hass.states.get(TEMPERATURE).state == "73.5", limit=5)
    await hass.async_block_till_done()
    assert sorted(written) == [CLIMATE, TEMPERATURE]


async def test_no_unavailable_storm_when_home_assistant_stops(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator
) -> None:
    """Stopping Home Assistant closes the link without writing every entity unavailable first."""
    written: list[str] = []
    hass.bus.async_listen("state_changed", lambda event: written.append(event.data["entity_id"]))
    await hass.async_stop(force=True)
    assert CLIMATE not in written
    await thermostat.wait_for_clients(0)


async def test_certificate_repair_can_pair_again(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """Choosing to pair again from the repair starts re-authentication."""
    await thermostat.use_server_certificate()
    thermostat.reset_clients()
    issue_id = f"certificate_changed_{init_integration.entry_id}"
    await clock.until(
        lambda: ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None, limit=15
    )
    assert await async_setup_component(hass, "repairs", {})
    manager = hass.data["repairs"]["flow_manager"]
    result = await manager.async_init(DOMAIN, data={"issue_id": issue_id})
    result = await manager.async_configure(result["flow_id"], {"next_step_id": "repair"})
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


CONNECTIVITY = "binary_sensor.thermostat_connectivity"
LAST_DISCONNECT_REASON = "sensor.thermostat_last_disconnect_reason"


async def test_a_start_with_the_thermostat_down_is_said_then_repaired_by_itself(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    thermostat: Simulator,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A start finds the thermostat down: one INFO line, "Disconnected", after an hour a repair
    issue saying what to check; when it is back the issue goes by itself and one line says so.
    """
    issue_id = f"unreachable_{init_integration.entry_id}"
    assert hass.states.get(CONNECTIVITY).state == "on"
    assert hass.states.get(LAST_DISCONNECT_REASON) is not None  # enabled by default
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    await thermostat.refuse()
    caplog.set_level(logging.INFO, logger="custom_components.steamloop")

    setup = hass.async_create_task(hass.config_entries.async_setup(init_integration.entry_id))
    await clock.until(setup.done, limit=1)
    assert init_integration.state is ConfigEntryState.LOADED
    assert hass.states.get(CONNECTIVITY).state == "off"
    await clock.advance(30, step=1)
    logs = _our_logs(caplog)
    assert len(logs) == 1, logs
    assert logs[0].startswith("Thermostat is not reachable since the start")
    assert "127.0.0.1" not in logs[0]

    issues = ir.async_get(hass)
    await clock.advance(55 * 60, step=10)
    assert issues.async_get_issue(DOMAIN, issue_id) is None  # not before the hour
    await clock.advance(6 * 60, step=10)
    issue = issues.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.translation_placeholders == {"title": "Thermostat", "hours": "1"}
    assert len(_our_logs(caplog)) == 1  # the issue is no log line

    await thermostat.accept()
    await clock.until(lambda: hass.states.get(CONNECTIVITY).state == "on", limit=15)
    assert issues.async_get_issue(DOMAIN, issue_id) is None
    assert _our_logs(caplog)[1:] == ["Connection to Thermostat restored"]


async def test_an_outage_at_runtime_raises_the_issue_after_an_hour(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """Lost while running: "Disconnected" at once, the reason shown, the issue after an hour."""
    await thermostat.refuse()
    thermostat.close_clients()
    await clock.until(lambda: hass.states.get(CONNECTIVITY).state == "off", limit=5)
    assert hass.states.get(LAST_DISCONNECT_REASON).state not in ("unknown", STATE_UNAVAILABLE)
    await clock.advance(3601, step=10)
    issue_id = f"unreachable_{init_integration.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    # Unloading the entry (disabled, removed) withdraws it.
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
