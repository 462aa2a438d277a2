"""Diagnostics download: the entry, the thermostat's state and the link's statistics."""

from __future__ import annotations

import dataclasses
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant

from .const import CONF_SECRET_KEY, CONF_SERIAL_URL
from .coordinator import SteamloopConfigEntry

TO_REDACT = {CONF_SECRET_KEY, CONF_HOST, CONF_SERIAL_URL, "unique_id", "title"}


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
            "entry": async_redact_data(entry.as_dict(), TO_REDACT),
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
