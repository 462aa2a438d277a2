"""Thermostat state: zones and system fields, updated in place, each update reporting its Change.

``ThermostatState.apply`` owns the field-level validation of events, and is as lenient as the
reference client while keeping every field typed: each field of an event is parsed on its own, so
a value that does not parse drops that field only (counted in the Capture) and the event's valid
fields still apply. An empty value on the wire means the thermostat reports none, so the field
becomes None. An event for a zone not seen yet creates the zone (reported as added), because the
order of the thermostat's burst is not guaranteed; at most ``MAX_ZONES`` zones are kept, and events
for zones beyond that, or with an unusable id, are ignored and counted.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Final

from .capture import Capture
from .codec import Event
from .models import ActivityStatus, FanMode, HoldType, ZoneMode

_LOGGER = logging.getLogger(__name__)

# The largest zoning panels drive a handful of zones; this bound only stops a broken peer from
# creating entities without end.
MAX_ZONES: Final = 32
MAX_ZONE_ID: Final = 32

ZONE_FIELDS: Final = (
    "name",
    "mode",
    "indoor_temperature",
    "heat_setpoint",
    "cool_setpoint",
    "deadband",
    "hold_type",
)


class SystemField(StrEnum):
    """A system-wide field of ThermostatState; the value is the attribute's name."""

    SUPPORTED_MODES = "supported_modes"
    FAN_MODE = "fan_mode"
    EMERGENCY_HEAT = "emergency_heat"
    RELATIVE_HUMIDITY = "relative_humidity"
    COOLING = "cooling"
    HEATING = "heating"


SYSTEM_FIELDS: Final = tuple(SystemField)


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
    system: frozenset[SystemField] = frozenset()
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
_SYSTEM_CHANGE: Final[dict[str, Change]] = {
    name: Change(system=frozenset((name,))) for name in SYSTEM_FIELDS
}


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
    # Whether emergency (auxiliary only) heat is on: the wire's "1" is on; "0", "2" and values
    # not known are off (counted in the Capture); an empty value is None (not reported).
    emergency_heat: bool | None = None
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

    def apply(self, event: Event, capture: Capture | None = None) -> Change:
        """Apply one event's valid fields; unknown events and invalid values change nothing.

        What was skipped (an unknown event, field or value, a missing field, a refused zone) is
        counted in `capture` when one is given.
        """
        notes = capture if capture is not None else _UNRECORDED
        spec = _EVENTS.get(event.name)
        if spec is None:
            notes.unknown_event(event.name)
            return NO_CHANGE
        zoned, parsers = spec
        values, zone_id = _parse(event, parsers, notes, zoned=zoned)
        if not values and parsers:
            # Only setpoint updates are partial: one naming none of its fields still says the
            # zone exists. Every other event needs its field; and one whose fields were all
            # rejected changes nothing (it creates no zone either).
            if event.name != _PARTIAL_EVENT:
                for key in parsers:
                    if key not in event.fields:
                        notes.missing(event.name, key)
                return NO_CHANGE
            if any(key in event.fields for key in parsers):
                return NO_CHANGE
        if not zoned:
            return self._update_system(values)
        if zone_id is None:
            notes.missing(event.name, "zone_id")
            return NO_CHANGE
        return self._update_zone(zone_id, values, notes)

    def sync_from(
        self, fresh: ThermostatState, *, complete: bool = True, remove: bool | None = None
    ) -> Change:
        """Make this state equal to ``fresh`` in place, keeping existing Zone objects.

        When ``fresh`` may be incomplete (a burst cut short), zones it lacks are kept and system
        fields it did not report keep their values: only a complete sync removes anything.
        ``remove=False`` keeps the zones ``fresh`` lacks even then (their removal is decided later).
        """
        remove = complete if remove is None else remove and complete
        removed = [zone_id for zone_id in self.zones if zone_id not in fresh.zones and remove]
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
        system: list[SystemField] = []
        for name in SYSTEM_FIELDS:
            value = getattr(fresh, name)
            if not complete and value in (None, ()):
                continue
            if getattr(self, name) != value:
                setattr(self, name, value)
                system.append(name)
        return Change(frozenset(changed), frozenset(system), frozenset(added), frozenset(removed))

    def _update_zone(
        self, zone_id: str, values: list[tuple[str, object]], notes: Capture
    ) -> Change:
        """Set already-validated zone fields, creating the zone when it is new and allowed."""
        zone = self.zones.get(zone_id)
        if zone is None:
            if (
                not zone_id.strip()
                or len(zone_id) > MAX_ZONE_ID
                or not zone_id.isprintable()
                or len(self.zones) >= MAX_ZONES
            ):
                notes.refused_zone(zone_id)
                return NO_CHANGE
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

    def _update_system(self, values: list[tuple[str, object]]) -> Change:
        """Set validated system fields."""
        change = NO_CHANGE
        for name, value in values:
            if getattr(self, name) != value:
                setattr(self, name, value)
                change = change.merge(_SYSTEM_CHANGE[name])
        return change


type _Parser = tuple[str, Callable[[str], object], Callable[[str], list[str]] | None]


