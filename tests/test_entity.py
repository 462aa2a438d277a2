"""The entity base: what an entity declares it reads is what it shows, and what it is written on.

Every entity declares the fields it reads once (``reads``); the base subscribes to their keys and
writes only when their values change. An entity that read a field it does not declare would go
stale when that field changes, so these tests render every entity of every platform with the
thermostat's state, its zones and the link's statistics recording each read, and compare.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import fields
from typing import Any
from unittest.mock import PropertyMock, patch

import pytest
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import async_get_platforms
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.steamloop.binary_sensor import BINARY_SENSORS
from custom_components.steamloop.client import LinkStats, SystemField, Zone
from custom_components.steamloop.climate import CLIMATES
from custom_components.steamloop.const import DOMAIN
from custom_components.steamloop.coordinator import SteamloopCoordinator
from custom_components.steamloop.entity import (
    Field,
    LinkField,
    SteamloopEntity,
    SteamloopEntityDescription,
    StructureField,
    ZoneField,
)
from custom_components.steamloop.select import SELECTS
from custom_components.steamloop.sensor import SENSORS, SteamloopSensor
from custom_components.steamloop.switch import SWITCHES
from simulator import Simulator

from .virtual_time import Clock

pytestmark = pytest.mark.usefixtures("us_units", "entity_registry_enabled_by_default")

DESCRIPTIONS: dict[str, tuple[SteamloopEntityDescription, ...]] = {
    "binary_sensor": BINARY_SENSORS,
    "climate": CLIMATES,
    "select": SELECTS,
    "sensor": SENSORS,
    "switch": SWITCHES,
}


class _Recorded:
    """Forwards every attribute of an object, noting the fields read."""

    def __init__(self, target: object, field: type[Field], seen: set[Field | str]) -> None:
        self._target, self._field, self._seen = target, field, seen

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if name == "zones":
            return _RecordedZones(value, self._seen)
        if name != "zone_id" and not callable(value):
            try:
                self._seen.add(self._field(name))
            except ValueError:
                self._seen.add(f"{self._field.__name__}.{name}")
        return value


class _RecordedZones(Mapping[str, Any]):
    """A state's zones: looking up one's own zone is no read; counting or listing them is."""

    def __init__(self, zones: dict[str, Zone], seen: set[Field | str]) -> None:
        self._zones, self._seen = zones, seen

    def __getitem__(self, zone_id: str) -> Any:
        return _Recorded(self._zones[zone_id], ZoneField, self._seen)

    def __contains__(self, zone_id: object) -> bool:
        return zone_id in self._zones

    def __iter__(self) -> Iterator[str]:
        self._seen.add(StructureField.ZONE_COUNT)
        return iter(self._zones)

    def __len__(self) -> int:
        self._seen.add(StructureField.ZONE_COUNT)
        return len(self._zones)


def _what_it_reads(entity: SteamloopEntity) -> set[Field | str]:
    """Return the fields read while working out the entity's state and attributes."""
    coordinator = entity.coordinator
    seen: set[Field | str] = set()
    real_available = SteamloopCoordinator.available.fget  # type: ignore[attr-defined]

    def available(self: SteamloopCoordinator) -> bool:
        seen.add(LinkField.CONNECTED)
        return bool(real_available(self))

    stats = _Recorded(coordinator.supervisor.stats, LinkField, seen)
    with (
        patch.object(coordinator, "data", _Recorded(coordinator.data, SystemField, seen)),
        patch.object(SteamloopEntity, "link", new_callable=PropertyMock, return_value=stats),
        patch.object(SteamloopCoordinator, "available", property(available)),
    ):
        # What a state write is made of, and a description's value (a running time counts it).
        _ = (
            entity.state,
            entity.capability_attributes,
            entity.state_attributes,
            entity.extra_state_attributes,
        )
        if isinstance(entity, SteamloopSensor):
            entity.entity_description.value_fn(entity)
    return seen


def _our_entities(hass: HomeAssistant) -> list[SteamloopEntity]:
    return [
        entity
        for platform in async_get_platforms(hass, DOMAIN)
        for entity in platform.entities.values()
        if isinstance(entity, SteamloopEntity)
    ]


async def test_every_entity_reads_exactly_what_it_declares(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """Each description's entities read the fields in its ``reads``, no other, and each of them.

    Rendered twice, with the system idle and with it heating and cooling, so that the fields read
    only in some states (a zone's action) are read too; the zones are in auto and in heat.
    """
    reads: dict[str, set[Field | str]] = {}
    declared: dict[str, frozenset[Field]] = {}
    for running in (False, True):
        if running:
            thermostat.set_heating(2)
            thermostat.set_cooling(2)
            await clock.until(
                lambda: hass.states.get("sensor.thermostat_heating").state == "running",
                limit=5,
            )
        for entity in _our_entities(hass):
            description = entity.entity_description
            name = f"{entity.platform.domain}.{description.key}"
            declared[name] = description.reads
            reads.setdefault(name, set()).update(_what_it_reads(entity))
    # Every description of every platform was rendered.
    assert set(declared) == {
        f"{domain}.{description.key}"
        for domain, descriptions in DESCRIPTIONS.items()
        for description in descriptions
    }
    assert reads == declared


async def test_an_entity_is_written_when_a_field_it_reads_changes_and_only_then(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """A setpoint writes the zone's climate and hold select, not its temperature sensor."""
    written: list[str] = []

    @callback
    def record(event: Event) -> None:
        written.append(event.data["entity_id"])

    hass.bus.async_listen("state_changed", record)
    hass.bus.async_listen("state_reported", record, event_filter=callback(lambda data: True))
    thermostat.set_setpoints("1", heat=66, cool=78, hold_type=1)
    await clock.until(
        lambda: hass.states.get("select.living_room_hold").state == "permanent", limit=5
    )
    await hass.async_block_till_done()
    assert sorted(set(written)) == ["climate.living_room", "select.living_room_hold"]


def test_the_fields_are_the_clients() -> None:
    """Each zone and link field names an attribute of the client's Zone and LinkStats."""
    assert {str(field) for field in ZoneField} <= {field.name for field in fields(Zone)}
    stats = {str(field) for field in LinkField} - {LinkField.CONNECTED}
    assert stats <= {field.name for field in fields(LinkStats)}


async def test_a_zone_description_needs_a_zone(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A zone's description without a zone, or the thermostat's with one, is a mistake."""
    coordinator = init_integration.runtime_data
    temperature = next(d for d in SENSORS if d.key == "temperature")
    humidity = next(d for d in SENSORS if d.key == "indoor_humidity")
    with pytest.raises(ValueError, match="zone id"):
        SteamloopSensor(coordinator, temperature, None)
    with pytest.raises(ValueError, match="zone id"):
        SteamloopSensor(coordinator, humidity, "1")
    assert isinstance(temperature, SteamloopEntityDescription)
    assert temperature.per_zone
    assert not humidity.per_zone


async def test_what_newer_releases_add(
    hass: HomeAssistant, init_integration: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """The two keys the snapshots leave out, on the releases that have them (2026.11 on).

    No entity carries an old name to keep as an alias, and a climate state names the unit its
    temperatures are shown in.
    """
    entries = er.async_entries_for_config_entry(entity_registry, init_integration.entry_id)
    assert entries
    if not hasattr(entries[0], "compat_name"):
        pytest.skip("this Home Assistant release adds neither (before 2026.11)")
    assert [entry.compat_name for entry in entries] == [None] * len(entries)
    for entity_id in ("climate.living_room", "climate.bedroom"):
        assert hass.states.get(entity_id).attributes["temperature_unit"] == "°F"
