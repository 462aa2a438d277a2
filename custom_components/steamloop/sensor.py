"""Sensors: zone temperatures, indoor humidity, heating/cooling status, and the link itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import ActivityStatus, Supervisor, ThermostatState
from .coordinator import LINK, DataKey, SteamloopConfigEntry, SteamloopCoordinator
from .entity import SteamloopEntity, SteamloopZoneEntity, async_add_zone_entities

PARALLEL_UPDATES = 0

ACTIVITY_OPTIONS = [status.name.lower() for status in ActivityStatus]


def _activity(status: ActivityStatus | None) -> str | None:
    return None if status is None else status.name.lower()


@dataclass(frozen=True, kw_only=True)
class SystemSensorDescription(SensorEntityDescription):
    """A sensor of a system-wide field of the thermostat's state."""

    field: str
    value_fn: Callable[[ThermostatState], float | str | None]


@dataclass(frozen=True, kw_only=True)
class LinkSensorDescription(SensorEntityDescription):
    """A diagnostic sensor of the link to the thermostat."""

    value_fn: Callable[[Supervisor], datetime | str | int | None]


SYSTEM_SENSORS = (
    SystemSensorDescription(
        key="indoor_humidity",
        field="relative_humidity",
        device_class=SensorDeviceClass.HUMIDITY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        value_fn=lambda state: state.relative_humidity,
    ),
    SystemSensorDescription(
        key="heating_status",
        translation_key="heating_status",
        field="heating",
        device_class=SensorDeviceClass.ENUM,
        options=ACTIVITY_OPTIONS,
        value_fn=lambda state: _activity(state.heating),
    ),
    SystemSensorDescription(
        key="cooling_status",
        translation_key="cooling_status",
        field="cooling",
        device_class=SensorDeviceClass.ENUM,
        options=ACTIVITY_OPTIONS,
        value_fn=lambda state: _activity(state.cooling),
    ),
)

LINK_SENSORS = (
    LinkSensorDescription(
        key="connected_since",
        translation_key="connected_since",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda supervisor: supervisor.stats.connected_since,
    ),
    LinkSensorDescription(
        key="last_disconnect_reason",
        translation_key="last_disconnect_reason",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda supervisor: supervisor.stats.last_disconnect_reason,
    ),
    LinkSensorDescription(
        key="disconnects",
        translation_key="disconnects",
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_registry_enabled_default=False,
        value_fn=lambda supervisor: supervisor.stats.disconnects,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SteamloopConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the system, link and per-zone sensors."""
    coordinator = entry.runtime_data
    async_add_entities(
        [
            *(SystemSensor(coordinator, description) for description in SYSTEM_SENSORS),
            *(LinkSensor(coordinator, description) for description in LINK_SENSORS),
        ]
    )

    async_add_zone_entities(entry, async_add_entities, ZoneTemperatureSensor)


class SystemSensor(SteamloopEntity, SensorEntity):
    """A system-wide reading of the thermostat."""

    entity_description: SystemSensorDescription

    def __init__(
        self, coordinator: SteamloopCoordinator, description: SystemSensorDescription
    ) -> None:
        """Initialise from its description."""
        super().__init__(coordinator, description.key)
        self.entity_description = description
        self.system_fields = frozenset({description.field})

    @property
    def native_value(self) -> float | str | None:
        """Return the current value."""
        return self.entity_description.value_fn(self.coordinator.data)


class LinkSensor(SteamloopEntity, SensorEntity):
    """A diagnostic of the link; available even while the link is down, which it reports on."""

    entity_description: LinkSensorDescription

    def __init__(
        self, coordinator: SteamloopCoordinator, description: LinkSensorDescription
    ) -> None:
        """Initialise from its description."""
        super().__init__(coordinator, description.key)
        self.entity_description = description

    @property
    def available(self) -> bool:
        """Return True: the link's own statistics are known whether or not it is up."""
        return True

    def data_keys(self) -> set[DataKey]:
        """Return the link's key: its statistics change with every link, up or down."""
        return {LINK}

    @property
    def native_value(self) -> datetime | str | int | None:
        """Return the current value, without any address an error message carried."""
        value = self.entity_description.value_fn(self.coordinator.supervisor)
        return self.coordinator.redact(value) if isinstance(value, str) else value

    def shown_values(self) -> object:
        """Return the value: an unchanged statistic is not written again."""
        return (self.native_value,)


class ZoneTemperatureSensor(SteamloopZoneEntity, SensorEntity):
    """A zone's temperature."""

    _attr_device_class = SensorDeviceClass.TEMPERATURE
    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_native_unit_of_measurement = UnitOfTemperature.FAHRENHEIT
    # The climate card shows tenths too, so both show a zone at 70.5 °F as 70.5.
    _attr_suggested_display_precision = 1

    def __init__(self, coordinator: SteamloopCoordinator, zone_id: str) -> None:
        """Initialise the zone's temperature sensor."""
        super().__init__(coordinator, zone_id, "temperature")

    @property
    def native_value(self) -> float | None:
        """Return the zone's temperature."""
        return self.zone.indoor_temperature

    def shown_values(self) -> object:
        """Return the temperature: setpoint or mode changes of the zone do not concern us."""
        return (self.zone_id in self.coordinator.data.zones and self.zone.indoor_temperature,)
