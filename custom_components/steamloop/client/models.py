"""Wire enums: each member's value is the exact string the thermostat sends and expects."""

from __future__ import annotations

from enum import StrEnum


class ZoneMode(StrEnum):
    """A zone's operating mode."""

    OFF = "0"
    AUTO = "1"
    COOL = "2"
    HEAT = "3"


class FanMode(StrEnum):
    """The system-wide fan mode."""

    AUTO = "1"
    ALWAYS_ON = "2"
    CIRCULATE = "3"


class HoldType(StrEnum):
    """How long a zone's setpoints hold: MANUAL is permanent, HOLD lasts to the next period."""

    UNDEFINED = "0"
    MANUAL = "1"
    SCHEDULE = "2"
    HOLD = "3"


class ActivityStatus(StrEnum):
    """System-wide heating or cooling activity: enabled but idle, or running."""

    OFF = "0"
    IDLE = "1"
    RUNNING = "2"
