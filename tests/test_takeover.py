"""Taking over a thermostat from Home Assistant's Trane Local: what is kept and what is said."""

from __future__ import annotations

from unittest.mock import AsyncMock, call, patch

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.steamloop.compat import linked_to
from custom_components.steamloop.const import CONF_SECRET_KEY, CONF_TAKE_OVER, DOMAIN, TRANE_DOMAIN
from custom_components.steamloop.takeover import async_take_over, plan_take_over
from simulator import Simulator

from .conftest import KEY
from .virtual_time import Clock

pytestmark = pytest.mark.usefixtures("test_client_identity", "us_units")


def _trane_entry_with_rooms(hass: HomeAssistant) -> MockConfigEntry:
    """Return a Trane Local entry as a user left it: zones in areas, entity ids customised."""
    trane = MockConfigEntry(
        domain=TRANE_DOMAIN,
        title="Thermostat (127.0.0.1)",
        data={CONF_HOST: "127.0.0.1", CONF_SECRET_KEY: KEY},
    )
    trane.add_to_hass(hass)
    areas = ar.async_get(hass)
    living, upstairs, hall = (
        areas.async_get_area_by_name(name) or areas.async_create(name)
        for name in ("Living Room", "Upstairs", "Hall")
    )
    devices = dr.async_get(hass)
    entities = er.async_get(hass)
    thermostat = devices.async_get_or_create(
        config_entry_id=trane.entry_id, identifiers={(TRANE_DOMAIN, trane.entry_id)}
    )
    devices.async_update_device(thermostat.id, area_id=hall.id)
    for zone_id, name, area, renamed_to in (
        ("1", "Living Room", living, "lounge"),
        ("2", "Bedroom", upstairs, None),
    ):
        device = devices.async_get_or_create(
            config_entry_id=trane.entry_id,
            # Another integration's identifier on the same device is not ours to read.
            identifiers={(TRANE_DOMAIN, f"{trane.entry_id}_{zone_id}"), ("other", zone_id)},
            name=name,
            **linked_to(thermostat.id, (TRANE_DOMAIN, trane.entry_id)),
        )
        devices.async_update_device(
            device.id, area_id=area.id, name_by_user="Master bedroom" if zone_id == "2" else None
        )
        climate = entities.async_get_or_create(
            "climate",
            TRANE_DOMAIN,
            f"{trane.entry_id}_{zone_id}_zone",
            config_entry=trane,
            device_id=device.id,
            suggested_object_id=name.lower().replace(" ", "_"),
        )
        if renamed_to:
            entities.async_update_entity(climate.entity_id, new_entity_id=f"climate.{renamed_to}")
        entities.async_get_or_create(
            "switch",
            TRANE_DOMAIN,
            f"{trane.entry_id}_{zone_id}_hold",
            config_entry=trane,
            device_id=device.id,
            suggested_object_id=f"{name.lower().replace(' ', '_')}_hold",
        )
    # An entity a later Trane Local may add, with no counterpart here: left to go with its entry.
    entities.async_get_or_create(
        "sensor", TRANE_DOMAIN, f"{trane.entry_id}_1_filter", config_entry=trane
    )
    return trane


async def test_take_over_keeps_areas_and_entity_ids_and_says_what_changed(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock, socket_enabled: None
) -> None:
    """Zones stay in their areas; climate ids stay; hold switches become selects, said twice."""
    trane = _trane_entry_with_rooms(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "migrate"}
    )
    with patch("custom_components.steamloop.config_flow.DEFAULT_PORT", thermostat.port):
        result = await clock.wait(
            hass.config_entries.flow.async_configure(result["flow_id"], {"entry": trane.entry_id})
        )
    await hass.async_block_till_done()

    # What the flow's last step says.
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["description"] == "migrated"
    assert result["description_placeholders"] == {
        "title": "Thermostat (127.0.0.1)",
        "kept": "climate.bedroom, climate.lounge",
        "renamed": (
            "switch.bedroom_hold → select.bedroom_hold\n"
            "switch.living_room_hold → select.living_room_hold"
        ),
    }
    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    assert CONF_TAKE_OVER not in entry.data

    # The entity ids automations use are ours now, with live states.
    entities = er.async_get(hass)
    for entity_id in ("climate.lounge", "climate.bedroom"):
        registered = entities.async_get(entity_id)
        assert registered is not None
        assert registered.platform == DOMAIN
        assert registered.config_entry_id == entry.entry_id
    await clock.until(lambda: hass.states.get("climate.lounge").state != "unavailable", limit=15)
    assert hass.states.get("climate.lounge").attributes["current_temperature"] == 72.0
    assert hass.states.get("select.living_room_hold") is not None
    assert hass.states.get("select.bedroom_hold") is not None
    assert not [entity_id for entity_id in hass.states.async_entity_ids() if "_2" in entity_id]

    # Each zone in the area it had, with the name its user gave it; the thermostat too.
    devices = dr.async_get(hass)
    areas = ar.async_get(hass)
    lounge = devices.async_get(entities.async_get("climate.lounge").device_id)
    bedroom = devices.async_get(entities.async_get("climate.bedroom").device_id)
    assert (DOMAIN, f"{entry.unique_id}_zone_1") in lounge.identifiers
    assert areas.async_get_area(lounge.area_id).name == "Living Room"
    assert areas.async_get_area(bedroom.area_id).name == "Upstairs"
    assert bedroom.name_by_user == "Master bedroom"
    (ours,) = (
        device
        for device in dr.async_entries_for_config_entry(devices, entry.entry_id)
        if (DOMAIN, entry.unique_id) in device.identifiers
    )
    assert areas.async_get_area(ours.area_id).name == "Hall"

    # Trane Local's entry is gone (no second connection, no entities re-created under new ids).
    assert hass.config_entries.async_get_entry(trane.entry_id) is None
    assert not [e for e in entities.entities.values() if e.platform == TRANE_DOMAIN]

    # Repairs lists the changed ids until the user dismisses it.
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"taken_over_{entry.entry_id}")
    assert issue is not None
    assert (
        issue.translation_placeholders["renamed"] == result["description_placeholders"]["renamed"]
    )

    # Removing the entry takes its notice along.
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"taken_over_{entry.entry_id}") is None


