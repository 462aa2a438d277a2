"""What a hardware owner can send us: the last frames both ways, and what the client did not know.

A Capture lives as long as its supervisor and is shared by every link it holds. Frames are kept
raw (cut to ``FRAME_BYTES``) with their monotonic time, and rendered only when asked for, with every
secret key and anything that looks like an address masked by the supervisor's redactor
(``redact.py``): recording costs the hot path one ``deque.append``. Unknown event names, unknown
fields and values the state could not use are counted, each logged once at DEBUG the first time it
is seen; every table is bounded.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from typing import Final, Literal

from .codec import redact
from .redact import BASE, Redactor

_LOGGER = logging.getLogger(__name__)

FRAMES: Final = 200
FRAME_BYTES: Final = 2048
MAX_ENTRIES: Final = 100
VALUE_CHARS: Final = 40

type Direction = Literal["rx", "tx"]


class Capture:
    """The last frames of a supervisor's links and the protocol surprises seen on them."""

    def __init__(
        self,
        frames: int = FRAMES,
        clock: Callable[[], float] | None = None,
        redactor: Redactor = BASE,
    ) -> None:
        """Keep up to `frames` frames, stamped by `clock` (a monotonic clock in seconds)."""
        self._frames: deque[tuple[float, Direction, bytes]] = deque(maxlen=frames)
        self._clock = clock
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
        clock = self._clock
        self._frames.append((clock() if clock is not None else 0.0, direction, frame[:FRAME_BYTES]))

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
        return [
            {"t": round(stamp, 3), "dir": direction, "frame": self.render(data)}
            for stamp, direction, data in self._frames
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
