"""Which zone is calling: the thermostat reports heating and cooling for the whole system only.

The rule (also in the README): while the system runs cooling, a zone whose mode allows cooling (cool
or auto) is shown cooling when it is warmer than its cooling setpoint, and idle when it is not;
heating likewise, with the heating setpoint. The hysteresis is ``HYSTERESIS`` (0.5 °F) either side
of the setpoint: a zone starts calling once it is more than that past its setpoint, stops once it
is more than that short of it, and in between keeps what it was shown (a zone first seen in the
band is calling when it is past its setpoint at all). A zone that is off is off; one whose mode
does not allow what the system does, or any zone while the system does not run, is idle. A single
zone system, and a zone whose temperature or setpoint is not known, shows the system's action:
there is nothing to tell apart. This is an inference; the thermostat itself does not say.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from .models import ActivityStatus, ZoneMode
from .state import ThermostatState, Zone

HYSTERESIS: Final = 0.5


class ZoneAction(StrEnum):
    """What a zone is shown doing."""

    OFF = "off"
    IDLE = "idle"
    HEATING = "heating"
    COOLING = "cooling"


_COOLING_MODES: Final = (ZoneMode.COOL, ZoneMode.AUTO)
_HEATING_MODES: Final = (ZoneMode.HEAT, ZoneMode.AUTO)


def zone_action(
    zone: Zone, state: ThermostatState, *, calling: bool | None = None
) -> tuple[ZoneAction | None, bool | None]:
    """Return the zone's action and whether it is calling, given whether it was (`calling`).

    The second value is what to pass as `calling` next time (None: nothing to remember); the
    action is None while the zone's mode or the system's activity is not known.
    """
    mode = zone.mode
    if mode is None or state.cooling is None or state.heating is None:
        return None, None
    if mode is ZoneMode.OFF:
        return ZoneAction.OFF, None
    if state.cooling is ActivityStatus.RUNNING and mode in _COOLING_MODES:
        action, setpoint = ZoneAction.COOLING, zone.cool_setpoint
    elif state.heating is ActivityStatus.RUNNING and mode in _HEATING_MODES:
        action, setpoint = ZoneAction.HEATING, zone.heat_setpoint
    else:
        return ZoneAction.IDLE, None
    temperature = zone.indoor_temperature
    if len(state.zones) <= 1 or temperature is None or setpoint is None:
        return action, None
    # How far the zone is past its setpoint, in the direction the system works against.
    past = temperature - setpoint if action is ZoneAction.COOLING else setpoint - temperature
    if past > HYSTERESIS:
        now = True
    elif past < -HYSTERESIS:
        now = False
    elif calling is not None:
        now = calling
    else:
        now = past > 0
    return (action if now else ZoneAction.IDLE), now
