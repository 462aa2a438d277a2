"""How long the system ran: banked while connected, today's count tied to a local calendar date.

A ``RunTimer`` knows nothing of Home Assistant: its owner tells it the time (aware UTC), the time
zone in force, and whether the system runs, whenever any of them may have changed; the timer banks
the time run since it was last told.

The midnight rule: "today" is the local calendar date in the time zone in force *now*. Whenever the
timer is told anything, it first compares that date with the date its count belongs to; when they
differ, today's count starts again from the part of the current run that lies in the new date
(from the first instant of that date). There is no 00:00:00 trigger, so a day whose midnight does
not exist (daylight saving starting at 00:00: it starts at 01:00) still starts a new count, at its
first instant; and after the time zone changes, the next new date is the new zone's. The owner
only has to wake the timer at the start of the next local date (``next_day_start``), and again
when the time zone changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo


def day_start(day: date, zone: tzinfo) -> datetime:
    """Return the first instant (UTC) of a local calendar date in `zone`.

    Where midnight does not exist (clocks jump from 00:00 to 01:00), 00:00 read with the offset
    in force before the jump is the instant of the jump, which is when the date begins.
    """
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


@dataclass(slots=True)
class RunTimer:
    """Seconds the system ran: in total, or (``daily``) on one local calendar date."""

    daily: bool
    seconds: float = 0.0
    # The local date today's count belongs to (daily timers); None until first told the time.
    day: date | None = None
    # Since when the system has been running while connected; None while it is not.
    since: datetime | None = None

    def restore(self, seconds: float, day: date | None, now: datetime, zone: tzinfo) -> None:
        """Start from a stored count; a daily count stored on another date is dropped."""
        today = now.astimezone(zone).date()
        if self.daily and day != today:
            seconds = 0.0
        self.seconds = max(0.0, seconds)
        self.day = today

    def update(self, now: datetime, zone: tzinfo, *, running: bool) -> None:
        """Bank what ran until `now` (rolling to a new date first), then run on or stop."""
        self.roll(now, zone)
        if self.since is not None:
            self.seconds += max(0.0, (now - self.since).total_seconds())
        self.since = now if running else None

    def roll(self, now: datetime, zone: tzinfo) -> bool:
        """Start a new count when the local date differs from the count's; return whether it did."""
        today = now.astimezone(zone).date()
        if self.day is None:
            self.day = today
            return False
        if not self.daily or today == self.day:
            return False
        self.day = today
        self.seconds = 0.0
        if self.since is not None:
            # The current run counts for the new date from its first instant on.
            self.since = min(max(self.since, day_start(today, zone)), now)
        return True

    def value(self, now: datetime) -> float:
        """Return the seconds counted, including the current run (call ``roll`` first)."""
        if self.since is None:
            return self.seconds
        return self.seconds + max(0.0, (now - self.since).total_seconds())

    def next_day_start(self, now: datetime, zone: tzinfo) -> datetime:
        """Return the first instant (UTC) of the local date after the one `now` falls on."""
        today = now.astimezone(zone).date()
        start = day_start(today + timedelta(days=1), zone)
        if start <= now:
            # A date that began late (a jump over midnight) may end at once; never look back.
            start = day_start(today + timedelta(days=2), zone)
        return start
