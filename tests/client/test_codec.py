"""Frame splitting, decoding, encoding and redaction, including property-based fuzzing."""

from __future__ import annotations

import itertools
import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custom_components.steamloop.client.capture import Capture
from custom_components.steamloop.client.codec import (
    HEARTBEAT,
    MAX_FRAME,
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
from custom_components.steamloop.client.errors import InvalidCommandError, ProtocolError
from custom_components.steamloop.client.models import FanMode, HoldType, ZoneMode
from custom_components.steamloop.client.redact import REDACTED
from custom_components.steamloop.client.state import ThermostatState
from tests.client.strategies import EVENT_NAMES, FIELD_NAMES

FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)
ZONE_ADDED = b'{"Event":{"ZoneAdded":{"zone_id":"1"}}} '
TEMPERATURE = (
    b'{"Event":{"IndoorTemperatureUpdated":{"zone_id":"1","indoor_temperature":"72.00"}}} '
)
STREAM = ZONE_ADDED + b"\x00" + b'{"Heartbeat":{}} \x00' + TEMPERATURE + b"\x00"


def feed_all(splitter: FrameSplitter, chunks: list[bytes]) -> list[bytes]:
    """Feed every chunk and collect the frames."""
    frames: list[bytes] = []
    for chunk in chunks:
        frames.extend(splitter.feed(chunk))
    return frames


# --- FrameSplitter ---------------------------------------------------------------------------


def test_splitter_whole_stream() -> None:
    """One chunk holding three frames yields the three frames, terminators removed."""
    assert FrameSplitter().feed(STREAM) == [ZONE_ADDED, b'{"Heartbeat":{}} ', TEMPERATURE]


def test_splitter_one_byte_at_a_time() -> None:
    """Byte-by-byte feeding yields the same frames, each as soon as its NUL arrives."""
    splitter = FrameSplitter()
    seen: list[tuple[int, bytes]] = []
    for index in range(len(STREAM)):
        seen.extend((index, frame) for frame in splitter.feed(STREAM[index : index + 1]))
    assert [frame for _, frame in seen] == [ZONE_ADDED, b'{"Heartbeat":{}} ', TEMPERATURE]
    assert seen[0][0] == len(ZONE_ADDED)
    assert splitter.buffered == 0


def test_splitter_holds_partial_frame() -> None:
    """A frame without its NUL stays buffered until the NUL arrives."""
    splitter = FrameSplitter()
    assert splitter.feed(ZONE_ADDED[:10]) == []
    assert splitter.buffered == 10
    assert splitter.feed(ZONE_ADDED[10:]) == []
    assert splitter.feed(b"\x00" + TEMPERATURE[:5]) == [ZONE_ADDED]
    assert splitter.buffered == 5


@pytest.mark.parametrize("data", [b"\x00", b"\x00\x00\x00", b""])
def test_splitter_skips_empty_segments(data: bytes) -> None:
    """Consecutive NULs and empty chunks produce no frames."""
    splitter = FrameSplitter()
    assert splitter.feed(data) == []
    assert splitter.feed(b"a\x00\x00b\x00") == [b"a", b"b"]


def test_splitter_accepts_frame_of_exactly_max() -> None:
    """A frame of max_frame bytes is accepted, buffered or not."""
    splitter = FrameSplitter(max_frame=8)
    assert splitter.feed(b"12345678\x00") == [b"12345678"]
    assert splitter.feed(b"1234") == []
    assert splitter.feed(b"5678") == []
    assert splitter.feed(b"\x00") == [b"12345678"]


def test_splitter_overflow_without_terminator_in_small_chunks() -> None:
    """Buffered bytes never exceed the limit: the byte that would is refused."""
    splitter = FrameSplitter(max_frame=16)
    for _ in range(16):
        splitter.feed(b"x")
        assert splitter.buffered <= 16
    with pytest.raises(ProtocolError, match="16 bytes"):
        splitter.feed(b"x")
    assert splitter.buffered == 0


def test_splitter_overflow_in_one_big_chunk_is_not_buffered() -> None:
    """A huge chunk without a NUL is refused before it is copied into the buffer."""
    splitter = FrameSplitter()
    with pytest.raises(ProtocolError):
        splitter.feed(b"{" * (MAX_FRAME * 4))
    assert splitter.buffered == 0


