"""Presets: the options flow that sets their pairs, selecting one, and reading it back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from homeassistant.components.climate import (
    ATTR_PRESET_MODE,
    ATTR_PRESET_MODES,
    SERVICE_SET_PRESET_MODE,
)
from homeassistant.components.climate import DOMAIN as CLIMATE_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util.unit_system import METRIC_SYSTEM
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.steamloop.const import DOMAIN
from custom_components.steamloop.presets import to_user
from simulator import Simulator

from .virtual_time import Clock

pytestmark = pytest.mark.usefixtures("us_units")

LIVING = "climate.living_room"
BEDROOM = "climate.bedroom"
DEFAULTS = {
    "home_heat": 68,
    "home_cool": 76,
    "away_heat": 62,
    "away_cool": 82,
    "sleep_heat": 64,
    "sleep_cool": 78,
}
EN = json.loads(
    (Path(__file__).parent.parent / "custom_components/steamloop/translations/en.json").read_text()
)


def _suggested(result: Any) -> dict[str, Any]:
    """Return the values the form shows, by field."""
    return {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description and "suggested_value" in key.description
    }


async def _set_preset(hass: HomeAssistant, entity_id: str, preset: str) -> None:
    await hass.services.async_call(
        CLIMATE_DOMAIN,
        SERVICE_SET_PRESET_MODE,
        {ATTR_ENTITY_ID: entity_id, ATTR_PRESET_MODE: preset},
        blocking=True,
    )


def _preset(hass: HomeAssistant, entity_id: str) -> str:
    return hass.states.get(entity_id).attributes[ATTR_PRESET_MODE]


async def test_options_flow_saves_pairs_and_applies_them_at_once(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """The form starts from the defaults; saved pairs apply without reconnecting."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert _suggested(result) == DEFAULTS
    assert result["description_placeholders"]["deadband"] == "3"

    thermostat.set_setpoints("1", heat=60, cool=85, hold_type=1)
    await clock.until(lambda: hass.states.get(LIVING).attributes["target_temp_low"] == 60, limit=5)
    assert _preset(hass, LIVING) == "none"

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**DEFAULTS, "away_heat": 60.0, "away_cool": 85.0}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options == {**DEFAULTS, "away_heat": 60, "away_cool": 85}
    await hass.async_block_till_done()
    assert _preset(hass, LIVING) == "away"
    # Applied live: the same connection, no reload.
    assert thermostat.connections == 1

    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert _suggested(result)["away_heat"] == 60


@pytest.mark.parametrize(
    ("changes", "errors", "named"),
    [
        ({"sleep_heat": 64.5}, {"sleep_heat": "whole_degrees"}, {}),
        ({"away_heat": 30}, {"away_heat": "out_of_range"}, {}),
        ({"away_cool": 100}, {"away_cool": "out_of_range"}, {}),
        ({"home_heat": 74}, {"home_cool": "deadband"}, {}),
        # The duplicate error names the two presets as the climate dialog does.
        (
            {"sleep_heat": 68, "sleep_cool": 76},
            {"base": "duplicate_presets"},
            {"first": "Home", "second": "Sleep"},
        ),
    ],
)
async def test_options_flow_refuses_bad_pairs(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    changes: dict[str, float],
    errors: dict[str, str],
    named: dict[str, str],
) -> None:
    """Each mistake gets a translated error, keeps what was typed, and saves nothing."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    typed = {**DEFAULTS, **changes}
    result = await hass.config_entries.options.async_configure(result["flow_id"], typed)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    assert all(error in EN["options"]["error"] for error in errors.values())
    assert _suggested(result) == typed
    assert result["description_placeholders"] == {
        "deadband": "3",
        "min": "40",
        "max": "99",
        **named,
        "unit": "°F",
    }
    assert init_integration.options == {}

    result = await hass.config_entries.options.async_configure(result["flow_id"], DEFAULTS)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_options_flow_in_celsius(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A °C user sees and types °C (half degrees); the thermostat still gets whole °F."""
    hass.config.units = METRIC_SYSTEM
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert _suggested(result)["home_heat"] == 20.0  # 68 °F
    assert _suggested(result)["away_cool"] == 28.0  # 82 °F
    assert result["description_placeholders"] == {
        "deadband": "1.7",
        "min": "4.5",
        "max": "37",
        "unit": "°C",
    }
    celsius = {key: to_user(value, "°C") for key, value in DEFAULTS.items()}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**celsius, "away_heat": 2}
    )
    assert result["errors"] == {"away_heat": "out_of_range"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**celsius, "home_heat": 21, "home_cool": 24.5}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options == {**DEFAULTS, "home_heat": 70, "home_cool": 76}


async def test_options_flow_keeps_the_zones_deadband(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """A thermostat with a wider deadband refuses pairs closer than it."""
    thermostat.set_setpoints("2", heat=60, cool=70, deadband=5)
    coordinator = init_integration.runtime_data
    await clock.until(lambda: coordinator.data.zones["2"].deadband == 5, limit=5)
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["description_placeholders"]["deadband"] == "5"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**DEFAULTS, "home_heat": 72}
    )
    assert result["errors"] == {"home_cool": "deadband"}


