"""Repair flow for a thermostat that presents a different TLS certificate than the pinned one."""

from __future__ import annotations

from typing import Any

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.core import HomeAssistant

from .const import CONF_FINGERPRINT


class CertificateChangedRepairFlow(RepairsFlow):
    """Trust the thermostat's new certificate, or pair again."""

    def __init__(self, entry_id: str, fingerprint: str) -> None:
        """Initialise with the entry and the certificate it now presents."""
        self._entry_id = entry_id
        self._fingerprint = fingerprint

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Offer the two ways out."""
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        if entry is None:
            return self.async_abort(reason="entry_removed")
        return self.async_show_menu(
            step_id="init",
            menu_options=["trust", "repair"],
            description_placeholders={"title": entry.title},
        )

    async def async_step_trust(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Pin the new certificate and reconnect."""
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        if entry is None:
            return self.async_abort(reason="entry_removed")
        if user_input is None:
            return self.async_show_form(
                step_id="trust",
                description_placeholders={
                    "fingerprint": self._fingerprint or "-",
                    "title": entry.title,
                },
            )
        self.hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_FINGERPRINT: self._fingerprint or None}
        )
        self.hass.config_entries.async_schedule_reload(entry.entry_id)
        return self.async_create_entry(data={})

    async def async_step_repair(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Start re-pairing (the reauthentication flow), which pins what it then sees."""
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        if entry is None:
            return self.async_abort(reason="entry_removed")
        entry.async_start_reauth(self.hass)
        return self.async_create_entry(data={})


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Create the fix flow for one of our issues."""
    data = data or {}
    return CertificateChangedRepairFlow(str(data["entry_id"]), str(data.get("fingerprint") or ""))