class _Unrecorded(Capture):
    """Stands in when nobody records: every surprise is logged at DEBUG, nothing is kept."""

    def __init__(self) -> None:
        super().__init__(frames=0)

    def _note(self, table: dict[str, int], key: str, message: str) -> None:
        del table
        _LOGGER.debug(message, key)


_UNRECORDED: Final = _Unrecorded()


def _parse(
    event: Event, parsers: dict[str, _Parser], notes: Capture, *, zoned: bool
) -> tuple[list[tuple[str, object]], str | None]:
    """Parse each field of an event on its own; return the valid (attribute, value) pairs."""
    name = event.name
    values: list[tuple[str, object]] = []
    zone_id: str | None = None
    for key, raw in event.fields.items():
        parser = parsers.get(key)
        if parser is None:
            if zoned and key == "zone_id":
                zone_id = raw
            else:
                notes.unknown_field(name, key)
            continue
        attr, parse, unknown = parser
        try:
            value = parse(raw)
        except ValueError:
            notes.unknown_value(name, key, raw)
            continue
        if unknown is not None:
            for token in unknown(raw):
                notes.unknown_token(name, key, token)
        values.append((attr, value))
    for key in event.dropped:
        notes.dropped(name, key)
    return values, zone_id


def _text(raw: str) -> str | None:
    """Return a free-text value, or None when it is empty."""
    return raw if raw.strip() else None


def _number(raw: str, low: float = -math.inf, high: float = math.inf) -> float | None:
    """Parse a finite number within [low, high]; an empty value is None."""
    if not raw.strip():
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and low <= value <= high):
        msg = f"{_short(raw)} is not a number in range"
        raise _InvalidValueError(msg)
    return value


def _deadband(raw: str) -> float | None:
    return _number(raw, low=0.0)


def _humidity(raw: str) -> float | None:
    return _number(raw, low=0.0, high=100.0)


def _member[E: StrEnum](enum: type[E]) -> Callable[[str], E | None]:
    """Return a parser for an enum field; an empty value is None."""

    def parse(raw: str) -> E | None:
        try:
            return _enum(enum, raw)
        except ValueError:
            msg = f"{_short(raw)} is not a valid {enum.__name__}"
            raise _InvalidValueError(msg) from None

    return parse


def _modes(raw: str) -> tuple[ZoneMode, ...]:
    """Parse a comma list of zone modes, skipping unknown ones.

    An empty list means none reported; a list in which nothing is a known mode is an invalid
    value (ignored), so a newer firmware's codes never empty the modes the client knows.
    """
    modes: dict[ZoneMode, None] = {}
    for token in raw.split(","):
        try:
            mode = _enum(ZoneMode, token)
        except ValueError:
            continue
        if mode is not None:
            modes[mode] = None
    if not modes and raw.replace(",", "").strip():
        msg = f"{_short(raw)} holds no known zone mode"
        raise _InvalidValueError(msg)
    return tuple(modes)


def _unknown_modes(raw: str) -> list[str]:
    unknown: list[str] = []
    for token in raw.split(","):
        try:
            _enum(ZoneMode, token)
        except ValueError:
            unknown.append(token)
    return unknown


_PARTIAL_EVENT: Final = "TemperatureSetpointUpdated"
EMERGENCY_HEAT_VALUES: Final = frozenset({"", "0", "1", "2"})


EMERGENCY_HEAT_ON: Final = "1"


def _emergency_heat(raw: str) -> bool | None:
    """Return whether emergency heat is on ("1"; unverified on hardware), None when empty."""
    return raw.strip() == EMERGENCY_HEAT_ON if raw.strip() else None


def _unknown_emergency_heat(raw: str) -> list[str]:
    return [] if raw.strip() in EMERGENCY_HEAT_VALUES else [raw]


_EVENTS: Final[dict[str, tuple[bool, dict[str, _Parser]]]] = {
    "ZoneAdded": (True, {}),
    "ZoneNameUpdated": (True, {"zone_name": ("name", _text, None)}),
    "IndoorTemperatureUpdated": (
        True,
        {"indoor_temperature": ("indoor_temperature", _number, None)},
    ),
    "TemperatureSetpointUpdated": (
        True,
        {
            "heat_setpoint": ("heat_setpoint", _number, None),
            "cool_setpoint": ("cool_setpoint", _number, None),
            "deadband": ("deadband", _deadband, None),
            "hold_type": ("hold_type", _member(HoldType), None),
        },
    ),
    "ZoneModeUpdated": (True, {"zone_mode": ("mode", _member(ZoneMode), None)}),
    "SupportedZoneModesUpdated": (False, {"modes": ("supported_modes", _modes, _unknown_modes)}),
    "FanModeUpdated": (False, {"fan_mode": ("fan_mode", _member(FanMode), None)}),
    "EmergencyHeatUpdated": (
        False,
        {"emergency_heat": ("emergency_heat", _emergency_heat, _unknown_emergency_heat)},
    ),
    "IndoorRelativeHumidityUpdated": (
        False,
        {"relative_humidity": ("relative_humidity", _humidity, None)},
    ),
    "CoolingStatusUpdated": (False, {"cooling_active": ("cooling", _member(ActivityStatus), None)}),
    "HeatingStatusUpdated": (False, {"heating_active": ("heating", _member(ActivityStatus), None)}),
}
KNOWN_EVENTS: Final = frozenset(_EVENTS)


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
