"""The structure last seen (zones and their names, supported modes, emergency heat) and its store.

An entry that has connected before is set up from it at once, before the thermostat answers
(coordinator.py). It is stored (``helpers.storage.Store``, key ``steamloop.<entry_id>``) whenever
a READY link shows it changed, and deleted with the entry. An entry set up by a version that
stored no structure starts from its registries instead: its zone devices name the zones and the
emergency heat switch's registry entry tells whether there is one; the supported modes are
learnt when the thermostat answers.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.storage import Store

from .client import ThermostatState, Zone, ZoneMode
from .const import DOMAIN, STORAGE_VERSION
from .devices import device_key, zone_names_in_registry


def storage_key(entry: ConfigEntry) -> str:
    """Return the storage key of an entry's last known structure."""
    return f"{DOMAIN}.{entry.entry_id}"


def structure_of(state: ThermostatState) -> dict[str, Any]:
    """Return what entities are made from: zones and their names, modes, emergency heat."""
    return {
        "zones": {zone_id: zone.name for zone_id, zone in state.zones.items()},
        "supported_modes": [mode.value for mode in state.supported_modes],
        "emergency_heat": state.emergency_heat is not None,
    }


def restored(structure: dict[str, Any]) -> ThermostatState:
    """Return a state holding a stored structure and no readings."""
    modes = [mode for mode in ZoneMode if mode.value in structure.get("supported_modes", [])]
    return ThermostatState(
        zones={
            str(zone_id): Zone(str(zone_id), name=name)
            for zone_id, name in structure.get("zones", {}).items()
        },
        supported_modes=tuple(modes),
    )


class StructureStore:
    """Loads and saves one entry's structure; saves only what differs from the last one."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Prepare the entry's store; nothing is read before ``async_load``."""
        self._hass = hass
        self._entry = entry
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, storage_key(entry))
        self._saved: dict[str, Any] | None = None

    async def async_load(self) -> dict[str, Any] | None:
        """Return the stored structure, else the one the registries tell, else None."""
        stored = await self._store.async_load() or self._from_registries()
        self._saved = stored
        return stored

    @callback
    def async_save(self, state: ThermostatState) -> None:
        """Store the state's structure when it differs from the one stored."""
        structure = structure_of(state)
        if structure != self._saved:
            self._saved = structure
            self._entry.async_create_task(
                self._hass, self._store.async_save(structure), f"{DOMAIN} store structure"
            )

    @callback
    def _from_registries(self) -> dict[str, Any] | None:
        """Return the structure an entry set up before the structure was stored left behind."""
        zones = zone_names_in_registry(self._hass, self._entry)
        if not zones:
            return None
        switch = er.async_get(self._hass).async_get_entity_id(
            "switch", DOMAIN, f"{device_key(self._entry)}_emergency_heat"
        )
        return {"zones": zones, "supported_modes": [], "emergency_heat": switch is not None}


async def async_remove_structure(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Delete an entry's stored structure."""
    await Store[dict[str, Any]](hass, STORAGE_VERSION, storage_key(entry)).async_remove()
