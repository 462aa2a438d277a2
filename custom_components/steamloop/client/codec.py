"""Wire codec: NUL frame splitting, decoding to typed messages, encoding, and log redaction.

Everything here is pure: bytes in, values out. ``decode`` never raises; only ``FrameSplitter.feed``
raises, with ProtocolError, when the peer breaks the framing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import orjson

from .errors import InvalidCommandError, ProtocolError
from .models import FanMode, HoldType, ZoneMode
from .redact import BASE, Redactor

MAX_FRAME: Final = 65536
TERMINATOR: Final = b" \x00"

_NUL: Final = b"\x00"
_OPEN: Final = b"{"
_CLOSE: Final = b"}"


@dataclass(frozen=True, slots=True)
class Event:
    """An unsolicited state update from the thermostat.

    ``dropped`` names the fields whose value the decoder could not turn into text (an object or
    a list), so the state can count them with the fields it rejects itself.
    """

    name: str
    fields: Mapping[str, str]
    dropped: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Response:
    """A reply (LoginResponse, Error) or the pairing acknowledgement SecretKeyUpdated."""

    name: str
    fields: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Request:
    """A command: ours to the thermostat, or its SetSecretKey while pairing."""

    name: str
    fields: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """The keep-alive message, which has no name and no fields."""


type Message = Event | Response | Request | Heartbeat

HEARTBEAT: Final = Heartbeat()
_HEARTBEAT_ONLY: Final[tuple[Message, ...]] = (HEARTBEAT,)

_ENVELOPES: Final[dict[str, type[Event | Response | Request]]] = {
    "Event": Event,
    "Response": Response,
    "Request": Request,
}


class FrameSplitter:
    """Split a byte stream into NUL-terminated frames, never buffering more than ``max_frame``."""

    __slots__ = ("_buffer", "_max_frame")

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        """Create an empty splitter that accepts frames of up to ``max_frame`` bytes."""
        if max_frame < 1:
            msg = "max_frame must be positive"
            raise ValueError(msg)
        self._max_frame = max_frame
        self._buffer = bytearray()

    @property
    def max_frame(self) -> int:
        """The longest frame accepted, in bytes, excluding the NUL."""
        return self._max_frame

    @property
    def buffered(self) -> int:
        """Bytes held for a frame whose NUL has not arrived yet."""
        return len(self._buffer)

    def reset(self) -> None:
        """Drop any partial frame and release its memory."""
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        """Return the frames completed by ``data``, in order, skipping empty ones.

        Raises ProtocolError when a frame (complete or not) exceeds ``max_frame``; the splitter
        is then reset, and frames completed earlier in the same ``data`` are dropped with it,
        since the link is torn down and re-synced anyway. Frame lengths are checked before
        anything is buffered, so the result is the same however the stream is chunked.
        """
        buffer = self._buffer
        limit = self._max_frame
        if _NUL not in data:
            if len(buffer) + len(data) > limit:
                self._overflow()
            buffer += data
            return []
        segments = data.split(_NUL)
        tail = segments.pop()
        if buffer:
            if len(buffer) + len(segments[0]) > limit:
                self._overflow()
            buffer += segments[0]
            segments[0] = bytes(buffer)
            buffer.clear()
        if len(tail) > limit:
            self._overflow()
        frames = list(filter(None, segments))
        if frames and max(map(len, frames)) > limit:
            self._overflow()
        buffer += tail
        return frames

    def _overflow(self) -> None:
        """Reset and report a frame longer than the limit."""
        self.reset()
        msg = f"the peer sent a frame longer than {self._max_frame} bytes"
        raise ProtocolError(msg)


# The fast path is one flat function on purpose: it runs for every frame of every burst.
def decode_all(frame: bytes) -> tuple[Message, ...]:  # noqa: C901
    """Parse one frame into every message it carries; empty when it carries none. Never raises.

    The JSON is taken from the first ``{`` to the last ``}``, so stray bytes around it are
    tolerated. The decoder is as lenient as the reference client: every known envelope in the
    object is read and unknown top-level keys are ignored; an envelope may carry several names
    (two events in one ``Event``); a number or a boolean where the protocol has a string becomes
    that string (``64.5`` -> ``"64.5"``, ``true`` -> ``"1"``, ``null`` -> ``""``, which means
    "not reported"). A value that is an object or a list is left out and named in
    ``Event.dropped``. Whether a value means anything is the state's business, not the codec's.
    """
    try:
        obj = orjson.loads(frame)
    except orjson.JSONDecodeError:
        obj = None
    if type(obj) is not dict:
        obj = _loads_trimmed(frame)
        if type(obj) is not dict:
            return ()
    if len(obj) == 1:
        (kind,) = obj
        body = obj[kind]
        if type(body) is dict:
            cls = _ENVELOPES.get(kind)
            if cls is None:
                if kind == "Heartbeat":
                    return _HEARTBEAT_ONLY
                return ()
            if len(body) == 1:
                (name,) = body
                fields = body[name]
                if name and type(fields) is dict:
                    for value in fields.values():
                        if type(value) is not str:
                            break
                    else:
                        return (cls(name, fields),)
    return _decode_lenient(obj)


def decode(frame: bytes) -> Message | None:
    """Return the first message a frame carries, or None; see ``decode_all``."""
    messages = decode_all(frame)
    return messages[0] if messages else None


def _decode_lenient(obj: dict[str, object]) -> tuple[Message, ...]:
    """Read every known envelope of an object that is not the one-message, all-text usual."""
    messages: list[Message] = []
    for kind, body in obj.items():
        if type(body) is not dict:
            continue
        cls = _ENVELOPES.get(kind)
        if cls is None:
            if kind == "Heartbeat":
                messages.append(HEARTBEAT)
            continue
        for name, raw in body.items():
            if not name or type(raw) is not dict:
                continue
            fields: dict[str, str] = {}
            dropped: list[str] = []
            for key, value in raw.items():
                text = _as_text(value)
                if text is None:
                    dropped.append(key)
                else:
                    fields[key] = text
            if cls is Event:
                messages.append(Event(name, fields, tuple(dropped)))
            else:
                messages.append(cls(name, fields))
    return tuple(messages)


def _as_text(value: object) -> str | None:
    """Return a JSON scalar in the protocol's string form, or None for an object or a list."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[return-value]
    if kind is bool:
        return "1" if value else "0"
    if kind is int:
        return str(value)
    if kind is float:
        number: float = value  # type: ignore[assignment]
        return str(int(number)) if number.is_integer() else repr(number)
    if value is None:
        return ""
    return None


