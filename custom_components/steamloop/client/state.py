"""Thermostat state: zones and system fields, updated in place, each update reporting its Change.

``ThermostatState.apply`` owns the field-level validation of events: a value that does not parse
leaves the state untouched and reports an empty Change. An empty value on the wire means the
thermostat reports none, so the field becomes None. An event for a zone not seen yet creates the
zone (reported as added), because the order of the thermostat's burst is not guaranteed.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Final

from .codec import Event
from .models import ActivityStatus, FanMode, HoldType, ZoneMode

_LOGGER = logging.getLogger(__name__)

ZONE_FIELDS: Final = (
    "name",
    "mode",
    "indoor_temperature",
    "heat_setpoint",
    "cool_setpoint",
    "deadband",
    "hold_type",
)
SYSTEM_FIELDS: Final = (
    "supported_modes",
    "fan_mode",
    "emergency_heat",
    "relative_humidity",
    "cooling",
    "heating",
)


@dataclass(slots=True)
class Zone:
    """One zone; None means the thermostat has not reported the field (or reported it empty)."""

    zone_id: str
    name: str | None = None
    mode: ZoneMode | None = None
    indoor_temperature: float | None = None
    heat_setpoint: float | None = None
    cool_setpoint: float | None = None
    deadband: float | None = None
    hold_type: HoldType | None = None

    def copy(self) -> Zone:
        """Return an independent copy."""
        return Zone(
            self.zone_id,
            self.name,
            self.mode,
            self.indoor_temperature,
            self.heat_setpoint,
            self.cool_setpoint,
            self.deadband,
            self.hold_type,
        )


@dataclass(frozen=True, slots=True)
class Change:
    """What one update changed; ``zones`` never repeats a zone that is in ``added``/``removed``.

    A zone is in both ``added`` and ``removed`` only after merging its removal with its later
    re-creation: it is then a new Zone object, so consumers handle ``removed`` first.
    """

    zones: frozenset[str] = frozenset()
    system: frozenset[str] = frozenset()
    added: frozenset[str] = frozenset()
    removed: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        """Return whether anything changed."""
        return bool(self.zones or self.system or self.added or self.removed)

    def merge(self, other: Change) -> Change:
        """Combine this change with one that happened after it."""
        if not other:
            return self
        if not self:
            return other
        transient = self.added & other.removed
        added = (self.added - transient) | other.added
        removed = self.removed | (other.removed - transient)
        return Change(
            zones=(self.zones | other.zones) - added - removed - transient,
            system=self.system | other.system,
            added=added,
            removed=removed,
        )


NO_CHANGE: Final = Change()
_SYSTEM_CHANGE: Final = {name: Change(system=frozenset((name,))) for name in SYSTEM_FIELDS}


# Changes are immutable, so the common one-zone ones are shared instead of rebuilt per event.
@lru_cache(maxsize=256)
def _zone_changed(zone_id: str) -> Change:
    return Change(zones=frozenset((zone_id,)))


@lru_cache(maxsize=256)
def _zone_added(zone_id: str) -> Change:
    return Change(added=frozenset((zone_id,)))


class _InvalidValueError(ValueError):
    """A field's value does not parse; carries a short, log-safe description."""