def test_splitter_overflow_of_tail_after_frames() -> None:
    """A tail longer than the limit after complete frames raises too."""
    splitter = FrameSplitter(max_frame=4)
    with pytest.raises(ProtocolError):
        splitter.feed(b"ab\x00abcde")
    assert splitter.buffered == 0


def test_splitter_overflow_when_buffer_plus_first_segment_too_long() -> None:
    """The buffered part and the rest of the frame together exceed the limit."""
    splitter = FrameSplitter(max_frame=4)
    splitter.feed(b"abc")
    with pytest.raises(ProtocolError):
        splitter.feed(b"de\x00")
    assert splitter.buffered == 0


def test_splitter_complete_frame_over_limit_raises() -> None:
    """A terminated frame over the limit is refused as well, so chunking does not matter."""
    splitter = FrameSplitter(max_frame=4)
    with pytest.raises(ProtocolError):
        splitter.feed(b"ok\x00abcde\x00")


def test_splitter_usable_after_overflow_and_reset() -> None:
    """After an overflow the splitter starts afresh; reset() drops a partial frame."""
    splitter = FrameSplitter(max_frame=4)
    with pytest.raises(ProtocolError):
        splitter.feed(b"abcdef")
    assert splitter.feed(b"ab\x00") == [b"ab"]
    splitter.feed(b"cd")
    splitter.reset()
    assert splitter.buffered == 0
    assert splitter.feed(b"e\x00") == [b"e"]
    assert splitter.max_frame == 4


def test_splitter_rejects_nonpositive_limit() -> None:
    """A limit below one byte is a programming error."""
    with pytest.raises(ValueError, match="positive"):
        FrameSplitter(max_frame=0)


@FUZZ
@given(data=st.binary(max_size=400), cuts=st.lists(st.integers(0, 400), max_size=20))
def test_splitter_chunking_does_not_matter(data: bytes, cuts: list[int]) -> None:
    """Any chunking of a stream yields the same frames, or the same error."""
    bounds = sorted({0, len(data), *(cut for cut in cuts if cut <= len(data))})
    chunks = [data[a:b] for a, b in itertools.pairwise(bounds)]
    whole = FrameSplitter(max_frame=32)
    pieces = FrameSplitter(max_frame=32)
    try:
        expected: list[bytes] | None = whole.feed(data)
    except ProtocolError:
        expected = None
    frames: list[bytes] = []
    try:
        for chunk in chunks:
            frames.extend(pieces.feed(chunk))
            assert pieces.buffered <= 32
    except ProtocolError:
        assert expected is None
    else:
        assert frames == expected
        assert frames == [segment for segment in data.split(b"\x00")[:-1] if segment]
        assert all(0 < len(frame) <= 32 and b"\x00" not in frame for frame in frames)


@FUZZ
@given(chunks=st.lists(st.binary(max_size=300), max_size=30))
def test_random_bytes_never_break_the_pipeline(chunks: list[bytes]) -> None:
    """Splitter + decode + apply on random bytes raise nothing but ProtocolError on overflow."""
    splitter = FrameSplitter(max_frame=256)
    state = ThermostatState()
    pending = 0
    for chunk in chunks:
        parts = chunk.split(b"\x00")
        lengths = [pending + len(parts[0]), *(len(part) for part in parts[1:])]
        try:
            frames = splitter.feed(chunk)
        except ProtocolError:
            assert max(lengths) > 256
            assert splitter.buffered == 0
            pending = 0
            continue
        assert max(lengths) <= 256
        pending = lengths[-1]
        assert splitter.buffered == pending
        for frame in frames:
            message = decode(frame)
            assert message is None or isinstance(message, Event | Response | Request | Heartbeat)
            if isinstance(message, Event):
                state.apply(message)
            redact(frame)


# --- decode ----------------------------------------------------------------------------------


def test_decode_event() -> None:
    """An Event envelope becomes an Event with its fields."""
    assert decode(TEMPERATURE) == Event(
        "IndoorTemperatureUpdated", {"zone_id": "1", "indoor_temperature": "72.00"}
    )


def test_decode_response_request_heartbeat() -> None:
    """Responses, requests and heartbeats decode to their types."""
    assert decode(b'{"Response":{"LoginResponse":{"status":"1"}}}') == Response(
        "LoginResponse", {"status": "1"}
    )
    assert decode(b'{"Request":{"SetSecretKey":{"secret_key":"k"}}}') == Request(
        "SetSecretKey", {"secret_key": "k"}
    )
    assert decode(b'{"Heartbeat":{}}') is HEARTBEAT
    assert decode(b'{"Heartbeat":{"anything":1}}') == Heartbeat()


