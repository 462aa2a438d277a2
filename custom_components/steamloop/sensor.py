"""Sensors: zone temperatures, humidity, heating/cooling status and running time, the link."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorExtraStoredData,
    SensorStateClass,
)
from homeassistant.const import (
    EVENT_CORE_CONFIG_UPDATE,
    PERCENTAGE,
    EntityCategory,
    UnitOfTemperature,
    UnitOfTime,
)
from homeassistant.core import CALLBACK_TYPE, Event, HassJob, HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_call_later, async_track_time_interval
from homeassistant.helpers.restore_state import ExtraStoredData
from homeassistant.util import dt as dt_util

from .client import ActivityStatus, Supervisor, SystemField, ThermostatState
from .coordinator import LINK, DataKey, SteamloopConfigEntry, SteamloopCoordinator
from .entity import SteamloopEntity, SteamloopZoneEntity, async_add_zone_entities
from .run_timer import RunTimer

PARALLEL_UPDATES = 0

ACTIVITY_OPTIONS = [status.name.lower() for status in ActivityStatus]
# How often a running time is written while the system runs (0.01 h is 36 s).
RUNTIME_WRITE_INTERVAL = timedelta(minutes=1)


def _activity(status: ActivityStatus | None) -> str | None:
    return None if status is None else status.name.lower()


@dataclass(frozen=True, kw_only=True)
class SystemSensorDescription(SensorEntityDescription):
    """A sensor of a system-wide field of the thermostat's state."""

    field: SystemField
    value_fn: Callable[[ThermostatState], float | str | None]


@dataclass(frozen=True, kw_only=True)
class LinkSensorDescription(SensorEntityDescription):
    """A diagnostic sensor of the link to the thermostat."""

    value_fn: Callable[[Supervisor], datetime | str | int | None]


SYSTEM_SENSORS = (
    SystemSensorDescription(
        key="indoor_humidity",
        field=SystemField.RELATIVE_HUMIDITY,
        device_class=SensorDeviceClass.HUMIDITY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        value_fn=lambda state: state.relative_humidity,
    ),
    SystemSensorDescription(
        key="heating_status",
        translation_key="heating_status",
        field=SystemField.HEATING,
        device_class=SensorDeviceClass.ENUM,
        options=ACTIVITY_OPTIONS,
        value_fn=lambda state: _activity(state.heating),
    ),
    SystemSensorDescription(
        key="cooling_status",
        translation_key="cooling_status",
        field=SystemField.COOLING,
        device_class=SensorDeviceClass.ENUM,
        options=ACTIVITY_OPTIONS,
        value_fn=lambda state: _activity(state.cooling),
    ),
)


@dataclass(frozen=True, kw_only=True)
class RuntimeSensorDescription(SensorEntityDescription):
    """How long the system ran heating or cooling, today or in total."""

    field: SystemField
    running_fn: Callable[[ThermostatState], bool]
    today: bool


