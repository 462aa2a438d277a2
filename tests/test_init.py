"""Setting up, unloading and failing to set up an entry."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.steamloop import async_remove_config_entry_device
from custom_components.steamloop.compat import device_by_identifier
from custom_components.steamloop.const import DOMAIN
from simulator import Simulator

from .conftest import MAC


async def test_setup_and_unload(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    thermostat: Simulator,
    device_registry: dr.DeviceRegistry,
) -> None:
    """The entry loads with one thermostat device and one device per zone, and unloads cleanly."""
    entry = init_integration
    assert entry.state is ConfigEntryState.LOADED
    thermostat_device = device_by_identifier(device_registry, (DOMAIN, MAC), entry.entry_id)
    assert thermostat_device is not None
    assert (dr.CONNECTION_NETWORK_MAC, MAC) in thermostat_device.connections
    zones = [
        device
        for device in dr.async_entries_for_config_entry(device_registry, entry.entry_id)
        if device.via_device_id == thermostat_device.id
    ]
    assert sorted(device.name for device in zones) == ["Bedroom", "Living Room"]

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    await thermostat.wait_for_clients(0)


async def test_remove_stale_zone_device(
    hass: HomeAssistant, init_integration: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    """Only devices of zones the thermostat no longer reports may be deleted."""
    entry = init_integration
    coordinator = entry.runtime_data
    thermostat_device = device_by_identifier(
        device_registry, (DOMAIN, coordinator.device_key), entry.entry_id
    )
    zone_device = device_by_identifier(
        device_registry, (DOMAIN, coordinator.zone_key("1")), entry.entry_id
    )
    stale = device_registry.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, coordinator.zone_key("9"))}
    )
    assert not await async_remove_config_entry_device(hass, entry, thermostat_device)
    assert not await async_remove_config_entry_device(hass, entry, zone_device)
    assert await async_remove_config_entry_device(hass, entry, stale)
