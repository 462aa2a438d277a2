"""What the links a supervisor held looked like: counts, times and reasons, for the owner to show.

``LinkStats`` only reports. The session counts frames and heartbeats, the reconnect logic counts
connects, drops and failures and copies its silence policy's current bound here; nothing reads a
field back to decide anything (the policy that ``silence_bound`` reports is
``reconnect.SilenceBound``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(slots=True)
class LinkStats:
    """Counters and timestamps about the links a supervisor has held."""

    connected_since: datetime | None = None
    last_disconnect: datetime | None = None
    last_disconnect_reason: str | None = None
    connects: int = 0
    disconnects: int = 0
    failed_attempts: int = 0
    frames_received: int = 0
    frames_sent: int = 0
    malformed_frames: int = 0
    heartbeats_sent: int = 0
    # The silence bound in force (seconds), as the reconnect logic's policy last set it; None for
    # a session without a supervisor.
    silence_bound: float | None = None
    refreshes: int = 0
