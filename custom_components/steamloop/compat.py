"""The differences between the supported Home Assistant releases, in one place.

Each name here goes once the oldest supported release (hacs.json) has what it stands in for.
"""

from __future__ import annotations

from homeassistant.components.climate import ClimateEntity

# 2026.11 names a climate entity's temperatures native_* (and deprecates the plain names).
NATIVE_CLIMATE_TEMPERATURES = hasattr(ClimateEntity, "native_temperature_unit")
_CLIMATE_NAMES = {
    "temperature_unit": "_attr_native_temperature_unit",
    "current_temperature": "native_current_temperature",
    "target_temperature": "native_target_temperature",
    "target_temperature_low": "native_target_temperature_low",
    "target_temperature_high": "native_target_temperature_high",
}


def _alias(name: str) -> property:
    """Return a read-only property that reads another attribute."""
    return property(lambda entity: getattr(entity, name), doc=f"Return {name}.")


def native_climate_temperatures[T: type[ClimateEntity]](cls: T) -> T:
    """Serve the plain names from the native_* ones on releases without native_* (2026.10).

    The class is written against the native_* names only, so newer releases see nothing
    deprecated and older ones read the same values through the names they know.
    """
    if not NATIVE_CLIMATE_TEMPERATURES:
        for old, new in _CLIMATE_NAMES.items():
            setattr(cls, old, _alias(new))
    return cls
