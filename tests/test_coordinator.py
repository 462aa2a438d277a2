"""The coordinator as users and their automations meet it: refreshes, restarts, writes, secrets.

What one platform shows or does is in that platform's tests (test_climate.py, test_sensor.py, ...).
"""

from __future__ import annotations

import logging

import pytest
from homeassistant.components.climate import HVACMode
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.steamloop.const import DOMAIN
from simulator import Simulator

from .conftest import KEY, MAC, all_unavailable, setup_entry
from .virtual_time import Clock

pytestmark = pytest.mark.usefixtures("us_units")

LIVING = "climate.living_room"
BEDROOM = "climate.bedroom"
TEMPERATURE = "sensor.living_room_temperature"
HOLD = "select.living_room_hold"
EMERGENCY = "switch.thermostat_emergency_heat"


# --- a refresh request ------------------------------------------------------------------------


async def test_update_entity_then_a_push_is_shown(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """homeassistant.update_entity is answered with the pushed state; later pushes still show."""
    assert await async_setup_component(hass, "homeassistant", {})
    await hass.services.async_call(
        "homeassistant",
        "update_entity",
        {ATTR_ENTITY_ID: [TEMPERATURE, LIVING, HOLD]},
        blocking=True,
    )
    assert hass.states.get(TEMPERATURE).state == "72.0"

    thermostat.set_indoor_temperature("1", 75.5)
    await clock.until(lambda: hass.states.get(TEMPERATURE).state == "75.5", limit=5)
    assert hass.states.get(LIVING).attributes["current_temperature"] == 75.5


async def test_update_entity_while_the_thermostat_is_away_keeps_the_truth(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """A refresh request during an outage raises nothing and leaves the entities unavailable."""
    assert await async_setup_component(hass, "homeassistant", {})
    await thermostat.refuse()
    thermostat.reset_clients()
    await clock.until(lambda: all_unavailable(hass, LIVING, TEMPERATURE), limit=5)
    await hass.services.async_call(
        "homeassistant", "update_entity", {ATTR_ENTITY_ID: [TEMPERATURE, LIVING]}, blocking=True
    )
    assert all_unavailable(hass, LIVING, TEMPERATURE)
    await thermostat.accept()
    await clock.until(lambda: not all_unavailable(hass, LIVING, TEMPERATURE), limit=15)


# --- Home Assistant's start -------------------------------------------------------------------


async def _restart_with_thermostat_down(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    thermostat: Simulator,
    clock: Clock,
    down: str = "refuse",
) -> float:
    """Set up (the thermostat answers) unless loaded, unload, and set up again while it refuses.

    Return the virtual seconds the second setup took.
    """
    if entry.state is not ConfigEntryState.LOADED:
        entry.add_to_hass(hass)
        await setup_entry(hass, entry, clock)
        assert entry.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    if down == "refuse":
        await thermostat.refuse()
    else:
        thermostat.go_silent()  # accepts the connection, then never answers
    setup = hass.async_create_task(hass.config_entries.async_setup(entry.entry_id))
    took = await clock.until(setup.done, limit=1)
    assert setup.result()
    return took


@pytest.mark.usefixtures("test_client_identity")
@pytest.mark.parametrize("down", ["refuse", "silent"])
async def test_start_never_waits_for_a_thermostat_seen_before(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    thermostat: Simulator,
    clock: Clock,
    down: str,
) -> None:
    """Down at start for 10 min: set up at once, unavailable, fresh within 15 s of its return."""
    took = await _restart_with_thermostat_down(hass, mock_config_entry, thermostat, clock, down)
    assert took <= 1
    assert mock_config_entry.state is ConfigEntryState.LOADED
    # Every entity is there, from the last known structure, and tells the truth.
    assert all_unavailable(hass, LIVING, BEDROOM, TEMPERATURE, HOLD, EMERGENCY)
    assert hass.states.get(LIVING).attributes["hvac_modes"] == [
        HVACMode.OFF,
        HVACMode.HEAT_COOL,
        HVACMode.AUTO,
        HVACMode.COOL,
        HVACMode.HEAT,
    ]

    await clock.advance(600, step=5)
    assert all_unavailable(hass, LIVING, TEMPERATURE)
    thermostat.set_indoor_temperature("1", 75.0)
    if down == "refuse":
        await thermostat.accept()
    else:
        thermostat.wake()
    fresh = await clock.until(lambda: hass.states.get(TEMPERATURE).state == "75.0", limit=15)
    assert fresh <= 15
    assert hass.states.get(LIVING).attributes["current_temperature"] == 75.0


@pytest.mark.usefixtures("test_client_identity")
async def test_entry_from_before_the_stored_structure_starts_from_its_devices(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    thermostat: Simulator,
    clock: Clock,
    hass_storage: dict[str, object],
) -> None:
    """An entry set up by a version that stored nothing starts from its zone devices at once."""
    mock_config_entry.add_to_hass(hass)
    await setup_entry(hass, mock_config_entry, clock)
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    del hass_storage[f"{DOMAIN}.{mock_config_entry.entry_id}"]

    await thermostat.refuse()
    setup = hass.async_create_task(hass.config_entries.async_setup(mock_config_entry.entry_id))
    assert await clock.until(setup.done, limit=1) <= 1
    assert setup.result()
    assert hass.states.get(LIVING).attributes["hvac_modes"] == []
    assert all_unavailable(hass, LIVING, BEDROOM, TEMPERATURE, EMERGENCY)
    await thermostat.accept()
    await clock.until(lambda: not all_unavailable(hass, LIVING, BEDROOM, EMERGENCY), limit=15)
    assert HVACMode.HEAT in hass.states.get(LIVING).attributes["hvac_modes"]


@pytest.mark.usefixtures("test_client_identity")
async def test_structure_changes_are_stored_for_the_next_start(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """A zone added while running is there, unavailable, at a next start without the thermostat."""
    mock_config_entry.add_to_hass(hass)
    await setup_entry(hass, mock_config_entry, clock)
    thermostat.add_zone("3", name="Office")
    await clock.until(lambda: hass.states.get("climate.office") is not None, limit=5)
    await hass.async_block_till_done()

    took = await _restart_with_thermostat_down(hass, mock_config_entry, thermostat, clock)
    assert took <= 1
    assert all_unavailable(hass, "climate.office", LIVING)


@pytest.mark.usefixtures("test_client_identity")
async def test_key_refused_after_a_quick_start_asks_to_reauthenticate(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    thermostat: Simulator,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Set up from the stored structure, then the key is refused: one WARNING and a reauth flow."""
    await _restart_with_thermostat_down(hass, mock_config_entry, thermostat, clock)
    thermostat.set_secret_key("someone-else")
    await thermostat.accept()
    await clock.until(
        lambda: any(
            flow["context"]["source"] == SOURCE_REAUTH
            for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        ),
        limit=15,
    )
    warnings = [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.steamloop")
        and record.levelno >= logging.WARNING
    ]
    assert warnings == ["Thermostat refused the stored key; re-authenticate to reconnect"]
    assert all_unavailable(hass, LIVING)


async def test_removing_the_entry_forgets_its_structure(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_storage: dict[str, object]
) -> None:
    """The stored structure goes with the entry."""
    key = f"{DOMAIN}.{init_integration.entry_id}"
    await hass.async_block_till_done()
    assert key in hass_storage
    assert await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage


# --- secrets ----------------------------------------------------------------------------------


async def test_a_key_quoted_by_the_thermostat_is_not_logged(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    thermostat: Simulator,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An Error that quotes the key back is logged at DEBUG without it."""
    caplog.set_level(logging.DEBUG, logger="custom_components.steamloop")
    thermostat.send_raw(
        b'{"Response":{"Error":{"error_type":"1","description":"key test-key refused"}}} \x00'
    )
    await clock.settle()
    text = "\n".join(
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.steamloop")
    )
    assert "Error" in text
    assert KEY not in text


async def test_no_address_or_key_in_any_log_line_of_an_outage(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    thermostat: Simulator,
    clock: Clock,
    test_client_identity: object,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Setup, an outage and the recovery, logged at DEBUG: never the address, MAC or key."""
    caplog.set_level(logging.DEBUG, logger="custom_components.steamloop")
    mock_config_entry.add_to_hass(hass)
    await setup_entry(hass, mock_config_entry, clock)
    await thermostat.refuse()
    thermostat.reset_clients()
    await clock.advance(30)
    await thermostat.accept()
    await clock.until(lambda: not all_unavailable(hass, LIVING), limit=15)
    ours = [r for r in caplog.records if r.name.startswith("custom_components.steamloop")]
    assert any(" RX " in record.getMessage() for record in ours)
    text = "\n".join(record.getMessage() for record in ours)
    for secret in ("127.0.0.1", KEY, MAC):
        assert secret not in text


# --- what is written, and when ----------------------------------------------------------------


async def test_one_chunk_of_frames_writes_each_entity_once(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """Fifty temperatures in one read: the two entities showing them are written once, the last."""
    written: list[str] = []

    @callback
    def record(event: object) -> None:
        written.append(event.data["entity_id"])  # type: ignore[attr-defined]

    hass.bus.async_listen("state_changed", record)
    hass.bus.async_listen("state_reported", record, event_filter=callback(lambda data: True))
    frames = b"".join(
        b'{"Event":{"IndoorTemperatureUpdated":{"zone_id":"1","indoor_temperature":"%d"}}} \x00'
        % (60 + i)
        for i in range(50)
    )
    thermostat.send_raw(frames)
    await clock.until(lambda: hass.states.get(TEMPERATURE).state == "109.0", limit=5)
    await hass.async_block_till_done()
    assert sorted(written) == [LIVING, TEMPERATURE]


async def test_a_burst_that_pauses_keeps_every_zone(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    thermostat: Simulator,
    clock: Clock,
    entity_registry: er.EntityRegistry,
) -> None:
    """A re-sync burst that stops for 2 s after the first zone neither deletes nor re-adds zones."""
    bedroom = entity_registry.async_get(BEDROOM)
    removed: list[str] = []
    hass.bus.async_listen(
        er.EVENT_ENTITY_REGISTRY_UPDATED,
        lambda event: (
            removed.append(event.data["entity_id"]) if event.data["action"] == "remove" else None
        ),
    )
    thermostat.burst_pause = (6, 2.0)
    thermostat.reset_clients()
    await clock.until(lambda: len(thermostat.logins) == 2, limit=5)
    await clock.advance(5)
    assert removed == []
    assert entity_registry.async_get(BEDROOM) == bedroom
    assert hass.states.get(BEDROOM).state == HVACMode.HEAT


async def test_a_burst_that_pauses_between_zones_after_the_system_fields_keeps_every_zone(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    thermostat: Simulator,
    clock: Clock,
    entity_registry: er.EntityRegistry,
) -> None:
    """Zone 1 and the system fields, 1.5 s of nothing, then zone 2: zone 2 is never removed."""
    bedroom = entity_registry.async_get(BEDROOM)
    removed: list[str] = []
    hass.bus.async_listen(
        er.EVENT_ENTITY_REGISTRY_UPDATED,
        lambda event: (
            removed.append(event.data["entity_id"]) if event.data["action"] == "remove" else None
        ),
    )
    thermostat.burst_system_after = 1
    # Zone 1's five events and the six system-wide ones, then the pause.
    thermostat.burst_pause = (11, 1.5)
    thermostat.reset_clients()
    await clock.until(lambda: len(thermostat.logins) == 2, limit=5)
    await clock.advance(30)
    assert removed == []
    assert entity_registry.async_get(BEDROOM) == bedroom
    assert hass.states.get(BEDROOM).state == HVACMode.HEAT