def test_decode_empty_fields() -> None:
    """A message with no fields is valid."""
    assert decode(b'{"Event":{"Ping":{}}}') == Event("Ping", {})


@pytest.mark.parametrize(
    "frame",
    [
        b'garbage\x01\xff{"Event":{"ZoneAdded":{"zone_id":"1"}}}',
        b'{"Event":{"ZoneAdded":{"zone_id":"1"}}} trailing junk \xfe',
        b'\r\n  {"Event":{"ZoneAdded":{"zone_id":"1"}}}  \t',
        b'[{"Event":{"ZoneAdded":{"zone_id":"1"}}}]',
        b'}{"Event":{"ZoneAdded":{"zone_id":"1"}}}',
    ],
)
def test_decode_tolerates_bytes_around_the_object(frame: bytes) -> None:
    """Text outside the first '{' and the last '}' is ignored."""
    assert decode(frame) == Event("ZoneAdded", {"zone_id": "1"})


@pytest.mark.parametrize(
    "frame",
    [
        b"",
        b" ",
        b"no braces at all",
        b"}{",
        b"{",
        b'{"Event":',
        b'{"Event":{"ZoneAdded":{"zone_id":"1"}}',
        b'{"Event":{"ZoneAdded":{"zone_id":"1"}}}}',
        b"{'Event': {}}",
        b'{"Event": 5}',
        b'{"Event": "x"}',
        b'{"Event": null}',
        b'{"Event": []}',
        b'{"Event": {"X": "y"}}',
        b'{"Event": {"X": 1}}',
        b'{"Event": {"X": ["a"]}}',
        b'{"Event": {"": {}}}',
        b'{"Event": {}}',
        b'{"Notification": {"ZoneAdded": {"zone_id": "1"}}}',
        b"{}",
        b'{"Heartbeat": []}',
        b'{"Heartbeat": 0}',
        b'{"Event": {"ZoneAdded": {"zone_id": "\xff"}}}',
        b'{"Event": {"ZoneAdded": {"zone_id": "\xed\xa0\x80"}}}',
        b'"{\\"Heartbeat\\":{}}"',
        b"[" * 2000 + b"{}" + b"]" * 2000,
        b'{"a":' * 2000 + b"{}" + b"}" * 2000,
        b'{"Event":{"ZoneAdded":{"zone_id":"1"}}}{"Heartbeat":{}}',
    ],
)
def test_decode_malformed_is_none(frame: bytes) -> None:
    """Anything that is not a well-formed envelope decodes to None, without raising."""
    assert decode(frame) is None


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (
            (
                b'{"Event":{"IndoorTemperatureUpdated":{"zone_id":"1","indoor_temperature":"70"},'
                b'"ZoneNameUpdated":{"zone_id":"1","zone_name":"Den"}}}'
            ),
            (
                Event("IndoorTemperatureUpdated", {"zone_id": "1", "indoor_temperature": "70"}),
                Event("ZoneNameUpdated", {"zone_id": "1", "zone_name": "Den"}),
            ),
        ),
        (
            b'{"Event":{"ZoneAdded":{"zone_id":"1"}},"Sequence":7,"Timestamp":"x"}',
            (Event("ZoneAdded", {"zone_id": "1"}),),
        ),
        (
            b'{"Event":{"IndoorTemperatureUpdated":{"zone_id":1,"indoor_temperature":64.5}}}',
            (Event("IndoorTemperatureUpdated", {"zone_id": "1", "indoor_temperature": "64.5"}),),
        ),
        (
            b'{"Event":{"X":{"a":true,"b":false,"c":null,"d":72.0,"e":-0.0,"f":1e2}}}',
            (Event("X", {"a": "1", "b": "0", "c": "", "d": "72", "e": "0", "f": "100"}),),
        ),
        (
            b'{"Event":{"ZoneAdded":{"zone_id":"1","extra":{"a":"b"},"list":["1"]}}}',
            (Event("ZoneAdded", {"zone_id": "1"}, ("extra", "list")),),
        ),
        (
            b'{"Event":{"ZoneAdded":{"zone_id":"1"}},"Heartbeat":{}}',
            (Event("ZoneAdded", {"zone_id": "1"}), HEARTBEAT),
        ),
        (
            b'{"Event":{"A":{},"":{},"B":5}}',
            (Event("A", {}),),
        ),
        (
            b'{"Response":{"LoginResponse":{"status":1}}}',
            (Response("LoginResponse", {"status": "1"}),),
        ),
        (b'{"Event":{"A":{}},"Event2":{"B":{}}}', (Event("A", {}),)),
    ],
)
def test_decode_is_as_lenient_as_the_reference_client(
    frame: bytes, expected: tuple[Message, ...]
) -> None:
    """Every event of an envelope, unknown keys ignored, scalars in the protocol's string form."""
    assert decode_all(frame) == expected
    assert decode(frame) == expected[0]


