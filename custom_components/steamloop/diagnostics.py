"""Diagnostics download: the entry, the thermostat's state and the link's statistics.

Written for a person to read: every protocol code keeps its raw value (what the thermostat sent,
what ``scripts/simulator --replay`` needs) with its decoded name beside it (``"mode": "1"``,
``"mode_name": "auto"``), and every captured frame has its wall-clock time (``at``) beside the
event loop's monotonic seconds (``t``).
"""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .coordinator import SteamloopConfigEntry
from .redact import entry_diagnostics


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: SteamloopConfigEntry
) -> dict[str, Any]:
    """Return the diagnostics of a config entry, without the key or where the thermostat is."""
    coordinator = entry.runtime_data
    supervisor = coordinator.supervisor
    error = supervisor.last_error
    # Errors and link statistics name where the thermostat is; nothing leaves unredacted.
    diagnostics: dict[str, Any] = coordinator.redact.data(
        {
            "entry": entry_diagnostics(entry, coordinator.redact),
            "link": {
                "state": supervisor.link_state.value,
                "available": supervisor.available,
                "fingerprint": supervisor.fingerprint,
                "last_error": None if error is None else f"{type(error).__name__}: {error}",
                "stats": dataclasses.asdict(supervisor.stats),
            },
            "state": _decoded(dataclasses.asdict(supervisor.state.copy())),
            # The last frames both ways (keys and addresses masked) and what the client did not
            # know: what a hardware owner sends us, and what `scripts/simulator --replay` plays.
            "capture": _with_wall_clock(hass, supervisor.capture.as_dict()),
        }
    )
    return diagnostics


def _decoded(value: Any) -> Any:
    """Return `value` with each code as sent, its name beside it (`mode` and `mode_name`)."""
    if isinstance(value, dict):
        decoded: dict[str, Any] = {}
        for key, item in value.items():
            decoded[key] = _decoded(item)
            if isinstance(item, Enum):
                decoded[f"{key}_name"] = item.name.lower()
            elif isinstance(item, list | tuple) and item and all(isinstance(i, Enum) for i in item):
                decoded[f"{key}_names"] = [i.name.lower() for i in item]
        return decoded
    if isinstance(value, list | tuple):
        return [_decoded(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    return value


def _with_wall_clock(hass: HomeAssistant, capture: dict[str, Any]) -> dict[str, Any]:
    """Return the capture with each frame's wall-clock time beside its loop time."""
    offset = dt_util.utcnow().timestamp() - hass.loop.time()
    frames = [
        {"at": dt_util.utc_from_timestamp(frame["t"] + offset).isoformat(), **frame}
        for frame in capture["frames"]
    ]
    return {**capture, "frames": frames}
