"""The coordinator as users and their automations meet it: refreshes, restarts, writes, secrets."""

from __future__ import annotations

import logging

import pytest
from homeassistant.components.climate import (
    ATTR_HVAC_MODE,
    SERVICE_SET_HVAC_MODE,
    SERVICE_SET_TEMPERATURE,
    HVACMode,
)
from homeassistant.components.climate import DOMAIN as CLIMATE_DOMAIN
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, ATTR_TEMPERATURE
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.steamloop.const import DOMAIN
from simulator import Simulator

from .conftest import KEY, MAC, all_unavailable, setup_entry
from .virtual_time import Clock

pytestmark = pytest.mark.usefixtures("us_units")

LIVING = "climate.living_room"
BEDROOM = "climate.bedroom"
TEMPERATURE = "sensor.living_room_temperature"
BEDROOM_TEMPERATURE = "sensor.bedroom_temperature"
HOLD = "select.living_room_hold"
EMERGENCY = "switch.thermostat_emergency_heat"
CONNECTED_SINCE = "sensor.thermostat_connected_since"
DISCONNECTS = "sensor.thermostat_disconnects"


async def _call(hass: HomeAssistant, service: str, data: dict[str, object]) -> None:
    await hass.services.async_call(CLIMATE_DOMAIN, service, data, blocking=True)


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


# --- commands write what the user asked --------------------------------------------------------


async def test_set_temperature_with_a_new_mode_sets_that_modes_target(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """Heat → cool with 74 sets cooling to 74; cool → heat with 70 sets heating to 70."""
    await _call(
        hass,
        SERVICE_SET_TEMPERATURE,
        {ATTR_ENTITY_ID: BEDROOM, ATTR_TEMPERATURE: 74, ATTR_HVAC_MODE: HVACMode.COOL},
    )
    mode = await thermostat.wait_for_command("UpdateZoneMode")
    assert mode.fields == {"zone_id": "2", "zone_mode": "2"}
    setpoint = await thermostat.wait_for_command("UpdateTemperatureSetpoint")
    assert (setpoint.fields["heat_setpoint"], setpoint.fields["cool_setpoint"]) == ("67", "74")
    await clock.until(lambda: hass.states.get(BEDROOM).attributes[ATTR_TEMPERATURE] == 74, limit=5)
    assert hass.states.get(BEDROOM).state == HVACMode.COOL

    await _call(
        hass,
        SERVICE_SET_TEMPERATURE,
        {ATTR_ENTITY_ID: BEDROOM, ATTR_TEMPERATURE: 70, ATTR_HVAC_MODE: HVACMode.HEAT},
    )
    setpoint = await thermostat.wait_for_command("UpdateTemperatureSetpoint", 2)
    assert (setpoint.fields["heat_setpoint"], setpoint.fields["cool_setpoint"]) == ("70", "74")
    await clock.until(lambda: hass.states.get(BEDROOM).attributes[ATTR_TEMPERATURE] == 70, limit=5)
    assert hass.states.get(BEDROOM).state == HVACMode.HEAT


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({ATTR_TEMPERATURE: 70, ATTR_HVAC_MODE: HVACMode.OFF}, "target_needs_heat_or_cool"),
        ({ATTR_TEMPERATURE: 70, ATTR_HVAC_MODE: HVACMode.AUTO}, "target_needs_heat_or_cool"),
        ({ATTR_TEMPERATURE: 70, ATTR_HVAC_MODE: "dry"}, "unsupported_hvac_mode"),
    ],
)
async def test_set_temperature_with_a_mode_that_has_no_single_target(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    thermostat: Simulator,
    clock: Clock,
    data: dict[str, object],
    key: str,
) -> None:
    """A target with off, auto or an unsupported mode is refused before anything is sent."""
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, SERVICE_SET_TEMPERATURE, {ATTR_ENTITY_ID: BEDROOM, **data})
    assert err.value.translation_key == key
    await clock.settle()
    assert thermostat.commands == []


