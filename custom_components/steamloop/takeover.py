"""Taking over a thermostat from Home Assistant's own Trane Local: areas and entity ids kept.

The config flow's "Take over from Trane Local" reuses the Trane Local entry's address and key and
stores that entry's id; the new entry's first setup then moves what the user built on it:

- each zone's climate entity becomes ours under the same entity id (the registry entry itself
  moves, so the name, icon and area the user gave it stay, and so do automations and dashboards);
- the zone devices' areas and the names the user gave them go to our zone devices, and the
  thermostat device's area to ours;
- Trane Local's per-zone "hold" switch has no counterpart of its kind here (ours is a select with
  three choices), so its entity id cannot be kept: the select takes the same object id in its own
  domain (``switch.living_room_hold`` -> ``select.living_room_hold``), and the flow's last step and
  a repair issue (repairs.py creates it) list each such change;
- the Trane Local entry is removed: left in place it would open a second connection to the
  thermostat and re-create its entities under new ids.

The flow shows the plan before the entry exists; the setup recomputes it from the registries and
carries it out, so what is said and what is done come from one function.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo

from .compat import linked_to
from .const import CONF_TAKE_OVER, DOMAIN, LOGGER, MANUFACTURER, TRANE_DOMAIN
from .coordinator import SteamloopConfigEntry
from .devices import zone_device_key
from .repairs import async_create_taken_over_issue

# Trane Local's unique id suffix -> (our platform, our entity key) for each zone entity.
_ZONE_ENTITIES: dict[str, tuple[Platform, str]] = {
    "zone": (Platform.CLIMATE, "climate"),
    "hold": (Platform.SELECT, "hold"),
}


@dataclass(frozen=True, slots=True)
class Place:
    """Where a device is and the name its user gave it."""

    area_id: str | None
    name_by_user: str | None
    name: str | None


@dataclass(slots=True)
class TakeOverPlan:
    """What a take-over keeps and what it changes."""

    # Our zone id -> the place of Trane Local's zone device; the thermostat's own place.
    zones: dict[str, Place] = field(default_factory=dict)
    thermostat: Place | None = None
    # Trane Local entity id -> (our unique id, our platform): the registry entry moves as is.
    kept: dict[str, tuple[str, Platform]] = field(default_factory=dict)
    # Trane Local entity id -> (our unique id, our platform, the entity id ours gets).
    renamed: dict[str, tuple[str, Platform, str]] = field(default_factory=dict)

    def renamed_text(self) -> str:
        """Return the changed entity ids, one "old → new" a line, or "-" when none changed."""
        lines = [f"{old} → {new}" for old, (_, _, new) in sorted(self.renamed.items())]
        return "\n".join(lines) or "-"

    def kept_text(self) -> str:
        """Return the entity ids kept, comma separated, or "-"."""
        return ", ".join(sorted(self.kept)) or "-"


def _place(device: dr.DeviceEntry) -> Place:
    return Place(device.area_id, device.name_by_user, device.name)


@callback
def plan_take_over(hass: HomeAssistant, trane: ConfigEntry, device_key: str) -> TakeOverPlan:
    """Return what taking over `trane` as the thermostat `device_key` keeps and changes."""
    plan = TakeOverPlan()
    devices = dr.async_get(hass)
    entities = er.async_get(hass)
    zone_prefix = f"{trane.entry_id}_"
    for device in dr.async_entries_for_config_entry(devices, trane.entry_id):
        for domain, identifier in device.identifiers:
            if domain != TRANE_DOMAIN:
                continue
            if identifier == trane.entry_id:
                plan.thermostat = _place(device)
            elif identifier.startswith(zone_prefix):
                plan.zones[identifier.removeprefix(zone_prefix)] = _place(device)
    for entity in er.async_entries_for_config_entry(entities, trane.entry_id):
        zone_id, _, suffix = entity.unique_id.removeprefix(zone_prefix).rpartition("_")
        if suffix not in _ZONE_ENTITIES or not zone_id:
            continue
        platform, key = _ZONE_ENTITIES[suffix]
        unique_id = f"{zone_device_key(device_key, zone_id)}_{key}"
        if entities.async_get_entity_id(platform, DOMAIN, unique_id) is not None:
            continue  # Ours already (a take-over carried out before).
        if entity.domain == platform:
            plan.kept[entity.entity_id] = (unique_id, platform)
        else:
            object_id = entity.entity_id.partition(".")[2]
            new = entities.async_get_available_entity_id(platform, object_id)
            plan.renamed[entity.entity_id] = (unique_id, platform, new)
    return plan


async def async_take_over(hass: HomeAssistant, entry: SteamloopConfigEntry) -> None:
    """Carry out the take-over an entry was created with, once; then forget it."""
    trane_id = entry.data[CONF_TAKE_OVER]
    trane = hass.config_entries.async_get_entry(trane_id)
    if trane is not None and trane.domain == TRANE_DOMAIN:
        if trane.state is ConfigEntryState.LOADED:
            # Registry entries move only while no entity holds them.
            await hass.config_entries.async_unload(trane.entry_id)
        _async_move(hass, entry, trane, plan_take_over(hass, trane, entry.unique_id or ""))
        await hass.config_entries.async_remove(trane.entry_id)
    data = {key: value for key, value in entry.data.items() if key != CONF_TAKE_OVER}
    hass.config_entries.async_update_entry(entry, data=data)


@callback
def _async_move(
    hass: HomeAssistant, entry: SteamloopConfigEntry, trane: ConfigEntry, plan: TakeOverPlan
) -> None:
    devices = dr.async_get(hass)
    entities = er.async_get(hass)
    device_key = entry.unique_id or entry.entry_id
    thermostat = devices.async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, device_key)},
        manufacturer=MANUFACTURER,
        name=entry.title,
    )
    if plan.thermostat is not None and plan.thermostat.area_id:
        devices.async_update_device(thermostat.id, area_id=plan.thermostat.area_id)
    zone_devices: dict[str, str] = {}
    for zone_id, place in plan.zones.items():
        info = DeviceInfo(
            identifiers={(DOMAIN, zone_device_key(device_key, zone_id))},
            manufacturer=MANUFACTURER,
            name=place.name,
            **linked_to(thermostat.id, (DOMAIN, device_key)),
        )
        device = devices.async_get_or_create(config_entry_id=entry.entry_id, **info)
        devices.async_update_device(
            device.id, area_id=place.area_id, name_by_user=place.name_by_user
        )
        zone_devices[zone_id] = device.id
    prefix = zone_device_key(device_key, "")
    for entity_id, (unique_id, _platform) in plan.kept.items():
        zone_id = unique_id.removeprefix(prefix).rpartition("_")[0]
        entities.async_update_entity_platform(
            entity_id,
            DOMAIN,
            new_config_entry_id=entry.entry_id,
            new_unique_id=unique_id,
            new_device_id=zone_devices.get(zone_id),
        )
    for (unique_id, platform, new), zone_id in (
        (renamed, renamed[0].removeprefix(prefix).rpartition("_")[0])
        for renamed in plan.renamed.values()
    ):
        entities.async_get_or_create(
            platform,
            DOMAIN,
            unique_id,
            config_entry=entry,
            device_id=zone_devices.get(zone_id),
            suggested_object_id=new.partition(".")[2],
        )
    LOGGER.debug(
        "Took over a Trane Local entry: %d entities kept, %d renamed, %d zones placed",
        len(plan.kept),
        len(plan.renamed),
        len(plan.zones),
    )
    if plan.renamed:
        async_create_taken_over_issue(hass, entry, trane.title, plan.renamed_text())