@dataclass(slots=True)
class ThermostatState:
    """Everything known about one thermostat; the same object lives as long as its owner."""

    zones: dict[str, Zone] = field(default_factory=dict)
    supported_modes: tuple[ZoneMode, ...] = ()
    fan_mode: FanMode | None = None
    emergency_heat: str | None = None
    relative_humidity: float | None = None
    cooling: ActivityStatus | None = None
    heating: ActivityStatus | None = None

    def is_known(self, zone_id: str) -> bool:
        """Return whether the zone exists."""
        return zone_id in self.zones

    def copy(self) -> ThermostatState:
        """Return a deep, independent copy."""
        return ThermostatState(
            {zone_id: zone.copy() for zone_id, zone in self.zones.items()},
            self.supported_modes,
            self.fan_mode,
            self.emergency_heat,
            self.relative_humidity,
            self.cooling,
            self.heating,
        )

    def apply(self, event: Event) -> Change:
        """Apply one event; unknown events and invalid values change nothing."""
        handler = _HANDLERS.get(event.name)
        if handler is None:
            return NO_CHANGE
        try:
            return handler(self, event.fields)
        except KeyError as err:
            _LOGGER.debug("Ignoring %s without %s", event.name, err)
        except (ValueError, TypeError) as err:
            _LOGGER.debug("Ignoring %s: %s", event.name, err)
        return NO_CHANGE

    def sync_from(self, fresh: ThermostatState, *, complete: bool = True) -> Change:
        """Make this state equal to ``fresh`` in place, keeping existing Zone objects.

        When ``fresh`` may be incomplete (a burst cut short), zones it lacks are kept and system
        fields it did not report keep their values: only a complete sync removes anything.
        """
        removed = [zone_id for zone_id in self.zones if zone_id not in fresh.zones and complete]
        for zone_id in removed:
            del self.zones[zone_id]
        added: list[str] = []
        changed: list[str] = []
        for zone_id, source in fresh.zones.items():
            target = self.zones.get(zone_id)
            if target is None:
                self.zones[zone_id] = source.copy()
                added.append(zone_id)
                continue
            differs = False
            for name in ZONE_FIELDS:
                value = getattr(source, name)
                if getattr(target, name) != value:
                    setattr(target, name, value)
                    differs = True
            if differs:
                changed.append(zone_id)
        system: list[str] = []
        for name in SYSTEM_FIELDS:
            value = getattr(fresh, name)
            if not complete and value in (None, ()):
                continue
            if getattr(self, name) != value:
                setattr(self, name, value)
                system.append(name)
        return Change(frozenset(changed), frozenset(system), frozenset(added), frozenset(removed))

    def _update_zone(self, zone_id: str, values: tuple[tuple[str, object], ...]) -> Change:
        """Set already-validated zone fields, creating the zone when it is new."""
        if not zone_id:
            msg = "empty zone_id"
            raise _InvalidValueError(msg)
        zone = self.zones.get(zone_id)
        if zone is None:
            zone = Zone(zone_id)
            for name, value in values:
                setattr(zone, name, value)
            self.zones[zone_id] = zone
            return _zone_added(zone_id)
        differs = False
        for name, value in values:
            if getattr(zone, name) != value:
                setattr(zone, name, value)
                differs = True
        return _zone_changed(zone_id) if differs else NO_CHANGE

    def _update_system(self, name: str, value: object) -> Change:
        """Set one validated system field."""
        if getattr(self, name) == value:
            return NO_CHANGE
        setattr(self, name, value)
        return _SYSTEM_CHANGE[name]

    def _on_zone_added(self, fields: Mapping[str, str]) -> Change:
        return self._update_zone(fields["zone_id"], ())

    def _on_zone_name(self, fields: Mapping[str, str]) -> Change:
        return self._update_zone(fields["zone_id"], (("name", _text(fields["zone_name"])),))

    def _on_indoor_temperature(self, fields: Mapping[str, str]) -> Change:
        value = _number(fields, "indoor_temperature")
        return self._update_zone(fields["zone_id"], (("indoor_temperature", value),))

    def _on_setpoint(self, fields: Mapping[str, str]) -> Change:
        values: list[tuple[str, object]] = [
            (name, _number(fields, name))
            for name in ("heat_setpoint", "cool_setpoint")
            if name in fields
        ]
        if "deadband" in fields:
            values.append(("deadband", _number(fields, "deadband", low=0.0)))
        if "hold_type" in fields:
            values.append(("hold_type", _member(HoldType, fields, "hold_type")))
        return self._update_zone(fields["zone_id"], tuple(values))

    def _on_zone_mode(self, fields: Mapping[str, str]) -> Change:
        mode = _member(ZoneMode, fields, "zone_mode")
        return self._update_zone(fields["zone_id"], (("mode", mode),))

    def _on_supported_modes(self, fields: Mapping[str, str]) -> Change:
        modes: dict[ZoneMode, None] = {}
        for token in fields["modes"].split(","):
            try:
                mode = _enum(ZoneMode, token)
            except ValueError:
                continue
            if mode is not None:
                modes[mode] = None
        return self._update_system("supported_modes", tuple(modes))

    def _on_fan_mode(self, fields: Mapping[str, str]) -> Change:
        return self._update_system("fan_mode", _member(FanMode, fields, "fan_mode"))

    def _on_emergency_heat(self, fields: Mapping[str, str]) -> Change:
        return self._update_system("emergency_heat", _text(fields["emergency_heat"]))

    def _on_humidity(self, fields: Mapping[str, str]) -> Change:
        value = _number(fields, "relative_humidity", low=0.0, high=100.0)
        return self._update_system("relative_humidity", value)

    def _on_cooling(self, fields: Mapping[str, str]) -> Change:
        return self._update_system("cooling", _member(ActivityStatus, fields, "cooling_active"))

    def _on_heating(self, fields: Mapping[str, str]) -> Change:
        return self._update_system("heating", _member(ActivityStatus, fields, "heating_active"))