async def test_range_with_a_single_target_mode_is_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """A low/high range with the heat mode is refused before anything is sent."""
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass,
            SERVICE_SET_TEMPERATURE,
            {
                ATTR_ENTITY_ID: LIVING,
                "target_temp_low": 60,
                "target_temp_high": 80,
                ATTR_HVAC_MODE: HVACMode.HEAT,
            },
        )
    assert err.value.translation_key == "range_needs_auto"
    await clock.settle()
    assert thermostat.commands == []


async def test_setpoints_are_sent_in_whole_degrees(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """72.4 is shown as 72 and sent as 72; an exact deadband range is accepted."""
    await _call(hass, SERVICE_SET_TEMPERATURE, {ATTR_ENTITY_ID: BEDROOM, ATTR_TEMPERATURE: 72.4})
    setpoint = await thermostat.wait_for_command("UpdateTemperatureSetpoint")
    assert setpoint.fields["heat_setpoint"] == "72"

    await _call(
        hass,
        SERVICE_SET_TEMPERATURE,
        {ATTR_ENTITY_ID: LIVING, "target_temp_low": 61.1, "target_temp_high": 64.1},
    )
    setpoint = await thermostat.wait_for_command("UpdateTemperatureSetpoint", 2)
    assert (setpoint.fields["heat_setpoint"], setpoint.fields["cool_setpoint"]) == ("61", "64")


async def test_climate_and_sensor_show_the_same_temperature(
    hass: HomeAssistant, init_integration: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """A zone at 70.5 °F reads 70.5 on its card and its sensor, not 70 on one and 71 on another."""
    assert hass.states.get(BEDROOM).attributes["current_temperature"] == 70.5
    assert hass.states.get(BEDROOM_TEMPERATURE).state == "70.5"
    options = entity_registry.async_get(BEDROOM_TEMPERATURE).options
    assert options["sensor"]["suggested_display_precision"] == 1


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
    await clock.until(lambda: hass.states.get("climate.zone_3") is not None, limit=5)
    await hass.async_block_till_done()

    took = await _restart_with_thermostat_down(hass, mock_config_entry, thermostat, clock)
    assert took <= 1
    assert all_unavailable(hass, "climate.zone_3", LIVING)


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


async def test_diagnostics_after_an_outage_name_no_address_or_key(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    thermostat: Simulator,
    clock: Clock,
) -> None:
    """The last error and the disconnect reason say what happened, not where the thermostat is."""
    await thermostat.refuse()
    thermostat.reset_clients()
    await clock.until(lambda: all_unavailable(hass, LIVING), limit=5)
    await clock.advance(5)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    assert diagnostics["link"]["last_error"] is not None
    assert diagnostics["link"]["stats"]["last_disconnect_reason"] is not None
    text = repr(diagnostics)
    for secret in ("127.0.0.1", KEY, MAC, MAC.replace(":", "")):
        assert secret not in text


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


async def test_set_hvac_mode_still_works_for_every_mode(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """Setting a mode alone is unchanged by the command checks."""
    await _call(hass, SERVICE_SET_HVAC_MODE, {ATTR_ENTITY_ID: BEDROOM, ATTR_HVAC_MODE: "cool"})
    await clock.until(lambda: hass.states.get(BEDROOM).state == HVACMode.COOL, limit=5)


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


async def test_only_the_zone_that_calls_shows_cooling(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """The system cools for the living room: the satisfied bedroom (in cool) shows idle."""
    thermostat.set_zone_mode("2", 2)
    thermostat.set_indoor_temperature("1", 79)
    thermostat.set_cooling(2)
    await clock.until(
        lambda: hass.states.get(LIVING).attributes["hvac_action"] == "cooling", limit=5
    )
    assert hass.states.get(BEDROOM).state == HVACMode.COOL
    assert hass.states.get(BEDROOM).attributes["hvac_action"] == "idle"
    # The bedroom warms past its setpoint (77) and the hysteresis: now it calls too.
    thermostat.set_indoor_temperature("2", 78)
    await clock.until(
        lambda: hass.states.get(BEDROOM).attributes["hvac_action"] == "cooling", limit=5
    )
    # The living room cools down to its setpoint (76) less the hysteresis: satisfied.
    thermostat.set_indoor_temperature("1", 75.4)
    await clock.until(lambda: hass.states.get(LIVING).attributes["hvac_action"] == "idle", limit=5)
