"""Codec throughput: our FrameSplitter + decode_all against the upstream library's buffer parser."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import orjson
from steamloop.connection import ThermostatProtocol

from custom_components.steamloop.client.codec import FrameSplitter, decode_all

from .figures import Codec

CHUNK = 16 * 1024  # what one TLS record delivers at most


def sample_stream(messages: int) -> bytes:
    """Return `messages` frames of the thermostat's usual mix, NUL-terminated as on the wire."""
    kinds: list[dict[str, Any]] = [
        {"Event": {"IndoorTemperatureUpdated": {"zone_id": "1", "indoor_temperature": "71.50"}}},
        {
            "Event": {
                "TemperatureSetpointUpdated": {
                    "zone_id": "2",
                    "heat_setpoint": "68",
                    "cool_setpoint": "76",
                    "deadband": "3",
                    "hold_type": "2",
                }
            }
        },
        {"Event": {"IndoorRelativeHumidityUpdated": {"relative_humidity": "45"}}},
        {"Event": {"CoolingStatusUpdated": {"cooling_active": "1"}}},
        {"Response": {"LoginResponse": {"status": "1"}}},
        {"Heartbeat": {}},
    ]
    frames = [orjson.dumps(kind) + b" \x00" for kind in kinds]
    return b"".join(frames[i % len(frames)] for i in range(messages))


def chunks(stream: bytes) -> list[bytes]:
    """Cut the stream into TLS-record-sized chunks."""
    return [stream[i : i + CHUNK] for i in range(0, len(stream), CHUNK)]


def ours(pieces: list[bytes]) -> int:
    """Split and decode with our codec, as the session does; return the messages decoded."""
    splitter = FrameSplitter()
    count = 0
    for piece in pieces:
        for frame in splitter.feed(piece):
            count += len(decode_all(frame))
    return count


class _Sink:
    """Stands in for the upstream connection: counts what its protocol parsed."""

    def __init__(self) -> None:
        self.count = 0

    def _on_message(self, _msg: dict[str, Any]) -> None:
        self.count += 1


def anchor(pieces: list[bytes]) -> int:
    """Split and parse with the upstream protocol's own buffer code; return the messages parsed."""
    sink = _Sink()
    protocol = ThermostatProtocol(sink)  # type: ignore[arg-type]
    for piece in pieces:
        protocol.data_received(piece)
    return sink.count


def _best(
    parse: Callable[[list[bytes]], int], pieces: list[bytes], repeats: int
) -> tuple[float, int]:
    best, count = float("inf"), 0
    for _ in range(repeats):
        started = time.perf_counter()
        count = parse(pieces)
        best = min(best, time.perf_counter() - started)
    return best, count


def run(*, quick: bool) -> Codec:
    """Measure both parsers on the same input; best of several runs each."""
    messages = 20_000 if quick else 200_000
    pieces = chunks(sample_stream(messages))
    repeats = 3 if quick else 7
    ours_s, ours_count = _best(ours, pieces, repeats)
    anchor_s, anchor_count = _best(anchor, pieces, repeats)
    return Codec(
        messages=messages,
        chunk_bytes=CHUNK,
        repeats=repeats,
        ours_msgs_per_s=round(ours_count / ours_s),
        anchor_msgs_per_s=round(anchor_count / anchor_s),
        ours_decoded=ours_count,
        anchor_parsed=anchor_count,
        ratio=round((ours_count / ours_s) / (anchor_count / anchor_s), 2),
    )