def test_decode_all_of_a_malformed_frame_is_empty() -> None:
    """No message at all is an empty tuple (decode: None)."""
    assert decode_all(b'{"Event": 5}') == ()
    assert decode_all(b"nothing") == ()


def test_decode_keeps_unicode() -> None:
    """Non-ASCII text survives decoding."""
    frame = '{"Event":{"ZoneNameUpdated":{"zone_id":"1","zone_name":"Séjour ☀"}}}'.encode()
    message = decode(frame)
    assert isinstance(message, Event)
    assert message.fields["zone_name"] == "Séjour ☀"


def test_messages_are_frozen() -> None:
    """Messages are immutable values."""
    message = Event("ZoneAdded", {"zone_id": "1"})
    with pytest.raises(AttributeError):
        message.name = "other"  # type: ignore[misc]


# --- encode and helpers ----------------------------------------------------------------------


def test_encode_compact_json_and_terminator() -> None:
    """Encoding is compact JSON followed by a space and a NUL."""
    assert encode(Event("ZoneAdded", {"zone_id": "1"})) == (
        b'{"Event":{"ZoneAdded":{"zone_id":"1"}}} \x00'
    )
    assert encode(heartbeat()) == b'{"Heartbeat":{}} \x00'


def test_encode_accepts_any_mapping() -> None:
    """Fields given as a read-only mapping are serialised like a dict."""
    from types import MappingProxyType  # noqa: PLC0415

    request = Request("UpdateFanMode", MappingProxyType({"fan_mode": "1"}))
    assert encode(request) == b'{"Request":{"UpdateFanMode":{"fan_mode":"1"}}} \x00'


def test_login_bytes() -> None:
    """Login carries the device id, type and key, as the thermostat expects them."""
    assert encode(login("abc")) == (
        b'{"Request":{"Login":{"device_id":"module","device_type":"automation",'
        b'"secret_key":"abc"}}} \x00'
    )
    assert login("", device_id="d", device_type="t").fields == {
        "device_id": "d",
        "device_type": "t",
        "secret_key": "",
    }


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (secret_key_updated("k"), Response("SecretKeyUpdated", {"secret_key": "k"})),
        (
            update_zone_mode("2", ZoneMode.HEAT),
            Request("UpdateZoneMode", {"zone_id": "2", "zone_mode": "3"}),
        ),
        (update_fan_mode(FanMode.CIRCULATE), Request("UpdateFanMode", {"fan_mode": "3"})),
        (update_emergency_heat(True), Request("UpdateEmergencyHeat", {"emergency_heat": "1"})),  # noqa: FBT003
        (update_emergency_heat(on=False), Request("UpdateEmergencyHeat", {"emergency_heat": "2"})),
        (
            update_setpoint("1", heat=68, cool=75.5, deadband=3, hold_type=HoldType.MANUAL),
            Request(
                "UpdateTemperatureSetpoint",
                {
                    "zone_id": "1",
                    "heat_setpoint": "68",
                    "cool_setpoint": "75.5",
                    "deadband": "3",
                    "hold_type": "1",
                },
            ),
        ),
        (
            update_setpoint("1", heat=68.0, cool=72.0),
            Request(
                "UpdateTemperatureSetpoint",
                {"zone_id": "1", "heat_setpoint": "68", "cool_setpoint": "72"},
            ),
        ),
    ],
)
def test_helpers_build_messages(message: Message, expected: Message) -> None:
    """Each helper builds the message the protocol defines, and it survives a round trip."""
    assert message == expected
    encoded = encode(message)
    assert encoded.endswith(b" \x00")
    assert decode(encoded[:-1]) == expected


