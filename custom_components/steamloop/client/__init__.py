"""The vendored thermostat client: wire codec, state, links, and the supervisor that owns them.

This package never imports Home Assistant; everything the integration uses is re-exported here.
"""

from __future__ import annotations

from .capture import Capture
from .codec import (
    HEARTBEAT,
    MAX_FRAME,
    TERMINATOR,
    Event,
    FrameSplitter,
    Heartbeat,
    Message,
    Request,
    Response,
    decode,
    decode_all,
    encode,
    format_number,
    heartbeat,
    login,
    redact,
    secret_key_updated,
    update_emergency_heat,
    update_fan_mode,
    update_setpoint,
    update_zone_mode,
)
from .demand import ZoneAction, zone_action
from .errors import (
    AuthenticationError,
    CertificateMismatchError,
    ConnectError,
    InvalidCommandError,
    NotConfirmedError,
    NotReadyError,
    PairingError,
    PairingTimeoutError,
    ProtocolError,
    SteamloopError,
    ThermostatBusyError,
)
from .models import ActivityStatus, FanMode, HoldType, ZoneMode
from .pairing import PairingResult, ProbeResult, pair, probe
from .reconnect import LinkState
from .redact import BASE as BASE_REDACTOR
from .redact import REDACTED, Redactor, mac_notations
from .rules import (
    DEFAULT_DEADBAND,
    SETPOINT_MAX,
    SETPOINT_MIN,
    Refusal,
    RuleError,
    ZoneRequest,
)
from .session import Session
from .state import Change, SystemField, ThermostatState, Zone
from .stats import LinkStats
from .supervisor import Supervisor
from .transport import (
    DEFAULT_PORT,
    ClientIdentity,
    Link,
    SerialTransport,
    TlsTransport,
    Transport,
    build_ssl_context,
    shipped_identities,
)

__all__ = [
    "BASE_REDACTOR",
    "DEFAULT_DEADBAND",
    "DEFAULT_PORT",
    "HEARTBEAT",
    "MAX_FRAME",
    "REDACTED",
    "SETPOINT_MAX",
    "SETPOINT_MIN",
    "TERMINATOR",
    "ActivityStatus",
    "AuthenticationError",
    "Capture",
    "CertificateMismatchError",
    "Change",
    "ClientIdentity",
    "ConnectError",
    "Event",
    "FanMode",
    "FrameSplitter",
    "Heartbeat",
    "HoldType",
    "InvalidCommandError",
    "Link",
    "LinkState",
    "LinkStats",
    "Message",
    "NotConfirmedError",
    "NotReadyError",
    "PairingError",
    "PairingResult",
    "PairingTimeoutError",
    "ProbeResult",
    "ProtocolError",
    "Redactor",
    "Refusal",
    "Request",
    "Response",
    "RuleError",
    "SerialTransport",
    "Session",
    "SteamloopError",
    "Supervisor",
    "SystemField",
    "ThermostatBusyError",
    "ThermostatState",
    "TlsTransport",
    "Transport",
    "Zone",
    "ZoneAction",
    "ZoneMode",
    "ZoneRequest",
    "build_ssl_context",
    "decode",
    "decode_all",
    "encode",
    "format_number",
    "heartbeat",
    "login",
    "mac_notations",
    "pair",
    "probe",
    "redact",
    "secret_key_updated",
    "shipped_identities",
    "update_emergency_heat",
    "update_fan_mode",
    "update_setpoint",
    "update_zone_mode",
    "zone_action",
]
