"""Diagnostics download: the entry, the thermostat's state and the link's statistics."""

from __future__ import annotations

import dataclasses
from typing import Any

from homeassistant.core import HomeAssistant

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
                "state": supervisor.link_state,
                "available": supervisor.available,
                "fingerprint": supervisor.fingerprint,
                "last_error": None if error is None else f"{type(error).__name__}: {error}",
                "stats": dataclasses.asdict(supervisor.stats),
            },
            "state": dataclasses.asdict(supervisor.state.copy()),
            # The last frames both ways (keys and addresses masked) and what the client did not
            # know: what a hardware owner sends us, and what `scripts/simulator --replay` plays.
            "capture": supervisor.capture.as_dict(),
        }
    )
    return diagnostics