def test_helpers_accept_wire_strings_and_keep_plain_values() -> None:
    """Raw wire strings are accepted; the fields hold plain strings."""
    message = update_zone_mode("1", "2")  # type: ignore[arg-type]
    assert message.fields["zone_mode"] == "2"
    assert type(message.fields["zone_mode"]) is str


@pytest.mark.parametrize(
    "build",
    [
        lambda: update_zone_mode("1", "9"),  # type: ignore[arg-type]
        lambda: update_fan_mode("0"),  # type: ignore[arg-type]
        lambda: update_setpoint("1", heat=68, cool=72, hold_type="7"),  # type: ignore[arg-type]
        lambda: update_setpoint("1", heat=float("nan"), cool=72),
        lambda: update_setpoint("1", heat=68, cool=float("inf")),
    ],
)
def test_helpers_reject_invalid_input(build: object) -> None:
    """Invalid enum values and non-finite numbers are InvalidCommandErrors (and ValueErrors)."""
    with pytest.raises(InvalidCommandError):
        build()  # type: ignore[operator]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (72, "72"),
        (72.0, "72"),
        (72.5, "72.5"),
        (72.25, "72.25"),
        (71.999, "72"),
        (0.0, "0"),
        (-0.0, "0"),
        (-0.001, "0"),
        (-5.5, "-5.5"),
        (100, "100"),
    ],
)
def test_format_number(value: float, text: str) -> None:
    """Numbers are written without needless decimals."""
    assert format_number(value) == text


@FUZZ
@given(
    name=st.text(min_size=1, max_size=20),
    fields=st.dictionaries(st.text(max_size=10), st.text(max_size=20), max_size=5),
    kind=st.sampled_from([Event, Response, Request]),
)
def test_encode_decode_round_trip(
    name: str, fields: dict[str, str], kind: type[Event | Response | Request]
) -> None:
    """Whatever is encoded decodes back to the same message, through the splitter."""
    message = kind(name, fields)
    frames = FrameSplitter().feed(encode(message))
    assert frames == [encode(message)[:-1]]
    assert decode(frames[0]) == message


# --- redact ----------------------------------------------------------------------------------

SECRET = "Zq9SecretValueZq9"  # noqa: S105


def test_redact_valid_login() -> None:
    """The key in a login frame is masked; the rest stays readable."""
    text = redact(encode(login(SECRET)))
    assert SECRET not in text
    assert f'"secret_key":"{REDACTED}"' in text
    assert '"device_id":"module"' in text
    assert text.endswith("} \\x00")


@pytest.mark.parametrize(
    "frame",
    [
        f'{{"Request":{{"Login":{{"secret_key":"{SECRET}',
        f'{{"Request":{{"Login":{{"secret_key" : "{SECRET}"}}}}',
        f'{{"Request":{{"Login":{{"secret_key":\n"{SECRET}"}}}}',
        f'{{"secret_key":"{SECRET}\\"{SECRET}"}}',
        '{"secret_key":"ab\\',
        f'{{"SECRET_KEY":"{SECRET}"}}',
        f'{{"secret_key":{SECRET}}}',
        f'\x00\xff garbage "secret_key":"{SECRET}" more "secret_key":"{SECRET}"',
        f'{{"Response":{{"SecretKeyUpdated":{{"secret_key":"{SECRET}"}}}}}}',
    ],
)
def test_redact_masks_every_secret(frame: str) -> None:
    """Keys are masked in truncated, escaped, oddly spaced and invalid frames alike."""
    for raw in (frame, frame.encode("utf-8", "surrogateescape")):
        text = redact(raw, limit=10_000)
        assert SECRET not in text
        assert "Zq9" not in text
        assert REDACTED in text


@FUZZ
@given(cut=st.integers(0, 200), prefix=st.binary(max_size=20))
def test_redact_any_truncation_hides_the_key(cut: int, prefix: bytes) -> None:
    """However a login frame is cut, no fragment of the key is shown."""
    frame = prefix.replace(b'"', b"") + encode(login(SECRET))[:cut]
    assert "Zq9" not in redact(frame, limit=10_000)


def test_redact_truncates() -> None:
    """Long frames are cut to the limit and marked."""
    text = redact(b"x" * 1000, limit=50)
    assert text == "x" * 50 + "…"
    assert redact(b"x" * 50, limit=50) == "x" * 50
    assert redact(b"x" * 10, limit=0) == "…"


