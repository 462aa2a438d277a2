"""Presets: named heat/cool pairs the thermostat holds permanently, kept in the entry's options.

The local protocol has no preset command, so a preset is ours: selecting one sends its pair as a
permanent hold, and a zone is in a preset when its setpoints equal the pair under a permanent hold.
The pairs are per thermostat: home, away and sleep describe the household, and an automation that
applies one applies it to every zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, NamedTuple

from homeassistant.components.climate.const import PRESET_AWAY, PRESET_HOME, PRESET_SLEEP
from homeassistant.const import UnitOfTemperature
from homeassistant.util.unit_conversion import TemperatureConverter

from .client import DEFAULT_DEADBAND, SETPOINT_MAX, SETPOINT_MIN, HoldType, Zone
from .client.rules import whole


class Setpoints(NamedTuple):
    """A preset's heating and cooling setpoints, whole degrees Fahrenheit."""

    heat: int
    cool: int


# Near the usual energy-saving guidance: a comfortable day, a wide band while nobody is home, and
# a cooler, slightly wider band for the night.
DEFAULT_PRESETS: Final = {
    PRESET_HOME: Setpoints(68, 76),
    PRESET_AWAY: Setpoints(62, 82),
    PRESET_SLEEP: Setpoints(64, 78),
}
PRESETS: Final = tuple(DEFAULT_PRESETS)
# The range (SETPOINT_MIN..SETPOINT_MAX) and the deadband assumed before a zone reports its own
# (DEFAULT_DEADBAND) are the client's rules, re-exported for the options flow.
__all__ = [
    "DEFAULT_DEADBAND",
    "DEFAULT_PRESETS",
    "PRESETS",
    "SETPOINT_MAX",
    "SETPOINT_MIN",
    "Setpoints",
    "option_key",
    "preset_of",
    "presets_from_options",
    "to_fahrenheit",
    "to_user",
    "to_user_interval",
]

FAHRENHEIT: Final = UnitOfTemperature.FAHRENHEIT


def to_user(value: float, unit: str) -> float:
    """Return a whole °F setpoint in the user's unit: as is in °F, to the half degree in °C.

    Half degrees Celsius (0.9 °F) are fine enough that every whole °F shows as its own value, and
    ``to_fahrenheit`` brings it back to the same whole °F.
    """
    if unit == FAHRENHEIT:
        return value
    return round(TemperatureConverter.convert(value, FAHRENHEIT, unit) * 2) / 2


def to_user_interval(value: float, unit: str) -> float:
    """Return a °F difference (the deadband) in the user's unit, to a tenth."""
    if unit == FAHRENHEIT:
        return value
    return round(TemperatureConverter.convert_interval(value, FAHRENHEIT, unit), 1)


def to_fahrenheit(value: float, unit: str) -> float:
    """Return a setpoint typed in the user's unit in °F: as typed in °F, whole °F from °C."""
    if unit == FAHRENHEIT:
        return value
    return float(whole(TemperatureConverter.convert(value, unit, FAHRENHEIT)))


def option_key(preset: str, side: str) -> str:
    """Return the options key of one side ("heat" or "cool") of a preset."""
    return f"{preset}_{side}"


def presets_from_options(options: Mapping[str, Any]) -> dict[str, Setpoints]:
    """Return every preset's pair: the user's from the options, the default otherwise."""
    return {
        preset: Setpoints(
            int(options.get(option_key(preset, "heat"), default.heat)),
            int(options.get(option_key(preset, "cool"), default.cool)),
        )
        for preset, default in DEFAULT_PRESETS.items()
    }


def preset_of(zone: Zone, presets: Mapping[str, Setpoints]) -> str | None:
    """Return the preset the zone holds permanently, or None when it holds none of them."""
    if zone.hold_type is not HoldType.MANUAL:
        return None
    for preset, pair in presets.items():
        if zone.heat_setpoint == pair.heat and zone.cool_setpoint == pair.cool:
            return preset
    return None
