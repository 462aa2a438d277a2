"""The steamloop integration: local control of Trane / American Standard thermostats."""

from __future__ import annotations

from homeassistant.const import CONF_HOST, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryError
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util

from .const import CONF_TAKE_OVER, DOMAIN
from .coordinator import SteamloopConfigEntry, SteamloopCoordinator
from .helpers import valid_host
from .identity import async_settle_identity, async_upgrade_entry
from .repairs import async_delete_taken_over_issue
from .storage import async_remove_structure
from .takeover import async_take_over

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.CLIMATE,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
]


async def async_setup_entry(hass: HomeAssistant, entry: SteamloopConfigEntry) -> bool:
    """Set up the coordinator, which owns the link, then the platforms."""
    if CONF_HOST in entry.data and not valid_host(entry.data[CONF_HOST]):
        # Retrying cannot help an address no resolver takes; reconfiguring the entry can.
        raise ConfigEntryError(translation_domain=DOMAIN, translation_key="invalid_host")
    async_settle_identity(hass, entry)
    if CONF_TAKE_OVER in entry.data:
        await async_take_over(hass, entry)
    started = dt_util.utcnow()
    coordinator = SteamloopCoordinator(hass, entry)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    coordinator.async_place_new_zone_devices(started)
    return True


async def async_migrate_entry(hass: HomeAssistant, entry: SteamloopConfigEntry) -> bool:
    """Upgrade an older entry: identity and title off its address, entity ids kept (identity.py).

    Home Assistant itself refuses an entry of a newer major version (a downgrade).
    """
    if entry.minor_version < 2:  # noqa: PLR2004 - the minor version this upgrade reaches
        async_upgrade_entry(hass, entry)
        hass.config_entries.async_update_entry(entry, minor_version=2)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: SteamloopConfigEntry) -> bool:
    """Unload the platforms; the coordinator stops the link through the entry's unload callbacks."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: SteamloopConfigEntry) -> None:
    """Forget the thermostat's stored structure and what its issues said."""
    await async_remove_structure(hass, entry)
    async_delete_taken_over_issue(hass, entry)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: SteamloopConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user delete a zone device the thermostat no longer reports."""
    coordinator = entry.runtime_data
    if (DOMAIN, coordinator.device_key) in device.identifiers:
        return False
    return not any(
        (DOMAIN, coordinator.zone_key(zone_id)) in device.identifiers
        for zone_id in coordinator.data.zones
    )
