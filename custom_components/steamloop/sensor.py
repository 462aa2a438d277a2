"""Sensors: zone temperatures, humidity, heating/cooling status and running time, the link."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

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
from homeassistant.helpers.typing import StateType
from homeassistant.util import dt as dt_util

from .client import ActivityStatus, SystemField
from .coordinator import SteamloopConfigEntry, SteamloopCoordinator
from .entity import (
    LinkField,
    SteamloopEntity,
    SteamloopEntityDescription,
    ZoneField,
    async_add_described_entities,
)
from .run_timer import RunTimer

PARALLEL_UPDATES = 0

ACTIVITY_OPTIONS = [status.name.lower() for status in ActivityStatus]
# How often a running time is written while the system runs (0.01 h is 36 s).
RUNTIME_WRITE_INTERVAL = timedelta(minutes=1)

type RunningTime = Literal["today", "total"]


def _activity(status: ActivityStatus | None) -> str | None:
    return None if status is None else status.name.lower()


@dataclass(frozen=True, kw_only=True)
class SteamloopSensorDescription(SensorEntityDescription, SteamloopEntityDescription):
    """A sensor: what it reads (``reads``, once) and how its value is made of it.

    A running time (``running_time`` set) counts how long ``value_fn`` was true while connected,
    today or in total, instead of showing it (the counting is run_timer.py's).
    """

    value_fn: Callable[[SteamloopEntity], StateType | datetime]
    running_time: RunningTime | None = None


def _link_reason(entity: SteamloopEntity) -> str | None:
    """Return the last disconnect reason, without any address an error message carried."""
    reason = entity.link.last_disconnect_reason
    return None if reason is None else entity.coordinator.redact(reason)


def _running_time(field: SystemField, period: RunningTime) -> SteamloopSensorDescription:
    return SteamloopSensorDescription(
        key=f"{field}_runtime_{period}",
        translation_key=f"{field}_runtime_{period}",
        reads=frozenset({field}),
        value_fn=lambda entity: getattr(entity.thermostat, field) is ActivityStatus.RUNNING,
        running_time=period,
        device_class=SensorDeviceClass.DURATION,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfTime.HOURS,
        suggested_display_precision=2,
    )


SENSORS: tuple[SteamloopSensorDescription, ...] = (
    SteamloopSensorDescription(
        key="indoor_humidity",
        reads=frozenset({SystemField.RELATIVE_HUMIDITY}),
        value_fn=lambda entity: entity.thermostat.relative_humidity,
        device_class=SensorDeviceClass.HUMIDITY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
    ),
    SteamloopSensorDescription(
        key="heating_status",
        translation_key="heating_status",
        reads=frozenset({SystemField.HEATING}),
        value_fn=lambda entity: _activity(entity.thermostat.heating),
        device_class=SensorDeviceClass.ENUM,
        options=ACTIVITY_OPTIONS,
    ),
    SteamloopSensorDescription(
        key="cooling_status",
        translation_key="cooling_status",
        reads=frozenset({SystemField.COOLING}),
        value_fn=lambda entity: _activity(entity.thermostat.cooling),
        device_class=SensorDeviceClass.ENUM,
        options=ACTIVITY_OPTIONS,
    ),
    SteamloopSensorDescription(
        key="connected_since",
        translation_key="connected_since",
        reads=frozenset({LinkField.CONNECTED_SINCE}),
        value_fn=lambda entity: entity.link.connected_since,
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    SteamloopSensorDescription(
        key="last_disconnect_reason",
        translation_key="last_disconnect_reason",
        reads=frozenset({LinkField.LAST_DISCONNECT_REASON}),
        value_fn=_link_reason,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    SteamloopSensorDescription(
        key="disconnects",
        translation_key="disconnects",
        reads=frozenset({LinkField.DISCONNECTS}),
        value_fn=lambda entity: entity.link.disconnects,
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_registry_enabled_default=False,
    ),
    *(
        _running_time(field, period)
        for field in (SystemField.HEATING, SystemField.COOLING)
        for period in ("today", "total")
    ),
    SteamloopSensorDescription(
        key="temperature",
        reads=frozenset({ZoneField.INDOOR_TEMPERATURE}),
        value_fn=lambda entity: entity.zone.indoor_temperature,
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTemperature.FAHRENHEIT,
        # The climate card shows tenths too, so both show a zone at 70.5 °F as 70.5.
        suggested_display_precision=1,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SteamloopConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the system and link sensors, and each zone's, now and whenever a zone appears."""
    async_add_described_entities(entry, async_add_entities, SENSORS, _sensor)


def _sensor(
    coordinator: SteamloopCoordinator, description: SteamloopSensorDescription, zone_id: str | None
) -> SteamloopSensor:
    if description.running_time is not None:
        return RuntimeSensor(coordinator, description, zone_id)
    return SteamloopSensor(coordinator, description, zone_id)


class SteamloopSensor(SteamloopEntity, SensorEntity):
    """A sensor showing its description's value."""

    entity_description: SteamloopSensorDescription

    @property
    def native_value(self) -> StateType | datetime:
        """Return the current value."""
        return self.entity_description.value_fn(self)


@dataclass
class RuntimeExtraStoredData(SensorExtraStoredData):
    """A running time's stored value, with the local day it was counted on."""

    day: str

    def as_dict(self) -> dict[str, Any]:
        """Return the sensor's stored data and the day."""
        return {**super().as_dict(), "day": self.day}


class RuntimeSensor(SteamloopSensor, RestoreSensor):
    """How long the system heated or cooled, counted only while the thermostat is connected.

    The wire only says whether the system runs, so the time between "running" and the next report
    (or the link's loss) is what is counted; while disconnected nothing is known and nothing is.
    The counting, and which local date "today" is, live in ``RunTimer`` (run_timer.py).
    """

    def __init__(
        self,
        coordinator: SteamloopCoordinator,
        description: SteamloopSensorDescription,
        zone_id: str | None = None,
    ) -> None:
        """Initialise from its description, at zero until restored."""
        super().__init__(coordinator, description, zone_id)
        self._timer = RunTimer(daily=description.running_time == "today")
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
        if self._timer.daily:
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
        running = self.available and bool(self.entity_description.value_fn(self))
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
