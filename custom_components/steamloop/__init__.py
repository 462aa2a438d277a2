"""The steamloop integration: local control of Trane / American Standard thermostats."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from .const import DOMAIN
from .coordinator import SteamloopConfigEntry, SteamloopCoordinator, async_remove_structure

PLATFORMS = [Platform.CLIMATE, Platform.SELECT, Platform.SENSOR, Platform.SWITCH]


async def async_setup_entry(hass: HomeAssistant, entry: SteamloopConfigEntry) -> bool:
    """Set up the coordinator, which owns the link, then the platforms."""
    coordinator = SteamloopCoordinator(hass, entry)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: SteamloopConfigEntry) -> bool:
    """Unload the platforms; the coordinator stops the link through the entry's unload callbacks."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: SteamloopConfigEntry) -> None:
    """Forget the thermostat's stored structure."""
    await async_remove_structure(hass, entry)


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
