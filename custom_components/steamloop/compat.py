"""The differences between the supported Home Assistant releases, in one place.

The integration is written against the newest release's API; each bridge below serves it on the
older ones and names the release that brought the difference, so that dropping a release (raising
hacs.json) is deleting the bridges it no longer needs.

Bridged here (import these, not the Home Assistant names):
- `vol`: the schema library (probatio since 2026.9/2026.10, voluptuous before). mypy on 2026.9
  alone sees Home Assistant annotate voluptuous while it runs probatio; the gate type-checks
  the oldest and the newest release.
- `linked_to()`, `device_by_identifier()`: device links and look-ups (by registry id since 2026.8).
- `native_climate_temperatures`: a climate entity's native_* temperatures (2026.11).

Newer than the oldest supported release (2026.6.4) and not bridged yet: do not use them directly;
add a bridge here first (mypy --strict on the oldest release and the suite on every release catch
a use):
- 2026.7: ConfigEntry.async_start_reauth_if_available; the StrEnum attribute names
  (ClimateEntityCapabilityAttribute, EntityStateAttribute, SensorEntityCapabilityAttribute, ...;
  plain strings work on every release); const.UnitOfRatio (PERCENTAGE works everywhere).
- 2026.8: DeviceRegistry.async_get_device_by_connection; HomeAssistant.async_add_startup_job;
  DeviceInfo(via_device_id=...) (use linked_to). const.CONCENTRATION_* are gone from
  2026.8 on, DeviceInfo's via_device from 2026.9: do not use them either.
- 2026.10: ConfigEntriesFlowManager.async_dismiss_discovery_flows,
  ConfigEntries.async_retry_migration.
- 2026.11: ConfigEntries.async_unload_platforms_or_raise; ConfigEntryNotReady(retry_after=...);
  issue_registry.async_keep_issue / async_refresh_issues; data_entry_flow.Required/Optional;
  returning None from async_setup_entry/async_unload_entry (earlier releases need a bool);
  helpers.event.async_track_state_change is gone (use async_track_state_change_event).
Unchanged over the range (safe as they are): DhcpServiceInfo and the manifest's dhcp matchers
(registered_devices), ConfigFlow.async_step_dhcp, _async_abort_entries_match,
async_update_reload_and_abort, BinarySensorEntity and its device classes, DataUpdateCoordinator.
The manifest's categories and connectivity are read from 2026.11 on; earlier loaders ignore them.
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
# on against that release's package (the other import is ignored). A release runs one import;
# the suite runs on every release, so each runs somewhere (hence no coverage of either here).
if (MAJOR_VERSION, MINOR_VERSION) >= (2026, 10):  # pragma: no branch
    import probatio as vol  # type: ignore[import-not-found, unused-ignore]  # pragma: no cover
else:
    import voluptuous as vol  # type: ignore[no-redef, import-not-found, unused-ignore]  # pragma: no cover

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
    if DEVICE_LOOKUP_PER_ENTRY:  # pragma: no branch - before 2026.8 the method does not exist
        return registry.async_get_device_by_identifier(  # type: ignore[attr-defined, no-any-return, unused-ignore]  # pragma: no cover
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