def test_redact_long_frame_with_key_after_the_cut() -> None:
    """A key far into a long frame neither leaks nor costs a full decode."""
    frame = b'{"pad":"' + b"p" * MAX_FRAME + b'","secret_key":"' + SECRET.encode() + b'"}'
    text = redact(frame)
    assert len(text) == 201
    assert SECRET not in text


def test_redact_makes_bytes_visible() -> None:
    """Control characters and undecodable bytes are escaped, printable text kept."""
    text = redact(b"\x00\x01\t\n\xff\xfe" + "é☀".encode() + b"\x7f" + "\u2028".encode())
    assert text == "\\x00\\x01\\x09\\x0a\\xff\\xfeé☀\\x7f\\u2028"
    assert text.isprintable()


def test_redact_escapes_astral_non_printables() -> None:
    """Characters outside the BMP that are not printable get a long escape."""
    assert redact("\U000e0001") == "\\U000e0001"


@FUZZ
@given(data=st.binary(max_size=500), limit=st.integers(0, 300))
def test_redact_is_total_and_bounded(data: bytes, limit: int) -> None:
    """Redact never raises, returns printable text and respects the limit."""
    text = redact(data, limit=limit)
    assert text.isprintable()
    assert len(text) <= limit + 1


# --- decode fuzzing on JSON ------------------------------------------------------------------

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
JSON = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
WIRE_VALUES = st.sampled_from(
    ["", " ", "0", "1", "2", "3", "9", "-1", "72.00", "nan", "inf", "-inf", "1e400", "0,1,2,3", "x"]
) | st.text(max_size=12)


@FUZZ
@given(value=JSON)
def test_decode_random_json_never_raises(value: object) -> None:
    """Arbitrary JSON, alone or inside an envelope, decodes to a message or None."""
    state = ThermostatState()
    for candidate in (value, {"Event": value}, {"Event": {"ZoneAdded": value}}):
        message = decode(json.dumps(candidate).encode())
        assert message is None or isinstance(message, Event | Response | Request | Heartbeat)
        if isinstance(message, Event):
            state.apply(message)


@FUZZ
@given(
    kind=st.sampled_from(["Event", "Response", "Request", "Heartbeat", "Other"]),
    name=EVENT_NAMES,
    fields=st.dictionaries(FIELD_NAMES, WIRE_VALUES | JSON_SCALARS, max_size=6),
)
def test_decoded_events_always_apply(kind: str, name: str, fields: dict[str, object]) -> None:
    """Plausible envelopes with hostile values decode (scalars as text) and apply, never raise."""
    state = ThermostatState()
    capture = Capture()
    message = decode(json.dumps({kind: {name: fields}}).encode())
    if kind == "Heartbeat":
        assert message is HEARTBEAT
    elif kind == "Other":
        assert message is None
    else:
        assert message is not None
        assert not isinstance(message, Heartbeat)
        assert all(type(value) is str for value in message.fields.values())
        assert set(message.fields) == set(fields)
    if isinstance(message, Event):
        change = state.apply(message, capture)
        assert not (change.zones & (change.added | change.removed))
        for zone in state.zones.values():
            assert zone.mode is None or isinstance(zone.mode, ZoneMode)
            assert zone.hold_type is None or isinstance(zone.hold_type, HoldType)
            for value in (zone.heat_setpoint, zone.cool_setpoint, zone.indoor_temperature):
                assert value is None or (isinstance(value, float) and math.isfinite(value))
        assert state.fan_mode is None or isinstance(state.fan_mode, FanMode)


# --- the long fuzzer, in miniature -----------------------------------------------------------


def test_fuzzer_smoke() -> None:
    """The fuzzer behind scripts/fuzz_codec runs cleanly and exercises every outcome."""
    from . import fuzz_codec  # noqa: PLC0415

    report = fuzz_codec.run(400, seed=7)
    assert report.failures == []
    assert report.inputs == 400
    assert report.malformed > 0
    assert report.messages["Event"] > 0
    assert "inputs run     400 (seed 7)" in report.summary()


def test_fuzzer_reports_failures(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A crash in the path under test is counted, printed and fails the run."""
    from . import fuzz_codec  # noqa: PLC0415

    def broken(frame: bytes) -> None:
        raise RuntimeError(frame[:0].decode() + "boom")

    monkeypatch.setattr(fuzz_codec, "decode", broken)
    assert fuzz_codec.main(["--examples", "50", "--seed", "3"]) == 1
    out = capsys.readouterr().out
    assert "RuntimeError: boom" in out
    assert "failures       " in out