def _loads_trimmed(frame: bytes) -> object:
    """Parse the text between the first ``{`` and the last ``}``, or return None."""
    start = frame.find(_OPEN)
    end = frame.rfind(_CLOSE)
    if start < 0 or end < start:
        return None
    try:
        return orjson.loads(memoryview(frame)[start : end + 1])
    except orjson.JSONDecodeError:
        return None


def encode(message: Message) -> bytes:
    """Serialise a message as compact JSON followed by the wire terminator."""
    if isinstance(message, Heartbeat):
        return orjson.dumps({"Heartbeat": {}}) + TERMINATOR
    fields = message.fields if type(message.fields) is dict else dict(message.fields)
    return orjson.dumps({type(message).__name__: {message.name: fields}}) + TERMINATOR


def login(secret_key: str, device_id: str = "module", device_type: str = "automation") -> Request:
    """Build the Login request; an empty key asks to pair."""
    return Request(
        "Login", {"device_id": device_id, "device_type": device_type, "secret_key": secret_key}
    )


def heartbeat() -> Heartbeat:
    """Build the keep-alive message."""
    return HEARTBEAT


def secret_key_updated(key: str) -> Response:
    """Build the acknowledgement of a key received while pairing."""
    return Response("SecretKeyUpdated", {"secret_key": key})


def update_setpoint(
    zone_id: str,
    *,
    heat: float,
    cool: float,
    deadband: float | None = None,
    hold_type: HoldType | None = None,
) -> Request:
    """Build UpdateTemperatureSetpoint; a deadband or hold type left as None is not sent."""
    fields = {
        "zone_id": zone_id,
        "heat_setpoint": format_number(heat),
        "cool_setpoint": format_number(cool),
    }
    if deadband is not None:
        fields["deadband"] = format_number(deadband)
    if hold_type is not None:
        fields["hold_type"] = _member(HoldType, hold_type).value
    return Request("UpdateTemperatureSetpoint", fields)


def update_zone_mode(zone_id: str, mode: ZoneMode) -> Request:
    """Build UpdateZoneMode."""
    return Request(
        "UpdateZoneMode", {"zone_id": zone_id, "zone_mode": _member(ZoneMode, mode).value}
    )


def update_fan_mode(mode: FanMode) -> Request:
    """Build UpdateFanMode."""
    return Request("UpdateFanMode", {"fan_mode": _member(FanMode, mode).value})


def update_emergency_heat(on: bool) -> Request:  # noqa: FBT001
    """Build UpdateEmergencyHeat: "1" turns it on, "2" off, as the thermostat expects."""
    return Request("UpdateEmergencyHeat", {"emergency_heat": "1" if on else "2"})


def format_number(value: float) -> str:
    """Format a number for the wire: integral values without decimals, others to 0.01."""
    if not math.isfinite(value):
        msg = f"{value!r} is not a finite number"
        raise InvalidCommandError(msg)
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _member[E: StrEnum](enum: type[E], value: E | str) -> E:
    """Return the enum member for a value, or raise InvalidCommandError."""
    try:
        return enum(value)
    except ValueError:
        msg = f"{value!r} is not a valid {enum.__name__}"
        raise InvalidCommandError(msg) from None


def redact(frame: bytes | str, limit: int = 200, redactor: Redactor = BASE) -> str:
    r"""Render a frame for a log line: secret keys masked, control bytes escaped, truncated.

    Every ``"secret_key": …`` value and every address is masked by `redactor` (the patterns of
    ``redact.BASE`` unless a redactor that knows more is given), also when the frame is cut off
    inside the value or is not valid JSON. Undecodable bytes appear as ``\xNN`` and
    non-printable characters as escapes. At most ``limit`` characters are kept; when anything
    was cut, ``…`` is appended.
    """
    # A value always follows its key, so cutting first can never expose part of a key;
    # four bytes per kept character covers multi-byte UTF-8.
    budget = max(limit, 0) * 4 + 64
    cut = len(frame) > budget
    head = frame[:budget]
    text = head if isinstance(head, str) else head.decode("utf-8", "backslashreplace")
    text = redactor(text)
    if not text.isprintable():
        text = "".join(char if char.isprintable() else _escape(char) for char in text)
    if cut or len(text) > limit:
        return text[: max(limit, 0)] + "…"
    return text


def _escape(char: str) -> str:
    """Return a visible escape for a non-printable character."""
    code = ord(char)
    if code < 0x100:  # noqa: PLR2004
        return f"\\x{code:02x}"
    if code < 0x10000:  # noqa: PLR2004
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"
