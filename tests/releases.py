"""The supported Home Assistant releases, read from envs/releases.txt (their one home)."""

from __future__ import annotations

from pathlib import Path

RELEASES_FILE = Path(__file__).resolve().parent.parent / "envs" / "releases.txt"


def supported_releases() -> dict[str, str]:
    """Return release -> the test plugin release it runs with, oldest first."""
    lines = RELEASES_FILE.read_text().splitlines()
    fields = [text.split() for line in lines if (text := line.split("#", 1)[0].strip())]
    if not all(len(f) == 2 for f in fields):
        msg = f"{RELEASES_FILE.name}: each line must be '<release> <plugin release>'"
        raise ValueError(msg)
    return dict(fields)
