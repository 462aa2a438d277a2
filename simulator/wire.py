"""The thermostat side of the wire: framing, envelopes, redaction and deliberately broken frames."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from enum import StrEnum
from typing import Any

TERMINATOR = b"\x00"
# The thermostat terminates with a bare NUL; clients append " \x00".
REDACTED = "**REDACTED**"
_SECRET = re.compile(rb'("secret_key"\s*:\s*")((?:[^"\\]|\\.)*)(")')
_LOG_LIMIT = 200

type Fields = dict[str, str]


def encode(message: dict[str, Any]) -> bytes:
    """Return one thermostat frame: compact JSON and a NUL."""
    return json.dumps(message, separators=(",", ":")).encode() + TERMINATOR


def event(name: str, fields: Fields) -> bytes:
    """Return an Event frame."""
    return encode({"Event": {name: fields}})


def response(name: str, fields: Fields) -> bytes:
    """Return a Response frame."""
    return encode({"Response": {name: fields}})


def request(name: str, fields: Fields) -> bytes:
    """Return a Request frame (the thermostat sends SetSecretKey this way)."""
    return encode({"Request": {name: fields}})


def decode(frame: bytes) -> dict[str, Any] | None:
    """Parse a frame the way the thermostat does: the text from the first { to the last }."""
    text = frame.decode("utf-8", errors="replace")
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        message = json.loads(text[start : end + 1])
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


def string_fields(body: object) -> Fields | None:
    """Return the body of an envelope when it is an object of strings, else None."""
    if not isinstance(body, dict):
        return None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in body.items()):
        return None
    return dict(body)


def redact(frame: bytes, limit: int = _LOG_LIMIT) -> str:
    """Return a printable, truncated copy of a frame with every secret_key value hidden."""
    hidden = _SECRET.sub(rb"\1" + REDACTED.encode() + rb"\3", frame)
    text = hidden.decode("utf-8", errors="backslashreplace").replace("\x00", "\\x00")
    return text if len(text) <= limit else text[:limit] + "..."


class Malformed(StrEnum):
    """Frames that break the protocol in one specific way each."""

    INVALID_JSON = "invalid_json"
    """Truncated JSON, NUL-terminated."""
    EVENT_NOT_OBJECT = "event_not_object"
    """{"Event": 5}."""
    EVENT_BODY_NOT_OBJECT = "event_body_not_object"
    """{"Event": {"IndoorTemperatureUpdated": "x"}}."""
    NUMBER_VALUES = "number_values"
    """An IndoorTemperatureUpdated whose values are JSON numbers, not strings."""
    MISSING_FIELD = "missing_field"
    """A ZoneModeUpdated without zone_mode."""
    INVALID_VALUE = "invalid_value"
    """A FanModeUpdated with fan_mode "9"."""
    UNKNOWN_EVENT = "unknown_event"
    """A well-formed event no thermostat sends."""
    NOT_UTF8 = "not_utf8"
    """Bytes that are not UTF-8 and hold no JSON."""
    OVERSIZED = "oversized"
    """1 MiB that starts like an event and never ends: no NUL follows."""


OVERSIZED_BYTES = 1 << 20


def _number_values(zone_id: str) -> bytes:
    zone: int | str = int(zone_id) if zone_id.isdigit() else zone_id
    return encode(
        {"Event": {"IndoorTemperatureUpdated": {"zone_id": zone, "indoor_temperature": 70.5}}}
    )


def _oversized(zone_id: str) -> bytes:
    head = b'{"Event":{"ZoneNameUpdated":{"zone_id":"' + zone_id.encode() + b'","zone_name":"'
    return head + b"x" * (OVERSIZED_BYTES - len(head))


_BUILDERS: dict[Malformed, Callable[[str], bytes]] = {
    Malformed.INVALID_JSON: lambda _: (
        b'{"Event":{"IndoorTemperatureUpdated":{"zone_id":"' + TERMINATOR
    ),
    Malformed.EVENT_NOT_OBJECT: lambda _: encode({"Event": 5}),
    Malformed.EVENT_BODY_NOT_OBJECT: lambda _: encode({"Event": {"IndoorTemperatureUpdated": "x"}}),
    Malformed.NUMBER_VALUES: _number_values,
    Malformed.MISSING_FIELD: lambda zone_id: event("ZoneModeUpdated", {"zone_id": zone_id}),
    Malformed.INVALID_VALUE: lambda _: event("FanModeUpdated", {"fan_mode": "9"}),
    Malformed.UNKNOWN_EVENT: lambda _: event("SimulatorUnknownEvent", {"value": "1"}),
    Malformed.NOT_UTF8: lambda _: b"\xff\xfe\xfa\xc3\x28" + TERMINATOR,
    Malformed.OVERSIZED: _oversized,
}


def malformed(kind: Malformed, zone_id: str = "1") -> bytes:
    """Return the bytes of one broken frame."""
    return _BUILDERS[kind](zone_id)
