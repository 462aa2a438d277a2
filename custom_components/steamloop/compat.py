"""The differences between the supported Home Assistant releases, in one place.

Each name here goes once the oldest supported release (hacs.json) has what it stands in for.
"""

from __future__ import annotations

from homeassistant.components.climate import ClimateEntity
from homeassistant.const import MAJOR_VERSION, MINOR_VERSION
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo

__all__ = [
    "NATIVE_CLIMATE_TEMPERATURES",
    "device_by_identifier",
    "linked_to",
    "native_climate_temperatures",
    "vol",
]

# 2026.10 imports probatio (the same names as voluptuous: Schema, Required, UNDEFINED, ...) by
# its own name; 2026.9 runs it under the name voluptuous; before 2026.9 it is voluptuous itself.
# Import `vol` from here, never either package. mypy checks the branch of the release it runs
# on against that release's package (the other import is ignored).
if (MAJOR_VERSION, MINOR_VERSION) >= (2026, 10):
    import probatio as vol  # type: ignore[import-not-found, unused-ignore]
else:
    import voluptuous as vol  # type: ignore[no-redef, import-not-found, unused-ignore]

# 2026.8 made device identifiers unique within a config entry: a device is found by identifier
# within its entry (async_get_device_by_identifier) and linked to its parent by registry id
# (DeviceInfo's via_device_id; via_device, by identifier, is deprecated). Before 2026.8 only the
# identifier forms exist.
DEVICE_LOOKUP_PER_ENTRY = hasattr(dr.DeviceRegistry, "async_get_device_by_identifier")


def linked_to(device_id: str, identifier: tuple[str, str]) -> DeviceInfo:
    """Return the DeviceInfo keys that link a device to its parent (registry id, identifier)."""
    if DEVICE_LOOKUP_PER_ENTRY:
        return DeviceInfo(via_device_id=device_id)  # type: ignore[typeddict-unknown-key, unused-ignore]
    return DeviceInfo(via_device=identifier)  # type: ignore[typeddict-unknown-key, call-arg, unused-ignore]


def device_by_identifier(
    registry: dr.DeviceRegistry, identifier: tuple[str, str], config_entry_id: str
) -> dr.DeviceEntry | None:
    """Return the config entry's device with the identifier, if there is one."""
    if DEVICE_LOOKUP_PER_ENTRY:
        return registry.async_get_device_by_identifier(  # type: ignore[attr-defined, no-any-return, unused-ignore]
            identifier, config_entry_id
        )
    device = registry.async_get_device(identifiers={identifier})
    return device if device is not None and config_entry_id in device.config_entries else None


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
