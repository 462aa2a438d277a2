"""The simulated house: zones and system values, kept as the strings the thermostat reports."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .wire import Fields

type Value = float | str
"""A number is formatted the way the thermostat reports it; a string is sent verbatim."""

ZONE_MODES = frozenset({"0", "1", "2", "3"})
FAN_MODES = frozenset({"1", "2", "3"})
HOLD_TYPES = frozenset({"0", "1", "2", "3"})
ACTIVITY = frozenset({"0", "1", "2"})
EMERGENCY_HEAT_ON = "1"
EMERGENCY_HEAT_OFF_WRITES = frozenset({"0", "2"})
SETPOINT_RANGE = (40.0, 99.0)
DEADBAND_RANGE = (0.0, 10.0)

_NAMES = ("Living Room", "Bedroom", "Office", "Basement", "Kitchen", "Attic")
_MODES = ("1", "3", "2", "0")


def temperature(value: Value) -> str:
    """Return an indoor temperature as the thermostat reports it: "72.00"."""
    return value if isinstance(value, str) else f"{value:.2f}"


def number(value: Value) -> str:
    """Return a setpoint, deadband or humidity: "68", "68.5"."""
    if isinstance(value, str):
        return value
    return f"{value:.2f}".rstrip("0").rstrip(".")


def code(value: int | str) -> str:
    """Return an enum value (mode, fan mode, hold type, status) as its wire string."""
    return str(value)


@dataclass(slots=True)
class ZoneState:
    """One zone, every value as its wire string."""

    zone_id: str
    name: str
    indoor_temperature: str = "72.00"
    heat_setpoint: str = "68"
    cool_setpoint: str = "76"
    deadband: str = "3"
    hold_type: str = "2"
    mode: str = "1"

    def setpoint_fields(self) -> Fields:
        """Return a full TemperatureSetpointUpdated body."""
        return {
            "zone_id": self.zone_id,
            "heat_setpoint": self.heat_setpoint,
            "cool_setpoint": self.cool_setpoint,
            "deadband": self.deadband,
            "hold_type": self.hold_type,
        }

    def events(self) -> list[tuple[str, Fields]]:
        """Return the zone's part of the initial burst, in the thermostat's order."""
        zid = self.zone_id
        return [
            ("ZoneAdded", {"zone_id": zid}),
            ("ZoneNameUpdated", {"zone_id": zid, "zone_name": self.name}),
            (
                "IndoorTemperatureUpdated",
                {"zone_id": zid, "indoor_temperature": self.indoor_temperature},
            ),
            ("TemperatureSetpointUpdated", self.setpoint_fields()),
            ("ZoneModeUpdated", {"zone_id": zid, "zone_mode": self.mode}),
        ]


def default_zone(index: int, zone_id: str | None = None) -> ZoneState:
    """Return a plausible zone; neighbours differ so per-zone mix-ups show in tests."""
    zid = zone_id or str(index)
    name = _NAMES[index - 1] if 0 < index <= len(_NAMES) else f"Zone {zid}"
    offset = (index - 1) % 4
    return ZoneState(
        zone_id=zid,
        name=name,
        indoor_temperature=temperature(72.0 - 1.5 * offset),
        heat_setpoint=number(68 - offset),
        cool_setpoint=number(76 + offset),
        mode=_MODES[offset],
    )


@dataclass(slots=True)
class Plant:
    """The whole thermostat: zones and system-wide values."""

    zones: dict[str, ZoneState] = field(default_factory=dict)
    supported_modes: str = "0,1,2,3"
    fan_mode: str = "1"
    emergency_heat: str = "0"
    relative_humidity: str = "45"
    cooling_active: str = "1"
    heating_active: str = "1"

    @classmethod
    def with_zones(cls, count: int) -> Plant:
        """Return a plant with zones "1".."count"."""
        zones = [default_zone(i) for i in range(1, count + 1)]
        return cls(zones={z.zone_id: z for z in zones})

    def next_zone_id(self) -> str:
        """Return an unused numeric zone id."""
        numeric = [int(z) for z in self.zones if z.isdigit()]
        return str(max(numeric, default=0) + 1)

    def burst(self, system_after: int | None = None) -> list[tuple[str, Fields]]:
        """Return the initial burst the thermostat sends after a successful login.

        The system-wide events follow every zone, or the first `system_after` zones (the order of
        a real thermostat's burst is not guaranteed).
        """
        events: list[tuple[str, Fields]] = []
        for index, zone in enumerate(self.zones.values()):
            if index == system_after:
                events.extend(self.system_events())
            events.extend(zone.events())
        if system_after is None or system_after >= len(self.zones):
            events.extend(self.system_events())
        return events

    def system_events(self) -> list[tuple[str, Fields]]:
        """Return the system-wide part of the burst."""
        return [
            ("SupportedZoneModesUpdated", {"modes": self.supported_modes}),
            ("FanModeUpdated", {"fan_mode": self.fan_mode}),
            ("EmergencyHeatUpdated", {"emergency_heat": self.emergency_heat}),
            ("IndoorRelativeHumidityUpdated", {"relative_humidity": self.relative_humidity}),
            ("CoolingStatusUpdated", {"cooling_active": self.cooling_active}),
            ("HeatingStatusUpdated", {"heating_active": self.heating_active}),
        ]

    def supports(self, mode: str) -> bool:
        """Return whether a zone mode is in the supported list."""
        return mode in {m.strip() for m in self.supported_modes.split(",")}


class RejectedError(ValueError):
    """A client command the thermostat would not apply; the message says why."""


def _finite(raw: str, what: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        msg = f"{what} {raw!r} is not a number"
        raise RejectedError(msg)
    return value


def _within(value: float, bounds: tuple[float, float], what: str) -> None:
    low, high = bounds
    if not low <= value <= high:
        msg = f"{what} {value:g} outside {low:g}..{high:g}"
        raise RejectedError(msg)


def apply_setpoint(zone: ZoneState, fields: Fields) -> Fields:
    """Apply an UpdateTemperatureSetpoint to a zone; return the event body to report."""
    heat = _finite(fields.get("heat_setpoint", zone.heat_setpoint), "heat_setpoint")
    cool = _finite(fields.get("cool_setpoint", zone.cool_setpoint), "cool_setpoint")
    deadband = _finite(fields.get("deadband", zone.deadband), "deadband")
    hold = fields.get("hold_type", zone.hold_type)
    _within(heat, SETPOINT_RANGE, "heat_setpoint")
    _within(cool, SETPOINT_RANGE, "cool_setpoint")
    _within(deadband, DEADBAND_RANGE, "deadband")
    if hold not in HOLD_TYPES:
        msg = f"hold_type {hold!r} unknown"
        raise RejectedError(msg)
    # Rejecting (rather than nudging the other side) makes a client that ignores the deadband
    # visible in tests: nothing changes and no event comes back.
    if cool - heat < deadband:
        msg = f"cool {cool:g} - heat {heat:g} is below the deadband {deadband:g}"
        raise RejectedError(msg)
    zone.heat_setpoint, zone.cool_setpoint = number(heat), number(cool)
    zone.deadband, zone.hold_type = number(deadband), hold
    return zone.setpoint_fields()