RUNTIME_SENSORS = tuple(
    RuntimeSensorDescription(
        key=f"{field}_runtime_{period}",
        translation_key=f"{field}_runtime_{period}",
        field=field,
        running_fn=running_fn,
        today=period == "today",
        device_class=SensorDeviceClass.DURATION,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfTime.HOURS,
        suggested_display_precision=2,
    )
    for field, running_fn in (
        (SystemField.HEATING, lambda state: state.heating is ActivityStatus.RUNNING),
        (SystemField.COOLING, lambda state: state.cooling is ActivityStatus.RUNNING),
    )
    for period in ("today", "total")
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
            *(RuntimeSensor(coordinator, description) for description in RUNTIME_SENSORS),
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


@dataclass
class RuntimeExtraStoredData(SensorExtraStoredData):
    """A running time's stored value, with the local day it was counted on."""

    day: str

    def as_dict(self) -> dict[str, Any]:
        """Return the sensor's stored data and the day."""
        return {**super().as_dict(), "day": self.day}


class RuntimeSensor(SteamloopEntity, RestoreSensor):
    """How long the system heated or cooled, counted only while the thermostat is connected.

    The wire only says whether the system runs, so the time between "running" and the next report
    (or the link's loss) is what is counted; while disconnected nothing is known and nothing is.
    The counting, and which local date "today" is, live in ``RunTimer`` (run_timer.py).
    """

    entity_description: RuntimeSensorDescription

    def __init__(
        self, coordinator: SteamloopCoordinator, description: RuntimeSensorDescription
    ) -> None:
        """Initialise from its description, at zero until restored."""
        super().__init__(coordinator, description.key)
        self.entity_description = description
        self.system_fields = frozenset({description.field})
        self._timer = RunTimer(daily=description.today)
        self._next_day: CALLBACK_TYPE | None = None

    async def async_added_to_hass(self) -> None:
        """Restore the time counted before, then count on while the system runs."""
        await super().async_added_to_hass()
        self._restore(
            await self.async_get_last_sensor_data(), await self.async_get_last_extra_data()
        )
        self._track()
        self.async_on_remove(
            async_track_time_interval(self.hass, self._write_running, RUNTIME_WRITE_INTERVAL)
        )
        if self.entity_description.today:
            self._schedule_next_day()
            self.async_on_remove(self._cancel_next_day)
            self.async_on_remove(
                self.hass.bus.async_listen(EVENT_CORE_CONFIG_UPDATE, self._config_updated)
            )

    def _restore(
        self, sensor_data: SensorExtraStoredData | None, extra: ExtraStoredData | None
    ) -> None:
        now, zone = dt_util.utcnow(), dt_util.get_default_time_zone()
        if (
            sensor_data is None
            or extra is None
            or not isinstance(sensor_data.native_value, int | float)
        ):
            self._timer.restore(0.0, None, now, zone)
            return
        try:
            day = date.fromisoformat(str(extra.as_dict().get("day")))
        except ValueError:
            day = None
        self._timer.restore(float(sensor_data.native_value) * 3600, day, now, zone)

    @property
    def native_value(self) -> float:
        """Return the hours counted, including the current run."""
        now = dt_util.utcnow()
        self._timer.roll(now, dt_util.get_default_time_zone())
        return round(self._timer.value(now) / 3600, 4)

    @property
    def extra_restore_state_data(self) -> RuntimeExtraStoredData:
        """Return the value to restore, and the day it belongs to."""
        value = self.native_value
        day = self._timer.day or dt_util.now().date()
        return RuntimeExtraStoredData(value, self.native_unit_of_measurement, day.isoformat())

    @callback
    def _track(self) -> None:
        """Bank the current run, and count on from now only if the system runs while connected."""
        running = self.available and self.entity_description.running_fn(self.coordinator.data)
        self._timer.update(dt_util.utcnow(), dt_util.get_default_time_zone(), running=running)

    @callback
    def _handle_coordinator_update(self) -> None:
        """Bank or start the count: the system started or stopped, or the link went or came."""
        self._track()
        super()._handle_coordinator_update()

    @callback
    def _write_running(self, _: datetime) -> None:
        if self._timer.since is not None:
            self.async_write_ha_state()

    @callback
    def _schedule_next_day(self) -> None:
        self._cancel_next_day()
        now = dt_util.utcnow()
        start = self._timer.next_day_start(now, dt_util.get_default_time_zone())
        self._next_day = async_call_later(
            self.hass,
            (start - now).total_seconds(),
            HassJob(self._new_day, "steamloop new day", cancel_on_shutdown=True),
        )

    @callback
    def _cancel_next_day(self) -> None:
        if self._next_day is not None:
            self._next_day()
            self._next_day = None

    @callback
    def _new_day(self, _: datetime) -> None:
        """Show the new date's count at its first instant; a run across it counts on each side."""
        self._next_day = None
        self._look_at_the_date()

    @callback
    def _config_updated(self, _: Event) -> None:
        """Look at the date again: after a time zone change, today is the new zone's date."""
        self._look_at_the_date()

    @callback
    def _look_at_the_date(self) -> None:
        self._track()
        self.async_write_ha_state()
        # Replaces (cancels) any wake-up still pending: one per sensor, ever.
        self._schedule_next_day()


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
