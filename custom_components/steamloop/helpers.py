"""Small helpers shared by setup and the config flow: transports, MACs, redaction, action errors."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Coroutine, Iterable, Mapping
from pathlib import Path
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.device_registry import format_mac

from .client import (
    REDACTED,
    ConnectError,
    InvalidCommandError,
    NotConfirmedError,
    NotReadyError,
    Refusal,
    RuleError,
    SerialTransport,
    SteamloopError,
    TlsTransport,
    Transport,
)
from .const import CONF_SECRET_KEY, CONF_SERIAL_URL, DEFAULT_PORT, DOMAIN

# The kernel's IPv4 neighbour table: where a host on the same network segment has its MAC.
NEIGHBOUR_TABLE = Path("/proc/net/arp")
# Columns of a neighbour table line: address, hw type, flags, MAC, mask, device.
_MAC_COLUMN = 3
MAC_SEPARATORS = 5
# A host name label: letters, digits, hyphens (and underscores, which local networks use), not
# starting or ending with a hyphen, at most 63 characters; a name at most 253 characters.
_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)", re.IGNORECASE)
_MAX_NAME = 253


def valid_host(host: str) -> bool:
    """Return whether `host` is an IP address or a host name the resolver can take.

    A mistyped name ("192.168..5", a label over 63 characters) makes getaddrinfo raise a
    UnicodeError rather than fail to resolve, so it is refused before any connection is tried.
    """
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return True
    try:
        name = host.encode("idna").decode("ascii").removesuffix(".")
    except UnicodeError:
        return False
    return 0 < len(name) <= _MAX_NAME and all(_LABEL.fullmatch(part) for part in name.split("."))


# Addresses of any host, wherever they occur in a text: IPv4, and MACs written with : or -.
_ADDRESS_PATTERNS = (
    r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])",
    r"(?<![0-9a-f])[0-9a-f]{2}([:-])(?:[0-9a-f]{2}\1){4}[0-9a-f]{2}(?![0-9a-f])",
)


def build_transport(data: Mapping[str, Any], *, name: str | None = None) -> Transport:
    """Return the transport an entry's data describes (serial when it names a serial URL).

    `name` replaces the address the transport would otherwise put in its logs and errors.
    """
    transport: Transport
    if serial_url := data.get(CONF_SERIAL_URL):
        transport = SerialTransport(serial_url)
    else:
        transport = TlsTransport(data[CONF_HOST], data.get(CONF_PORT, DEFAULT_PORT))
    if name is not None:
        transport.name = name
    return transport


class Redactor:
    """Masks the key, host, serial path, IP and MAC addresses wherever they occur in text."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        """Mask the given strings (case-insensitive), and every IPv4 and MAC address."""
        literal = sorted({secret for secret in secrets if secret}, key=len, reverse=True)
        parts = [re.escape(secret) for secret in literal]
        parts += [f"(?:{pattern})" for pattern in _ADDRESS_PATTERNS]
        self._pattern = re.compile("|".join(parts), re.IGNORECASE)

    @classmethod
    def for_entry(cls, entry: ConfigEntry) -> Redactor:
        """Return the redactor of an entry's key, host, serial path and unique id."""
        data = entry.data
        secrets: list[str | None] = [
            data.get(CONF_SECRET_KEY),
            data.get(CONF_HOST),
            data.get(CONF_SERIAL_URL),
            entry.unique_id,
        ]
        if is_mac(entry.unique_id):
            secrets.append(str(entry.unique_id).replace(":", ""))
        return cls(secrets)

    def __call__(self, text: str) -> str:
        """Return text with everything sensitive replaced by **REDACTED**."""
        return self._pattern.sub(REDACTED, text)

    def data(self, value: Any) -> Any:
        """Return a copy of nested dicts, lists and strings with every string redacted."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, Mapping):
            return {key: self.data(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(item) for item in value]
        return value


def is_mac(unique_id: str | None) -> bool:
    """Return True when a unique id is a MAC address (not the fallback)."""
    return unique_id is not None and unique_id.count(":") == MAC_SEPARATORS


def fallback_unique_id(data: Mapping[str, Any]) -> str:
    """Return the unique id used when the thermostat's MAC cannot be learnt."""
    if serial_url := data.get(CONF_SERIAL_URL):
        return f"serial:{serial_url}"
    return f"{data[CONF_HOST]}:{data.get(CONF_PORT, DEFAULT_PORT)}"


def _read_neighbour_mac(table: Path, address: str) -> str | None:
    """Return the MAC for an IPv4 address from the neighbour table, if it is there."""
    try:
        lines = table.read_text(encoding="ascii", errors="replace").splitlines()[1:]
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if len(fields) > _MAC_COLUMN and fields[0] == address:
            mac = fields[_MAC_COLUMN]
            if mac != "00:00:00:00:00:00":
                return format_mac(mac)
    return None


async def async_learn_mac(hass: HomeAssistant, host: str) -> str | None:
    """Return the thermostat's MAC when it shares our network segment (after we talked to it)."""
    try:
        address = str(ipaddress.ip_address(host))
    except ValueError:
        try:
            infos = await hass.loop.getaddrinfo(host, None, family=socket.AF_INET)
        except OSError:
            return None
        address = str(infos[0][4][0])
    return await hass.async_add_executor_job(_read_neighbour_mac, NEIGHBOUR_TABLE, address)


# Refusals of the thermostat's rules with a message of their own; the others name their error.
_REFUSAL_KEYS = {
    Refusal.OUT_OF_RANGE: "setpoint_out_of_range",
    Refusal.DEADBAND: "deadband_too_small",
    Refusal.NO_SINGLE_TARGET: "target_needs_heat_or_cool",
    Refusal.UNSUPPORTED_MODE: "unsupported_hvac_mode",
}


def steamloop_action[**P](
    func: Callable[P, Coroutine[Any, Any, None]],
) -> Callable[P, Coroutine[Any, Any, None]]:
    """Turn client errors raised by an entity action into translated Home Assistant errors.

    The one boundary between the client's errors and what a user reads: a refusal of the rules
    (nothing was sent), a thermostat that did not confirm in time (the entity keeps what it last
    reported), and a link that is down or dropped meanwhile ("not connected").
    """

    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await func(*args, **kwargs)
        except RuleError as err:
            if key := _REFUSAL_KEYS.get(err.refusal):
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key=key,
                    translation_placeholders=err.placeholders,
                ) from err
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_command",
                translation_placeholders={"error": str(err)},
            ) from err
        except InvalidCommandError as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_command",
                translation_placeholders={"error": str(err)},
            ) from err
        except NotConfirmedError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="not_confirmed"
            ) from err
        except (NotReadyError, ConnectError) as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="not_connected"
            ) from err
        except SteamloopError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="command_failed",
                translation_placeholders={"error": str(err)},
            ) from err

    return wrapper