_HANDLERS: Final[dict[str, Callable[[ThermostatState, Mapping[str, str]], Change]]] = {
    "ZoneAdded": ThermostatState._on_zone_added,  # noqa: SLF001
    "ZoneNameUpdated": ThermostatState._on_zone_name,  # noqa: SLF001
    "IndoorTemperatureUpdated": ThermostatState._on_indoor_temperature,  # noqa: SLF001
    "TemperatureSetpointUpdated": ThermostatState._on_setpoint,  # noqa: SLF001
    "ZoneModeUpdated": ThermostatState._on_zone_mode,  # noqa: SLF001
    "SupportedZoneModesUpdated": ThermostatState._on_supported_modes,  # noqa: SLF001
    "FanModeUpdated": ThermostatState._on_fan_mode,  # noqa: SLF001
    "EmergencyHeatUpdated": ThermostatState._on_emergency_heat,  # noqa: SLF001
    "IndoorRelativeHumidityUpdated": ThermostatState._on_humidity,  # noqa: SLF001
    "CoolingStatusUpdated": ThermostatState._on_cooling,  # noqa: SLF001
    "HeatingStatusUpdated": ThermostatState._on_heating,  # noqa: SLF001
}
KNOWN_EVENTS: Final = frozenset(_HANDLERS)


def _text(raw: str) -> str | None:
    """Return a free-text value, or None when it is empty."""
    return raw if raw.strip() else None


def _number(
    fields: Mapping[str, str],
    name: str,
    *,
    low: float = -math.inf,
    high: float = math.inf,
) -> float | None:
    """Parse a finite number within [low, high]; an empty value is None."""
    raw = fields[name]
    if not raw.strip():
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and low <= value <= high):
        msg = f"{name}={_short(raw)} is not a number in range"
        raise _InvalidValueError(msg)
    return value


def _member[E: StrEnum](enum: type[E], fields: Mapping[str, str], name: str) -> E | None:
    """Parse an enum field; an empty value is None."""
    raw = fields[name]
    try:
        return _enum(enum, raw)
    except ValueError:
        msg = f"{name}={_short(raw)} is not a valid {enum.__name__}"
        raise _InvalidValueError(msg) from None


def _enum[E: StrEnum](enum: type[E], raw: str) -> E | None:
    """Return the member for a wire value, tolerating padding and leading zeros."""
    try:
        return enum(raw)
    except ValueError:
        if not raw.strip():
            return None
        return enum(str(int(raw)))


def _short(raw: str) -> str:
    """Return a bounded repr of a rejected value for the debug log."""
    return repr(raw[:40]) + ("…" if len(raw) > 40 else "")  # noqa: PLR2004