async def test_options_flow_while_not_loaded(hass: HomeAssistant) -> None:
    """Without a connection the flow uses the usual 3 °F deadband."""
    entry = MockConfigEntry(domain=DOMAIN, title="Thermostat", data={})
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["description_placeholders"]["deadband"] == "3"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**DEFAULTS, "away_cool": 64}
    )
    assert result["errors"] == {"away_cool": "deadband"}


async def test_presets_offered(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """Every zone offers home, away and sleep; schedule-following zones are in none."""
    living = hass.states.get(LIVING)
    assert living.attributes[ATTR_PRESET_MODES] == ["home", "away", "sleep", "none"]
    assert living.attributes[ATTR_PRESET_MODE] == "none"


async def test_selecting_a_preset_sends_a_permanent_hold(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """Away sends its pair with a permanent hold, and the zone then reports away."""
    await _set_preset(hass, LIVING, "away")
    command = await thermostat.wait_for_command("UpdateTemperatureSetpoint")
    assert command.applied
    assert command.fields["zone_id"] == "1"
    assert command.fields["heat_setpoint"] == "62"
    assert command.fields["cool_setpoint"] == "82"
    assert command.fields["hold_type"] == "1"
    await clock.until(lambda: _preset(hass, LIVING) == "away", limit=5)
    assert hass.states.get(LIVING).state == "heat_cool"
    assert _preset(hass, BEDROOM) == "none"

    # A heat-only zone gets both sides too, so the preset holds once it is switched to cooling.
    await _set_preset(hass, BEDROOM, "sleep")
    command = await thermostat.wait_for_command("UpdateTemperatureSetpoint", 2)
    assert (command.fields["heat_setpoint"], command.fields["cool_setpoint"]) == ("64", "78")
    await clock.until(lambda: _preset(hass, BEDROOM) == "sleep", limit=5)
    assert hass.states.get(BEDROOM).attributes["temperature"] == 64


async def test_none_leaves_a_preset_for_the_schedule(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """None resumes the schedule after a preset, and leaves a hold of the user's own alone."""
    await _set_preset(hass, LIVING, "none")
    assert thermostat.commands == []

    await _set_preset(hass, LIVING, "home")
    await clock.until(lambda: _preset(hass, LIVING) == "home", limit=5)
    await _set_preset(hass, LIVING, "none")
    command = await thermostat.wait_for_command("UpdateTemperatureSetpoint", 2)
    assert command.fields["hold_type"] == "2"
    await clock.until(lambda: _preset(hass, LIVING) == "none", limit=5)
    assert hass.states.get(LIVING).state == "auto"

    thermostat.set_setpoints("1", heat=66, cool=79, hold_type=1)
    await clock.until(lambda: hass.states.get(LIVING).state == "heat_cool", limit=5)
    await _set_preset(hass, LIVING, "none")
    assert len(thermostat.commands) == 2


@pytest.mark.parametrize(
    ("setpoints", "preset"),
    [
        ({"heat": 62, "cool": 82, "hold_type": 1}, "away"),
        ({"heat": 64, "cool": 78, "hold_type": 1}, "sleep"),
        ({"heat": 68, "cool": 76, "hold_type": 1}, "home"),
        # The pair alone is not enough: the schedule or a temporary hold is not the preset.
        ({"heat": 62, "cool": 82, "hold_type": 2}, "none"),
        ({"heat": 62, "cool": 82, "hold_type": 3}, "none"),
        ({"heat": 62, "cool": 83, "hold_type": 1}, "none"),
    ],
)
async def test_preset_read_from_the_thermostat(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    thermostat: Simulator,
    clock: Clock,
    setpoints: dict[str, int],
    preset: str,
) -> None:
    """Setpoints changed at the thermostat show the preset they match, if any."""
    thermostat.set_setpoints("2", **setpoints)
    coordinator = init_integration.runtime_data
    await clock.until(
        lambda: coordinator.data.zones["2"].cool_setpoint == setpoints["cool"], limit=5
    )
    await hass.async_block_till_done()
    assert _preset(hass, BEDROOM) == preset


async def test_preset_closer_than_the_zones_deadband_is_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """A pair the zone's deadband forbids is refused with a translated error; nothing is sent."""
    thermostat.set_setpoints("1", heat=50, cool=70, deadband=9)
    coordinator = init_integration.runtime_data
    await clock.until(lambda: coordinator.data.zones["1"].deadband == 9, limit=5)
    with pytest.raises(ServiceValidationError) as err:
        await _set_preset(hass, LIVING, "home")
    assert err.value.translation_key == "deadband_too_small"
    assert err.value.translation_placeholders == {"heat": "68", "cool": "76", "deadband": "9"}
    assert thermostat.commands == []


def test_every_preset_has_an_icon_and_a_name() -> None:
    """The preset list, its icons and its English names agree."""
    icons = json.loads(
        (Path(__file__).parent.parent / "custom_components/steamloop/icons.json").read_text()
    )
    shown = icons["entity"]["climate"]["zone"]["state_attributes"]["preset_mode"]["state"]
    names = EN["entity"]["climate"]["zone"]["state_attributes"]["preset_mode"]["state"]
    assert set(shown) == set(names) == {"home", "away", "sleep", "none"}
