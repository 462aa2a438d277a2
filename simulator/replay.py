"""Replay a capture: the frames a thermostat sent, from a diagnostics download, as a thermostat.

A diagnostics download of the integration carries ``capture.frames``: the last frames of the link,
both ways, each ``{"t": seconds, "dir": "rx" | "tx", "frame": text}`` with keys and addresses
masked, and ``capture.session``: what the thermostat sent on that link that has left the ring (its
login reply and first burst, then the latest frame of each kind; see the client's capture.py),
which comes first. ``load_capture`` keeps what the thermostat sent (``rx``) from its last login
reply on, without the replies themselves (the simulator answers the login on its own), so a
client that logs in to a replaying simulator receives the same frames, in the same order, as the
captured session: its last burst and every frame after it. Frames are sent at once, not with the
captured gaps; a frame the capture shows as not valid JSON is sent as it stands, as the thermostat
sent it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .wire import TERMINATOR, decode

_REPLIES = frozenset({"Response", "Request"})


class CaptureError(ValueError):
    """The file is not a capture (or a diagnostics download that holds one)."""


def capture_frames(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Return the frame records of a diagnostics download, its ``data``, or a bare capture."""
    for candidate in (
        document.get("data", {}).get("capture") if isinstance(document.get("data"), dict) else None,
        document.get("capture"),
        document,
    ):
        if isinstance(candidate, Mapping) and isinstance(candidate.get("frames"), list):
            # What left the ring of the current link comes first (older captures have none).
            session = candidate.get("session")
            frames = [*(session if isinstance(session, list) else []), *candidate["frames"]]
            if all(isinstance(f, Mapping) and isinstance(f.get("frame"), str) for f in frames):
                return frames
    msg = "no capture.frames in this file (is it a steamloop diagnostics download?)"
    raise CaptureError(msg)


def replay_frames(document: Mapping[str, Any]) -> list[bytes]:
    """Return the thermostat's frames to replay, NUL-terminated, oldest first."""
    received = [f["frame"] for f in capture_frames(document) if f.get("dir") == "rx"]
    last_login = None
    for index, text in enumerate(received):
        if _is_login_reply(text):
            last_login = index
    if last_login is not None:
        received = received[last_login + 1 :]
    return [text.encode() + TERMINATOR for text in received if not _is_reply(text)]


def load_capture(path: Path) -> list[bytes]:
    """Read a capture file; see ``replay_frames``."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        msg = f"cannot read {path}: {err}"
        raise CaptureError(msg) from err
    if not isinstance(document, dict):
        msg = f"{path} does not hold a JSON object"
        raise CaptureError(msg)
    return replay_frames(document)


def _is_reply(text: str) -> bool:
    message = decode(text.encode())
    return message is not None and bool(message) and set(message) <= _REPLIES


def _is_login_reply(text: str) -> bool:
    message = decode(text.encode())
    if message is None:
        return False
    response = message.get("Response")
    return isinstance(response, dict) and "LoginResponse" in response