async def test_zone_devices_land_in_the_area_of_their_name(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A new zone device suggests the area of its name; the area is created when missing."""
    areas = ar.async_get(hass)
    devices = dr.async_get(hass)
    for name in ("Living Room", "Bedroom"):
        (device,) = (
            device
            for device in dr.async_entries_for_config_entry(devices, init_integration.entry_id)
            if device.name == name
        )
        assert areas.async_get_area(device.area_id).name == name


async def test_a_loaded_trane_entry_is_unloaded_first_and_a_second_plan_is_empty(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """Registry entries move only while unloaded; what is ours already is not planned again."""
    trane = _trane_entry_with_rooms(hass)
    trane.mock_state(hass, ConfigEntryState.LOADED)
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry, data={**mock_config_entry.data, CONF_TAKE_OVER: trane.entry_id}
    )
    unload = AsyncMock(return_value=True)
    with patch.object(hass.config_entries, "async_unload", unload):
        await async_take_over(hass, mock_config_entry)
    # Unloaded before anything moves (and again by its removal).
    assert unload.await_args_list[0] == call(trane.entry_id)
    assert er.async_get(hass).async_get("climate.lounge").platform == DOMAIN

    # A zone whose entity is ours already (a second Trane Local entry of it): nothing to move.
    again = MockConfigEntry(domain=TRANE_DOMAIN, data={CONF_HOST: "127.0.0.1"})
    again.add_to_hass(hass)
    er.async_get(hass).async_get_or_create(
        "climate", TRANE_DOMAIN, f"{again.entry_id}_1_zone", config_entry=again
    )
    plan = plan_take_over(hass, again, mock_config_entry.unique_id or "")
    assert plan.kept == {}
    assert plan.renamed == {}
    assert plan.kept_text() == plan.renamed_text() == "-"


async def test_a_take_over_whose_trane_entry_is_gone_just_sets_up(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """The Trane Local entry removed before the first setup: nothing to move, the mark dropped."""
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry, data={**mock_config_entry.data, CONF_TAKE_OVER: "gone"}
    )
    await async_take_over(hass, mock_config_entry)
    assert CONF_TAKE_OVER not in mock_config_entry.data


async def test_repairs_lists_changed_ids_only_when_there_are_some(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """No notice when every id was kept; otherwise one naming the Trane Local entry and each
    change, a warning kept across restarts that no fix flow can make go away."""
    mock_config_entry.add_to_hass(hass)
    issue_id = f"taken_over_{mock_config_entry.entry_id}"
    entities = er.async_get(hass)

    kept_all = MockConfigEntry(domain=TRANE_DOMAIN, title="Upstairs", data={CONF_HOST: "1.2.3.4"})
    kept_all.add_to_hass(hass)
    entities.async_get_or_create(
        "climate", TRANE_DOMAIN, f"{kept_all.entry_id}_1_zone", config_entry=kept_all
    )
    hass.config_entries.async_update_entry(
        mock_config_entry, data={**mock_config_entry.data, CONF_TAKE_OVER: kept_all.entry_id}
    )
    await async_take_over(hass, mock_config_entry)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None

    renamed = MockConfigEntry(domain=TRANE_DOMAIN, title="Hall", data={CONF_HOST: "1.2.3.4"})
    renamed.add_to_hass(hass)
    entities.async_get_or_create(
        "switch",
        TRANE_DOMAIN,
        f"{renamed.entry_id}_2_hold",
        config_entry=renamed,
        suggested_object_id="hall_hold",
    )
    hass.config_entries.async_update_entry(
        mock_config_entry, data={**mock_config_entry.data, CONF_TAKE_OVER: renamed.entry_id}
    )
    await async_take_over(hass, mock_config_entry)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "taken_over"
    assert issue.translation_placeholders == {
        "title": "Hall",
        "renamed": "switch.hall_hold → select.hall_hold",
    }
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.is_persistent
    assert not issue.is_fixable
