"""Who a thermostat is and what it is called: never where it is.

**Unique id.** The thermostat's MAC when it can be learnt (the DHCP packet that discovered it, or
the host's neighbour table after a login on the same network segment); otherwise the SHA-256
fingerprint of the TLS certificate it presented when it was added. The certificate is the
thermostat's own, self-signed one: the integration already pins it and treats a different one as
"not this thermostat" (the certificate repair), so it identifies the device wherever it is. A
thermostat on a serial line presents nothing of the kind; its entry gets a random id, and the same
serial path cannot be added twice. The id is decided once, when the entry is made, and kept: a new
address, a new certificate accepted through the repair, or a new key from re-authentication leave
it alone, and no address ever enters it, so adding a thermostat can never match (and rewrite)
another entry because of where the other one used to be.

**Names.** A new entry is called "Thermostat", "Thermostat 2", ... (the first free one): its
device, and so its entity ids, carry no address, and two thermostats still read apart in the UI
and in the log lines, which name the entry's title.

**Upgrade (config entry 1.1 → 1.2).** Entries made before this kept the address in their unique
id (``host:port`` or ``serial:<path>``) and their title ("Thermostat 192.168.1.20"). The migration
moves the unique id to the pinned fingerprint (a random id for serial entries), rewriting the
entity and device registry keys derived from it while every entity keeps its entity id, and renames
a title that is only an address, and drops the DHCP discovery keys Home Assistant stored on it
(the MAC). An entry that never connected has no fingerprint yet; it moves at the next setup after
its first login pinned one.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from types import MappingProxyType
from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er

from .const import CONF_FINGERPRINT, CONF_PAST_HOSTS, CONF_SERIAL_URL, DOMAIN

TITLE: Final = "Thermostat"
MAC_SEPARATORS: Final = 5
_FINGERPRINT = re.compile(r"[0-9a-f]{64}")
_RANDOM = re.compile(r"[0-9a-f]{32}")


def is_mac(unique_id: str | None) -> bool:
    """Return True when a unique id is a MAC address."""
    return unique_id is not None and unique_id.count(":") == MAC_SEPARATORS


def is_fingerprint(unique_id: str | None) -> bool:
    """Return True when a unique id is a certificate fingerprint."""
    return unique_id is not None and _FINGERPRINT.fullmatch(unique_id) is not None


def normal_fingerprint(fingerprint: str | None) -> str | None:
    """Return a fingerprint as lower-case hex without separators."""
    return fingerprint.replace(":", "").lower() if fingerprint else None


def new_unique_id(mac: str | None, fingerprint: str | None) -> str:
    """Return a new entry's unique id: the MAC, else the certificate's fingerprint, else random."""
    return mac or normal_fingerprint(fingerprint) or uuid.uuid4().hex


def has_address_identity(entry: ConfigEntry) -> bool:
    """Return True when an entry's unique id is still made of its address (an older entry)."""
    unique_id = entry.unique_id
    return unique_id is not None and not (
        is_mac(unique_id) or is_fingerprint(unique_id) or _RANDOM.fullmatch(unique_id)
    )


def new_title(hass: HomeAssistant, exclude: ConfigEntry | None = None) -> str:
    """Return the first of "Thermostat", "Thermostat 2", ... no other entry is called."""
    taken = {
        entry.title
        for entry in hass.config_entries.async_entries(DOMAIN)
        if exclude is None or entry.entry_id != exclude.entry_id
    }
    number = 1
    while (title := TITLE if number == 1 else f"{TITLE} {number}") in taken:
        number += 1
    return title


def _address_title(entry: ConfigEntry) -> bool:
    """Return True when a title is the one older versions made: "Thermostat <address>"."""
    prefix = f"{TITLE} "
    if not entry.title.startswith(prefix):
        return False
    rest = entry.title.removeprefix(prefix)
    addresses = {entry.data.get(CONF_HOST), entry.data.get(CONF_SERIAL_URL)}
    addresses.update(entry.data.get(CONF_PAST_HOSTS, []))
    if rest in addresses:
        return True
    try:
        ipaddress.ip_address(rest)
    except ValueError:
        return "." in rest and " " not in rest
    return True


@callback
def async_move_identity(hass: HomeAssistant, entry: ConfigEntry, unique_id: str) -> None:
    """Give an entry a new unique id, and its entities and devices the keys derived from it.

    Entity unique ids and device identifiers start with the entry's unique id; each keeps its
    suffix and, for entities, its entity id.
    """
    old = entry.unique_id or entry.entry_id

    def renamed(key: str) -> str | None:
        if key == old:
            return unique_id
        if key.startswith(f"{old}_"):
            return unique_id + key[len(old) :]
        return None

    registry = er.async_get(hass)
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        if (new := renamed(entity.unique_id)) is not None:
            registry.async_update_entity(entity.entity_id, new_unique_id=new)
    devices = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(devices, entry.entry_id):
        identifiers = {
            (domain, renamed(key) or key) if domain == DOMAIN else (domain, key)
            for domain, key in device.identifiers
        }
        if identifiers != device.identifiers:
            devices.async_update_device(device.id, new_identifiers=identifiers)
    hass.config_entries.async_update_entry(entry, unique_id=unique_id)


@callback
def async_settle_identity(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Move an older entry off its address: to its pinned fingerprint, or a random id (serial)."""
    if not has_address_identity(entry):
        return
    if CONF_SERIAL_URL in entry.data:
        async_move_identity(hass, entry, new_unique_id(None, None))
    elif fingerprint := normal_fingerprint(entry.data.get(CONF_FINGERPRINT)):
        taken = hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, fingerprint)
        if taken is None:
            async_move_identity(hass, entry, fingerprint)


@callback
def async_upgrade_entry(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Upgrade an entry made before 1.2: identity off its address, a title without one.

    Its DHCP discovery keys go too: before 1.2 every DHCP packet of a known thermostat left its
    MAC there, and no entry was made from a DHCP discovery then.
    """
    async_settle_identity(hass, entry)
    if _address_title(entry):
        hass.config_entries.async_update_entry(entry, title=new_title(hass, exclude=entry))
    if "dhcp" in entry.discovery_keys:
        kept = {domain: keys for domain, keys in entry.discovery_keys.items() if domain != "dhcp"}
        hass.config_entries.async_update_entry(entry, discovery_keys=MappingProxyType(kept))
