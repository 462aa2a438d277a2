"""Hypothesis strategies shared by the codec and state property tests."""

from __future__ import annotations

from hypothesis import strategies as st

from custom_components.steamloop.client.state import KNOWN_EVENTS

# Every event the thermostat sends, and one it does not.
EVENT_NAMES = st.sampled_from(sorted(KNOWN_EVENTS | {"Unknown"}))
# Every field name the protocol's events carry.
FIELD_NAMES = st.sampled_from(
    [
        "zone_id",
        "zone_name",
        "indoor_temperature",
        "heat_setpoint",
        "cool_setpoint",
        "deadband",
        "hold_type",
        "zone_mode",
        "modes",
        "fan_mode",
        "emergency_heat",
        "relative_humidity",
        "cooling_active",
        "heating_active",
    ]
)
