"""The thermostat's device and its zones' devices: identifiers, registration, names, removal.

The thermostat's device is registered at setup; a zone's device is created with its first entity
(entity.py builds its DeviceInfo from ``zone_key``), takes the name the thermostat reports as it
arrives or changes, and is removed when the client reports the zone removed (only ever after a
complete sync: client/supervisor.py decides that, not this module).
"""

from __future__ import annotations

from datetime import datetime

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import device_registry as dr

from .client import Zone
from .compat import device_by_identifier
from .const import DOMAIN, MANUFACTURER
from .identity import is_mac


def device_key(entry: ConfigEntry) -> str:
    """Return the stable key that entity unique ids and device identifiers derive from."""
    return entry.unique_id or entry.entry_id


def zone_device_key(device_key: str, zone_id: str) -> str:
    """Return the identifier of a zone's device; its entities' unique ids start with it."""
    return f"{device_key}_zone_{zone_id}"


def zone_key(entry: ConfigEntry, zone_id: str) -> str:
    """Return the identifier of one of an entry's zone devices."""
    return zone_device_key(device_key(entry), zone_id)


@callback
def async_register_thermostat(hass: HomeAssistant, entry: ConfigEntry) -> str:
    """Register the thermostat's own device (zone devices link to it) and return its id."""
    mac = entry.unique_id if is_mac(entry.unique_id) else None
    return (
        dr.async_get(hass)
        .async_get_or_create(
            config_entry_id=entry.entry_id,
            identifiers={(DOMAIN, device_key(entry))},
            connections={(dr.CONNECTION_NETWORK_MAC, mac)} if mac else set(),
            manufacturer=MANUFACTURER,
            name=entry.title,
        )
        .id
    )


@callback
def zone_names_in_registry(hass: HomeAssistant, entry: ConfigEntry) -> dict[str, str | None]:
    """Return the zones an entry's zone devices stand for, with their names."""
    prefix = zone_key(entry, "")
    return {
        identifier[len(prefix) :]: device.name
        for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        for domain, identifier in device.identifiers
        if domain == DOMAIN and identifier.startswith(prefix)
    }


class ZoneDevices:
    """Keeps the zone devices of one entry in step with the zones the thermostat reports."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Start with no name applied yet."""
        self._hass = hass
        self._entry = entry
        # The name last given to each zone's device, so an unchanged name costs no lookup.
        self._names: dict[str, str] = {}

    @callback
    def rename(self, zones: dict[str, Zone], zone_ids: set[str]) -> None:
        """Give zone devices the names the thermostat reports, as they arrive or change."""
        registry = dr.async_get(self._hass)
        for zone_id in zone_ids:
            zone = zones.get(zone_id)
            if zone is None or not zone.name or self._names.get(zone_id) == zone.name:
                continue
            device = self._device(registry, zone_id)
            if device is None:
                continue
            self._names[zone_id] = zone.name
            if device.name != zone.name:
                registry.async_update_device(device.id, name=zone.name)

    @callback
    def remove(self, zone_ids: frozenset[str]) -> None:
        """Remove the devices (and so the entities) of zones the thermostat no longer has."""
        registry = dr.async_get(self._hass)
        for zone_id in zone_ids:
            self._names.pop(zone_id, None)
            device = self._device(registry, zone_id)
            if device is not None:
                registry.async_remove_device(device.id)

    @callback
    def place_new(self, zones: dict[str, Zone], since: datetime) -> None:
        """Put the zone devices created since `since` in the area of their name.

        What ``suggested_area`` does, but after the entities are registered: given at creation,
        the area would also prefix every entity id of the zone (``climate.living_room_living_room``
        for a zone named like its room). A device created before, or moved by its user, is left
        where it is; the area is created when there is none of that name.
        """
        devices = dr.async_get(self._hass)
        areas = ar.async_get(self._hass)
        for zone_id, zone in zones.items():
            device = self._device(devices, zone_id)
            if device is None or device.area_id or device.created_at < since or not zone.name:
                continue
            area = areas.async_get_area_by_name(zone.name) or areas.async_create(zone.name)
            devices.async_update_device(device.id, area_id=area.id)

    def _device(self, registry: dr.DeviceRegistry, zone_id: str) -> dr.DeviceEntry | None:
        return device_by_identifier(
            registry, (DOMAIN, zone_key(self._entry, zone_id)), self._entry.entry_id
        )
