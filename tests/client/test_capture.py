"""The capture a hardware owner sends: bounded, time-stamped, with keys and addresses masked."""

from __future__ import annotations

import logging

import orjson
import pytest

from custom_components.steamloop.client.capture import (
    FRAME_BYTES,
    FRAMES,
    MAX_ENTRIES,
    Capture,
)
from custom_components.steamloop.client.redact import REDACTED


def test_keeps_the_last_200_frames_both_ways_with_their_time() -> None:
    """Oldest first, each with its direction and the clock's time; older ones fall off."""
    now = [0.0]
    capture = Capture(clock=lambda: now[0])
    for index in range(FRAMES + 50):
        now[0] = index / 10
        capture.frame("rx" if index % 2 else "tx", b'{"Heartbeat":{"n":"%d"}}' % index)
    frames = capture.frames()
    assert len(frames) == FRAMES
    assert frames[0] == {"t": 5.0, "dir": "tx", "frame": '{"Heartbeat":{"n":"50"}}'}
    assert frames[-1]["dir"] == "rx"
    assert frames[-1]["t"] == 24.9


def test_keys_and_addresses_never_show() -> None:
    """secret_key values, the session's key anywhere, and IP/MAC addresses are masked."""
    capture = Capture()
    capture.hide("s3cr3t-key")
    capture.hide("")
    capture.frame("tx", b'{"Request":{"Login":{"secret_key":"s3cr3t-key"}}}')
    capture.frame("rx", b'{"Request":{"SetSecretKey":{"secret_key":"other"}}}')
    capture.frame("rx", b'{"Event":{"ZoneNameUpdated":{"zone_name":"s3cr3t-key 10.0.0.12"}}}')
    capture.frame("rx", b'{"Event":{"X":{"mac":"AA:bb:cc:dd:ee:ff","v6":"fe80::1:2:3"}}}')
    text = repr(capture.as_dict())
    for secret in ("s3cr3t-key", "other", "10.0.0.12", "AA:bb", "fe80::1"):
        assert secret not in text
    assert REDACTED in text
    # Values that merely look numeric stay.
    capture.frame("rx", b'{"Event":{"X":{"t":"72.00","modes":"0,1,2,3"}}}')
    assert capture.frames()[-1]["frame"] == '{"Event":{"X":{"t":"72.00","modes":"0,1,2,3"}}}'


def test_a_long_frame_is_cut() -> None:
    """No frame holds more than FRAME_BYTES of the capture."""
    capture = Capture()
    capture.frame("rx", b"x" * (FRAME_BYTES * 4))
    assert len(str(capture.frames()[0]["frame"])) <= FRAME_BYTES + 1


def test_tables_are_bounded_and_each_entry_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    """At most MAX_ENTRIES distinct entries per table; each logged at DEBUG when first seen."""
    capture = Capture()
    with caplog.at_level(logging.DEBUG, logger="custom_components.steamloop.client"):
        for index in range(MAX_ENTRIES + 20):
            capture.unknown_event(f"Event{index}")
            capture.unknown_event(f"Event{index}")
        capture.unknown_value("FanModeUpdated", "fan_mode", "9" * 100)
    assert len(capture.unknown_events) == MAX_ENTRIES
    assert capture.unknown_events["Event0"] == 2
    assert len(caplog.records) == MAX_ENTRIES + 1
    assert all(r.levelno == logging.DEBUG for r in caplog.records)
    assert "9" * 41 not in caplog.text
    assert capture.dropped_fields == 1
    capture.unknown_event("bad\x00name")
    assert capture.as_dict()["dropped_fields"] == 1


def _event(name: str, **fields: str) -> bytes:
    return orjson.dumps({"Event": {name: fields}})


def test_the_session_keeps_the_login_the_burst_and_the_latest_of_each_kind() -> None:
    """What leaves the ring of the current link is kept: login reply and burst as they were,
    then the latest frame of each event, zone and set of fields, in the order they last came."""
    capture = Capture(frames=4)
    capture.frame("rx", _event("ZoneAdded", zone_id="old"))
    capture.frame("rx", b'{"Response":{"LoginResponse":{"status":"1"}}}')
    capture.session_started()
    burst = [_event("ZoneAdded", zone_id="1"), _event("FanModeUpdated", fan_mode="1")]
    for frame in burst:
        capture.frame("rx", frame)
    capture.burst_ended()
    later = [
        _event("TemperatureSetpointUpdated", zone_id="1", heat_setpoint="66"),
        _event("TemperatureSetpointUpdated", zone_id="1", cool_setpoint="80"),
        b"not json",
        _event("TemperatureSetpointUpdated", zone_id="1", heat_setpoint="64"),
        _event("FanModeUpdated", fan_mode="2"),
    ]
    for frame in later:
        capture.frame("rx", frame)
        capture.frame("tx", b'{"Heartbeat":{}}')
    capture.frame("tx", b'{"Heartbeat":{}}')
    session = [record["frame"] for record in capture.session()]
    assert session == [
        '{"Response":{"LoginResponse":{"status":"1"}}}',
        *(frame.decode() for frame in burst),
        later[1].decode(),
        later[3].decode(),
    ]
    assert [record["frame"] for record in capture.frames()][-3] == later[-1].decode()
    assert capture.as_dict()["session"] == capture.session()

    # A new link starts a new session.
    capture.frame("rx", b'{"Response":{"LoginResponse":{"status":"1"}}}')
    capture.session_started()
    assert capture.session() == []
