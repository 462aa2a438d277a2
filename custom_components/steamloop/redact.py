"""What an entry knows that must never leave Home Assistant: the entry's side of the one redactor.

The rules (which patterns, every notation of a MAC, the key inside frames) live in
``client/redact.py``; this module only gathers what a config entry holds or has held: its key,
its current and past hosts and serial paths (``past_hosts``, kept by :func:`moved`), its unique id
and every discovery key Home Assistant stored on it (a DHCP key is the MAC without separators).
The coordinator's redactor, built here, masks the log lines, the errors and the diagnostics
download alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST

from .client import Redactor
from .const import CONF_PAST_HOSTS, CONF_SECRET_KEY, CONF_SERIAL_URL

# Diagnostics fields masked whole, whatever they hold.
REDACT_KEYS: Final = frozenset(
    {CONF_SECRET_KEY, CONF_HOST, CONF_SERIAL_URL, CONF_PAST_HOSTS, "unique_id", "title"}
)
_ADDRESS_KEYS: Final = (CONF_HOST, CONF_SERIAL_URL)


def _discovery_keys(entry: ConfigEntry) -> dict[str, list[dict[str, Any]]]:
    """Return the discovery keys Home Assistant stored on the entry, as plain data."""
    return {
        domain: [{"domain": key.domain, "key": key.key, "version": key.version} for key in keys]
        for domain, keys in entry.discovery_keys.items()
    }


def entry_secrets(entry: ConfigEntry) -> list[str]:
    """Return every string of an entry that must be masked wherever it occurs."""
    data = entry.data
    secrets = [data.get(CONF_SECRET_KEY), *(data.get(key) for key in _ADDRESS_KEYS)]
    secrets += data.get(CONF_PAST_HOSTS, [])
    secrets.append(entry.unique_id)
    for keys in entry.discovery_keys.values():
        for discovery_key in keys:
            key = discovery_key.key
            secrets += [key] if isinstance(key, str) else list(key)
    return [str(secret) for secret in secrets if secret]


def entry_redactor(entry: ConfigEntry) -> Redactor:
    """Return the redactor of everything an entry holds or has held."""
    return Redactor(entry_secrets(entry))


def entry_diagnostics(entry: ConfigEntry, redactor: Redactor) -> dict[str, Any]:
    """Return the entry for a diagnostics download, discovery keys included, all masked."""
    entry_dict = entry.as_dict()
    entry_dict["discovery_keys"] = _discovery_keys(entry)
    masked: dict[str, Any] = redactor.data(entry_dict, REDACT_KEYS)
    return masked


def moved(data: Mapping[str, Any], updates: Mapping[str, Any]) -> dict[str, Any]:
    """Return entry data with `updates` applied, every replaced host or serial path remembered."""
    past = list(data.get(CONF_PAST_HOSTS, []))
    for key in _ADDRESS_KEYS:
        old = data.get(key)
        if old and key in updates and updates[key] != old and old not in past:
            past.append(old)
    new = {**data, **updates}
    if past:
        new[CONF_PAST_HOSTS] = past
    return new
