"""Small helpers shared by setup and the config flow: transports, MACs, action errors."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any

from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.device_registry import format_mac

from .client import (
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
from .const import CONF_SERIAL_URL, DEFAULT_PORT, DOMAIN

# The kernel's IPv4 neighbour table: where a host on the same network segment has its MAC.
NEIGHBOUR_TABLE = Path("/proc/net/arp")
# Columns of a neighbour table line: address, hw type, flags, MAC, mask, device.
_MAC_COLUMN = 3
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


def fallback_unique_id(data: Mapping[str, Any]) -> str:
    """Return where a thermostat is: ``host:port`` or ``serial:<path>``.

    A key for what the config flow keeps per address; never an entry's unique id (identity.py).
    """
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
