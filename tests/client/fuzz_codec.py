"""A long-running fuzzer for the wire path: splitter → decode_all → state.apply, redact, capture.

Run it with ``scripts/fuzz_codec [--examples N] [--seed S]``. Inputs come from a seeded generator
mixing random bytes, mutated valid frames, random JSON, hostile events, lenient envelopes (several
events, extra keys, numbers and booleans for strings) and cut-off login frames.
Every input is fed in random chunks and checked against the same input fed whole; anything
raised other than an expected ProtocolError is a failure.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from custom_components.steamloop.client.capture import MAX_ENTRIES, Capture
from custom_components.steamloop.client.codec import (
    Event,
    FrameSplitter,
    Heartbeat,
    Request,
    Response,
    decode,
    decode_all,
    encode,
    login,
    redact,
)
from custom_components.steamloop.client.errors import ProtocolError
from custom_components.steamloop.client.models import ActivityStatus, FanMode, HoldType, ZoneMode
from custom_components.steamloop.client.state import KNOWN_EVENTS, MAX_ZONES, ThermostatState

SECRET = "Zq9SecretValueZq9"  # noqa: S105
LOGIN = encode(login(SECRET))
MAX_FRAME = 512
STATE_RESET_EVERY = 1000
FIELDS = {
    "ZoneAdded": ("zone_id",),
    "ZoneNameUpdated": ("zone_id", "zone_name"),
    "IndoorTemperatureUpdated": ("zone_id", "indoor_temperature"),
    "TemperatureSetpointUpdated": (
        "zone_id",
        "heat_setpoint",
        "cool_setpoint",
        "deadband",
        "hold_type",
    ),
    "ZoneModeUpdated": ("zone_id", "zone_mode"),
    "SupportedZoneModesUpdated": ("modes",),
    "FanModeUpdated": ("fan_mode",),
    "EmergencyHeatUpdated": ("emergency_heat",),
    "IndoorRelativeHumidityUpdated": ("relative_humidity",),
    "CoolingStatusUpdated": ("cooling_active",),
    "HeatingStatusUpdated": ("heating_active",),
}
HOSTILE = (
    "",
    " ",
    "0",
    "1",
    "2",
    "3",
    "4",
    "-1",
    "01",
    " 2 ",
    "72.00",
    "1e400",
    "-1e400",
    "nan",
    "NaN",
    "inf",
    "-0",
    "1_0",
    "٣",
    "0,1,2,3",
    "3,,x,1",
    "\x00",
    '"',
    "\\",
    "é☀",
    "\ud800",
    "9" * 5000,
)
ALPHABET = b'{}[]":,\x00 \\0123456789.-eEtrufalsn'
TOKENS = (b"{", b"}", b'"', b"\x00", b"\\", b":", b",", b"null", b"1", b"[]", b"{}", b"\xff")


@dataclass
class FuzzReport:
    """Figures from one run."""

    seed: int
    inputs: int = 0
    frames: int = 0
    messages: Counter[str] = field(default_factory=Counter)
    malformed: int = 0
    overflows: int = 0
    changes: int = 0
    multi: int = 0
    dropped_fields: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Return the figures as a few readable lines."""
        rate = self.inputs / self.seconds if self.seconds else 0.0
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(self.messages.items()))
        return "\n".join(
            (
                (
                    f"inputs run     {self.inputs} (seed {self.seed}) in {self.seconds:.1f} s"
                    f" ({rate:,.0f} inputs/s)"
                ),
                f"frames         {self.frames}: {kinds or 'none decoded'}",
                f"malformed      {self.malformed} (no message in the frame)",
                f"overflows      {self.overflows} (ProtocolError, frame > {MAX_FRAME} bytes)",
                f"multi-message  {self.multi} frames carried more than one message",
                f"fields dropped {self.dropped_fields} (invalid values, applied the rest)",
                f"state changes  {self.changes}",
                f"failures       {len(self.failures)}",
            )
        )


