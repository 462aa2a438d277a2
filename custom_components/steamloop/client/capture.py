"""What a hardware owner can send us: the link's frames both ways, and what the client did not know.

A Capture lives as long as its supervisor and is shared by every link it holds. Frames are kept
raw (cut to ``FRAME_BYTES``) with their monotonic time, and rendered only when asked for, with every
secret key and anything that looks like an address masked by the supervisor's redactor
(``redact.py``): recording costs the hot path one
``deque.append`` (and, once the ring is full, one look at the frame that falls out of it). Unknown
event names, unknown fields and values the state could not use are counted, each logged once at
DEBUG the first time it is seen; every table is bounded.

What a capture holds, so that a capture taken at any moment replays to the same state:

- ``frames``: the recent ring, the last ``FRAMES`` frames both ways;
- ``session``: what the thermostat sent on the current link that has left the ring: its login
  reply and first burst as they were, then, for each kind of event (its name, zone and the fields
  it carries), the latest one that left the ring, in the order they last arrived. Applying
  ``session`` then the ring gives the state that applying every frame of the link gives.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable
from typing import Final, Literal

from .codec import Event, decode_all, redact
from .redact import BASE, Redactor

_LOGGER = logging.getLogger(__name__)

FRAMES: Final = 200
FRAME_BYTES: Final = 2048
MAX_ENTRIES: Final = 100
# The login reply and a burst of MAX_ZONES zones fit many times over; past this, frames are folded.
START_FRAMES: Final = 400
FOLDED_FRAMES: Final = 400
VALUE_CHARS: Final = 40

type Direction = Literal["rx", "tx"]
type _Record = tuple[int, float, Direction, bytes]


class Capture:
    """The last frames of a supervisor's links and the protocol surprises seen on them."""

    def __init__(
        self,
        frames: int = FRAMES,
        clock: Callable[[], float] | None = None,
        redactor: Redactor = BASE,
    ) -> None:
        """Keep up to `frames` frames, stamped by `clock` (a monotonic clock in seconds)."""
        self._frames: deque[_Record] = deque(maxlen=frames)
        self._clock = clock
        self._count = 0
        # The current link: the number of its login reply, and of its burst's last frame (None
        # while the burst runs); what of it left the ring is kept in _start and _folded.
        self._login: int | None = None
        self._burst_end: int | None = None
        self._start: list[_Record] = []
        self._folded: dict[tuple[object, ...], _Record] = {}
        self._redactor = redactor
        self.unknown_events: dict[str, int] = {}
        self.unknown_fields: dict[str, int] = {}
        self.unknown_values: dict[str, int] = {}
        self.missing_fields: dict[str, int] = {}
        self.refused_zones: dict[str, int] = {}
        self.dropped_fields = 0

    def bind_clock(self, clock: Callable[[], float]) -> None:
        """Stamp frames with `clock` from now on (the event loop's, once there is one)."""
        self._clock = clock

    @property
    def redactor(self) -> Redactor:
        """Return the redactor of every frame and text of these links (secrets included)."""
        return self._redactor

    def hide(self, secret: str) -> None:
        """Mask `secret` wherever it appears in a rendered frame."""
        self._redactor = self._redactor.with_secrets(secret)

    def frame(self, direction: Direction, frame: bytes) -> None:
        """Record one frame as it crossed the wire."""
        frames = self._frames
        if len(frames) == frames.maxlen and self._login is not None:
            self._leaving(frames[0])
        clock = self._clock
        self._count += 1
        frames.append(
            (self._count, clock() if clock is not None else 0.0, direction, frame[:FRAME_BYTES])
        )

    def session_started(self) -> None:
        """Mark the last frame recorded (an accepted login reply) as the start of a new link."""
        self._login = self._count
        self._burst_end = None
        self._start.clear()
        self._folded.clear()

    def burst_ended(self) -> None:
        """Mark the link's first burst as over: later frames are folded when they leave the ring."""
        if self._login is not None and self._burst_end is None:
            self._burst_end = self._count

    def _leaving(self, record: _Record) -> None:
        """Keep what the current link's thermostat sent when it falls out of the ring."""
        number, _, direction, data = record
        login = self._login
        if direction != "rx" or login is None or number < login:
            return
        if self._burst_end is None or number <= self._burst_end:
            if len(self._start) < START_FRAMES:
                self._start.append(record)
            return
        key = _fold_key(data)
        if key is None:
            return
        folded = self._folded
        folded.pop(key, None)
        if len(folded) >= FOLDED_FRAMES:
            del folded[next(iter(folded))]
        folded[key] = record

    def unknown_event(self, name: str) -> None:
        """Count an event name the client does not handle."""
        self._note(self.unknown_events, _short(name), "Unknown event %s")

    def unknown_field(self, event: str, field: str) -> None:
        """Count a field a known event carried that the client does not read."""
        self._note(self.unknown_fields, f"{event}.{_short(field)}", "Unknown field %s")

    def unknown_value(self, event: str, field: str, value: str) -> None:
        """Count a value the client could not use; the field is dropped, the rest applied."""
        self.dropped_fields += 1
        self._note(
            self.unknown_values, f"{event}.{field}={_short(value)}", "Unknown or invalid value %s"
        )

    def unknown_token(self, event: str, field: str, value: str) -> None:
        """Count a value the client skipped inside a field it otherwise used (a mode list)."""
        self._note(
            self.unknown_values, f"{event}.{field}={_short(value)}", "Unknown or invalid value %s"
        )

    def dropped(self, event: str, field: str) -> None:
        """Count a field the decoder could not read as text (an object or a list)."""
        self.dropped_fields += 1
        self._note(self.unknown_values, f"{event}.{_short(field)}=<not text>", "Unusable value %s")

    def missing(self, event: str, field: str) -> None:
        """Count an event ignored because a field it needs is absent."""
        self._note(self.missing_fields, f"{event}.{field}", "Event without a needed field: %s")

    def refused_zone(self, zone_id: str) -> None:
        """Count an event for a zone beyond the zone limit (or with an unusable id)."""
        self._note(
            self.refused_zones,
            _short(zone_id),
            "Ignoring events for zone %r: past the zone limit, or not a usable zone id",
        )

    def frames(self) -> list[dict[str, object]]:
        """Return the recorded frames, oldest first, keys and addresses masked."""
        return self._rendered(self._frames)

    def session(self) -> list[dict[str, object]]:
        """Return what the current link's thermostat sent that has left the ring (see above)."""
        return self._rendered([*self._start, *self._folded.values()])

    def _rendered(self, records: Iterable[_Record]) -> list[dict[str, object]]:
        return [
            {"t": round(stamp, 3), "dir": direction, "frame": self.render(data)}
            for _, stamp, direction, data in records
        ]

    def render(self, frame: bytes) -> str:
        """Return one frame as text with every secret key and address masked."""
        return redact(frame, limit=FRAME_BYTES, redactor=self._redactor)

    def as_dict(self) -> dict[str, object]:
        """Return everything recorded, ready for a diagnostics download."""
        return {
            "unknown_events": dict(self.unknown_events),
            "unknown_fields": dict(self.unknown_fields),
            "unknown_values": dict(self.unknown_values),
            "missing_fields": dict(self.missing_fields),
            "refused_zones": dict(self.refused_zones),
            "dropped_fields": self.dropped_fields,
            "session": self.session(),
            "frames": self.frames(),
        }

    def _note(self, table: dict[str, int], key: str, message: str) -> None:
        count = table.get(key)
        if count is not None:
            table[key] = count + 1
        elif len(table) < MAX_ENTRIES:
            table[key] = 1
            _LOGGER.debug("%s (recorded for diagnostics)", message % key)


def _short(text: str) -> str:
    """Return a bounded rendering of text the thermostat sent."""
    text = text if text.isprintable() else text.encode("unicode_escape").decode("ascii")
    return text if len(text) <= VALUE_CHARS else text[:VALUE_CHARS] + "…"


def _fold_key(data: bytes) -> tuple[object, ...] | None:
    """Return what a later frame of the same kind overrides: each event's name, zone and fields.

    Frames that change no state (replies, heartbeats, what does not parse) have no key.
    """
    key = tuple(
        (message.name, message.fields.get("zone_id"), frozenset(message.fields))
        for message in decode_all(data)
        if isinstance(message, Event)
    )
    return key or None
