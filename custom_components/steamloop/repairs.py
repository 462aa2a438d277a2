"""The repair issues (ids, creation, deletion) and the certificate issue's fix flow.

A thermostat that presents a different TLS certificate than the pinned one raises the certificate
issue; a READY link with the pinned certificate deletes it. One unreachable for long raises the
unreachable issue; its return deletes it. The coordinator decides when, this module how. A
take-over from Trane Local that changed entity ids raises the taken-over issue listing them
(takeover.py decides when); it stays until the entry is removed.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import (
    CONF_FINGERPRINT,
    DOMAIN,
    ISSUE_CERTIFICATE_CHANGED,
    ISSUE_TAKEN_OVER,
    ISSUE_UNREACHABLE,
    UNREACHABLE_ISSUE_AFTER,
)


def certificate_issue_id(entry: ConfigEntry) -> str:
    """Return the id of an entry's certificate repair issue."""
    return f"{ISSUE_CERTIFICATE_CHANGED}_{entry.entry_id}"


@callback
def async_create_certificate_issue(
    hass: HomeAssistant, entry: ConfigEntry, fingerprint: str | None
) -> None:
    """Raise the fixable issue for a thermostat presenting the certificate ``fingerprint``."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        certificate_issue_id(entry),
        is_fixable=True,
        is_persistent=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=ISSUE_CERTIFICATE_CHANGED,
        translation_placeholders={"title": entry.title},
        data={"entry_id": entry.entry_id, "fingerprint": fingerprint or ""},
    )


@callback
def has_certificate_issue(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Return True while the certificate issue is raised (re-pairing then expects a new one)."""
    return ir.async_get(hass).async_get_issue(DOMAIN, certificate_issue_id(entry)) is not None


@callback
def async_delete_certificate_issue(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Withdraw the issue: the thermostat presents the pinned certificate again."""
    ir.async_delete_issue(hass, DOMAIN, certificate_issue_id(entry))


def unreachable_issue_id(entry: ConfigEntry) -> str:
    """Return the id of an entry's "unreachable for long" repair issue."""
    return f"{ISSUE_UNREACHABLE}_{entry.entry_id}"


@callback
def async_create_unreachable_issue(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Tell the user the thermostat has been unreachable for long, and what to check."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        unreachable_issue_id(entry),
        is_fixable=False,
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_UNREACHABLE,
        translation_placeholders={
            "title": entry.title,
            "hours": f"{UNREACHABLE_ISSUE_AFTER / 3600:g}",
        },
    )


@callback
def async_delete_unreachable_issue(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Withdraw the unreachable issue: the link is back, or the entry went."""
    ir.async_delete_issue(hass, DOMAIN, unreachable_issue_id(entry))


def taken_over_issue_id(entry: ConfigEntry) -> str:
    """Return the id of the issue listing the entity ids a take-over changed."""
    return f"{ISSUE_TAKEN_OVER}_{entry.entry_id}"


@callback
def async_create_taken_over_issue(
    hass: HomeAssistant, entry: ConfigEntry, trane_title: str, renamed: str
) -> None:
    """List the entity ids taking over the Trane Local entry `trane_title` changed (`renamed`).

    Persistent: the list is what the user needs to fix automations, and no state withdraws it.
    """
    ir.async_create_issue(
        hass,
        DOMAIN,
        taken_over_issue_id(entry),
        is_fixable=False,
        is_persistent=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_TAKEN_OVER,
        translation_placeholders={"title": trane_title, "renamed": renamed},
    )


@callback
def async_delete_taken_over_issue(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Withdraw the taken-over issue: the entry it speaks of is removed."""
    ir.async_delete_issue(hass, DOMAIN, taken_over_issue_id(entry))


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