class Generator:
    """Produces fuzz inputs from a seeded random source."""

    def __init__(self, rng: random.Random) -> None:
        """Prepare the corpus of valid frames that mutations start from."""
        self.rng = rng
        self.seeds = [encode(message)[:-1] for message in self._valid_messages()]
        self.makers: list[Callable[[], bytes]] = [
            self.random_bytes,
            self.mutated,
            self.mutated,
            self.random_json,
            self.hostile_event,
            self.hostile_event,
            self.stream,
            self.cut_login,
            self.lenient,
            self.lenient,
        ]

    def next(self) -> bytes:
        """Return one input, usually terminated so that it reaches the decoder."""
        maker = self.rng.choice(self.makers)
        data = maker()
        if maker != self.stream and self.rng.random() < 0.9:
            data += self.rng.choice((b"\x00", b" \x00"))
        return data

    def _valid_messages(self) -> list[Event | Response | Request | Heartbeat]:
        """Return one realistic message of every kind."""
        values = {
            "zone_id": "1",
            "zone_name": "Living Room",
            "indoor_temperature": "72.00",
            "heat_setpoint": "68",
            "cool_setpoint": "76",
            "deadband": "3",
            "hold_type": HoldType.MANUAL.value,
            "zone_mode": ZoneMode.AUTO.value,
            "modes": "0,1,2,3",
            "fan_mode": FanMode.AUTO.value,
            "emergency_heat": "0",
            "relative_humidity": "45",
            "cooling_active": ActivityStatus.RUNNING.value,
            "heating_active": ActivityStatus.IDLE.value,
        }
        messages: list[Event | Response | Request | Heartbeat] = [
            Event(name, {key: values[key] for key in keys}) for name, keys in FIELDS.items()
        ]
        messages += [
            Response("LoginResponse", {"status": "1"}),
            Response("Error", {"error_type": "1", "description": "bad key"}),
            Request("SetSecretKey", {"secret_key": SECRET}),
            login(SECRET),
            Heartbeat(),
        ]
        return messages

    def random_bytes(self) -> bytes:
        """Bytes biased towards JSON punctuation."""
        rng = self.rng
        size = rng.randrange(0, 200)
        if rng.random() < 0.5:
            return rng.randbytes(size)
        return bytes(rng.choice(ALPHABET) for _ in range(size))

    def mutated(self) -> bytes:
        """A valid frame with a few byte-level or structural mutations."""
        rng = self.rng
        data = bytearray(rng.choice(self.seeds))
        for _ in range(rng.randrange(1, 5)):
            self._mutate(data)
        return bytes(data)

    def _mutate(self, data: bytearray) -> None:
        """Apply one random mutation in place."""
        rng = self.rng
        position = rng.randrange(0, len(data) + 1)
        match rng.randrange(7):
            case 0 if data:
                data[min(position, len(data) - 1)] ^= 1 << rng.randrange(8)
            case 1:
                data[position:position] = rng.choice(TOKENS)
            case 2:
                del data[position : position + rng.randrange(1, 8)]
            case 3:
                end = min(len(data), position + rng.randrange(1, 30))
                data[position:position] = data[position:end]
            case 4:
                data[position:] = b""
            case 5:
                data[position:position] = rng.choice(self.seeds)
            case _:
                text = data.decode("utf-8", "replace")
                for value in ('"1"', '"72.00"', '"0,1,2,3"', '"Living Room"'):
                    text = text.replace(value, rng.choice(("1", "null", "[]", "{}", "true")), 1)
                data[:] = text.encode()

    def random_json(self) -> bytes:
        """Random JSON, alone or inside an envelope."""
        rng = self.rng
        value = self._json_value(3)
        match rng.randrange(3):
            case 0:
                wrapped = value
            case 1:
                wrapped = {rng.choice(("Event", "Response", "Request", "Heartbeat")): value}
            case _:
                wrapped = {"Event": {rng.choice(sorted(KNOWN_EVENTS)): value}}
        return json.dumps(wrapped, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")

    def _json_value(self, depth: int) -> object:
        """A random JSON value at most ``depth`` levels deep."""
        rng = self.rng
        kind = rng.randrange(8 if depth else 5)
        scalars: tuple[object, ...] = (
            None,
            rng.random() < 0.5,
            rng.randint(-(2**70), 2**70),
            rng.uniform(-1e6, 1e6),
            rng.choice(HOSTILE),
        )
        if kind < len(scalars):
            return scalars[kind]
        if kind == len(scalars):
            return [self._json_value(depth - 1) for _ in range(rng.randrange(4))]
        keys = (*FIELDS, "zone_id", "modes", "fan_mode", "x")
        return {rng.choice(keys): self._json_value(depth - 1) for _ in range(rng.randrange(4))}

    def hostile_event(self) -> bytes:
        """A known event with hostile but well-typed field values."""
        rng = self.rng
        name = rng.choice((*FIELDS, "Unknown"))
        keys = FIELDS.get(name, ("zone_id",))
        fields = {
            key: rng.choice(HOSTILE) if rng.random() < 0.5 else str(rng.randrange(5))
            for key in keys
            if rng.random() < 0.9
        }
        return json.dumps({"Event": {name: fields}}).encode()

    def stream(self) -> bytes:
        """Several frames joined by NULs, some mutated, some oversized."""
        rng = self.rng
        parts: list[bytes] = []
        for _ in range(rng.randrange(1, 8)):
            roll = rng.random()
            if roll < 0.05:
                parts.append(b"x" * rng.randrange(MAX_FRAME - 2, MAX_FRAME + 3))
            elif roll < 0.5:
                parts.append(self.mutated())
            else:
                parts.append(rng.choice(self.seeds))
        return b"\x00".join(parts) + (b"\x00" if rng.random() < 0.8 else b"")

    def lenient(self) -> bytes:
        """What the reference client accepts: several events, extra keys, non-string scalars."""
        rng = self.rng
        body: dict[str, object] = {}
        for _ in range(rng.randrange(1, 4)):
            name = rng.choice((*FIELDS, "Unknown"))
            keys = FIELDS.get(name, ("zone_id", "x"))
            body[name] = {
                key: rng.choice(
                    (
                        rng.choice(HOSTILE),
                        str(rng.randrange(5)),
                        rng.randrange(-2, 100),
                        rng.uniform(-10, 110),
                        rng.random() < 0.5,
                        None,
                        [1],
                        {"a": "b"},
                    )
                )
                for key in (*keys, "extra")
                if rng.random() < 0.85
            }
        envelope: dict[str, object] = {"Event": body}
        if rng.random() < 0.3:
            envelope[rng.choice(("Heartbeat", "Sequence", "Response"))] = rng.choice(
                ({}, 7, {"LoginResponse": {"status": 1}})
            )
        return json.dumps(envelope).encode()

    def cut_login(self) -> bytes:
        """A login frame cut anywhere, after some quote-free garbage."""
        rng = self.rng
        prefix = rng.randbytes(rng.randrange(10)).replace(b'"', b"").replace(b"\\", b"")
        return prefix.replace(b"{", b"") + LOGIN[: rng.randrange(len(LOGIN) + 1)]


def chunks(rng: random.Random, data: bytes) -> list[bytes]:
    """Split ``data`` at random points."""
    cuts = sorted(rng.randrange(len(data) + 1) for _ in range(rng.randrange(4)))
    bounds = [0, *cuts, len(data)]
    return [data[start:end] for start, end in itertools.pairwise(bounds)]


def split(data: list[bytes]) -> list[bytes] | None:
    """Frames of a chunked stream, or None when it overflowed."""
    splitter = FrameSplitter(MAX_FRAME)
    frames: list[bytes] = []
    try:
        for chunk in data:
            frames.extend(splitter.feed(chunk))
            if splitter.buffered > MAX_FRAME:
                msg = f"splitter holds {splitter.buffered} bytes"
                raise AssertionError(msg)
    except ProtocolError:
        return None
    return frames


def check_one(
    data: bytes, rng: random.Random, state: ThermostatState, capture: Capture, report: FuzzReport
) -> None:
    """Run one input through the whole path and check every invariant."""
    whole = split([data])
    chunked = split(chunks(rng, data))
    if whole != chunked:
        msg = "chunking changed the frames"
        raise AssertionError(msg)
    longest = max(len(part) for part in data.split(b"\x00"))
    if (whole is None) != (longest > MAX_FRAME):
        msg = "overflow reported wrongly"
        raise AssertionError(msg)
    if whole is None:
        report.overflows += 1
        return
    for frame in whole:
        report.frames += 1
        capture.frame("rx", frame)
        messages = decode_all(frame)
        if decode(frame) != (messages[0] if messages else None):
            msg = "decode disagrees with decode_all"
            raise AssertionError(msg)
        if not messages:
            report.malformed += 1
        report.multi += len(messages) > 1
        for message in messages:
            report.messages[type(message).__name__] += 1
            if not isinstance(message, Heartbeat) and not all(
                type(value) is str for value in message.fields.values()
            ):
                msg = f"a field that is not text: {message}"
                raise AssertionError(msg)
            if isinstance(message, Event):
                dropped = capture.dropped_fields
                change = state.apply(message, capture)
                report.dropped_fields += capture.dropped_fields - dropped
                if change.zones & (change.added | change.removed):
                    msg = f"inconsistent change {change}"
                    raise AssertionError(msg)
                report.changes += bool(change)
        check_typed(state)
        text = redact(frame)
        if not text.isprintable() or len(text) > 201:
            msg = "redact output not printable or too long"
            raise AssertionError(msg)
    start = data.find(b"{")
    if start >= 0 and LOGIN.startswith(data[start:]):
        if "Zq9" in redact(data, limit=10_000):
            msg = "secret key visible in redact output"
            raise AssertionError(msg)
        if "Zq9" in capture.render(data):
            msg = "secret key visible in a captured frame"
            raise AssertionError(msg)
    for table in (capture.unknown_events, capture.unknown_fields, capture.unknown_values):
        if len(table) > MAX_ENTRIES:
            msg = "a capture table outgrew its bound"
            raise AssertionError(msg)


def check_typed(state: ThermostatState) -> None:
    """However lenient the decoding, the state holds only typed, finite values."""
    if len(state.zones) > MAX_ZONES:
        msg = f"{len(state.zones)} zones"
        raise AssertionError(msg)
    for zone in state.zones.values():
        for value in (
            zone.indoor_temperature,
            zone.heat_setpoint,
            zone.cool_setpoint,
            zone.deadband,
        ):
            if value is not None and not (type(value) is float and math.isfinite(value)):
                msg = f"zone value {value!r} is not a finite float"
                raise AssertionError(msg)
        if not (zone.mode is None or isinstance(zone.mode, ZoneMode)) or not (
            zone.hold_type is None or isinstance(zone.hold_type, HoldType)
        ):
            msg = "zone enum is not typed"
            raise AssertionError(msg)
    if not (state.fan_mode is None or isinstance(state.fan_mode, FanMode)) or not all(
        isinstance(mode, ZoneMode) for mode in state.supported_modes
    ):
        msg = "system enum is not typed"
        raise AssertionError(msg)


def run(examples: int, seed: int | None = None) -> FuzzReport:
    """Fuzz ``examples`` inputs and return the figures; failures are collected, not raised."""
    if seed is None:
        seed = random.SystemRandom().randrange(2**32)
    rng = random.Random(seed)  # noqa: S311 - reproducible fuzzing, not cryptography
    generator = Generator(rng)
    report = FuzzReport(seed=seed)
    state = ThermostatState()
    capture = Capture()
    capture.hide(SECRET)
    started = time.perf_counter()
    for index in range(examples):
        if index % STATE_RESET_EVERY == 0:
            state = ThermostatState()
            capture = Capture()
            capture.hide(SECRET)
        data = generator.next()
        report.inputs += 1
        try:
            check_one(data, rng, state, capture, report)
        except Exception:  # noqa: BLE001
            last = traceback.format_exc().strip().splitlines()[-1]
            report.failures.append(f"{redact(data, limit=300)} -> {last}")
    report.seconds = time.perf_counter() - started
    return report


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run the fuzzer and print the figures."""
    parser = argparse.ArgumentParser(prog="fuzz_codec", description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100_000, help="inputs to run")
    parser.add_argument("--seed", type=int, default=None, help="seed (default: random)")
    args = parser.parse_args(argv)
    report = run(args.examples, args.seed)
    print(report.summary())  # noqa: T201
    for failure in report.failures[:10]:
        print(f"FAIL {failure}")  # noqa: T201
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
