"""The running-time integrator on a fake clock: banking, the local calendar date, restoring."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.steamloop.run_timer import RunTimer, day_start

CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


class FakeClock:
    """UTC time that moves only when told."""

    def __init__(self, local: str, zone: ZoneInfo) -> None:
        self.zone = zone
        self.now = datetime.fromisoformat(local).replace(tzinfo=zone).astimezone(UTC)

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


def _run(timer: RunTimer, clock: FakeClock, *, running: bool) -> None:
    timer.update(clock.now, clock.zone, running=running)


def _minutes(timer: RunTimer, clock: FakeClock) -> float:
    timer.roll(clock.now, clock.zone)
    return round(timer.value(clock.now) / 60, 6)


def test_banks_only_while_running() -> None:
    """Runs add up; the time between them does not."""
    clock = FakeClock("2026-12-01 12:00", CHICAGO)
    timer = RunTimer(daily=True)
    _run(timer, clock, running=True)
    clock.advance(30)
    assert _minutes(timer, clock) == 30
    _run(timer, clock, running=False)
    clock.advance(60)
    _run(timer, clock, running=True)
    clock.advance(15)
    _run(timer, clock, running=False)
    assert _minutes(timer, clock) == 45


@pytest.mark.parametrize(
    ("zone", "evening"),
    [
        ("Africa/Cairo", "2027-04-29 23:50"),
        ("America/Havana", "2027-03-13 23:50"),
        ("America/Santiago", "2027-09-04 23:50"),
        ("Atlantic/Azores", "2027-03-27 23:50"),
    ],
)
def test_a_day_whose_midnight_does_not_exist(zone: str, evening: str) -> None:
    """Clocks jump from 00:00 to 01:00: a run from 23:50 to 01:10 is 10 min of the new date."""
    clock = FakeClock(evening, ZoneInfo(zone))
    today, total = RunTimer(daily=True), RunTimer(daily=False)
    for timer in (today, total):
        _run(timer, clock, running=True)
    clock.advance(20)  # 23:50 -> 01:10, the hour from 00:00 to 01:00 never happens
    assert clock.now.astimezone(clock.zone).strftime("%H:%M") == "01:10"
    assert _minutes(today, clock) == 10
    assert _minutes(total, clock) == 20
    assert today.day == date.fromisoformat(evening[:10]) + timedelta(days=1)


def test_yesterday_never_stays_in_today() -> None:
    """A count made yesterday is gone as soon as anything looks, not at the next 00:00 trigger."""
    clock = FakeClock("2027-04-29 20:00", ZoneInfo("Africa/Cairo"))
    timer = RunTimer(daily=True)
    _run(timer, clock, running=True)
    clock.advance(60)
    _run(timer, clock, running=False)
    clock.advance(4 * 60)  # 01:00 on the 30th, the date's first instant
    assert _minutes(timer, clock) == 0


def test_after_a_time_zone_change_midnight_is_the_new_zones() -> None:
    """Counted in Berlin, then the zone becomes New York: 23:30 to 01:30 there is 1.5 h today."""
    clock = FakeClock("2026-12-04 12:00", BERLIN)
    timer = RunTimer(daily=True)
    _run(timer, clock, running=False)
    clock.zone = NEW_YORK  # 06:00 in New York, the same date
    clock.now = datetime(2026, 12, 4, 23, 30, tzinfo=NEW_YORK).astimezone(UTC)
    _run(timer, clock, running=True)
    clock.advance(120)
    assert _minutes(timer, clock) == 90


def test_a_zone_change_onto_another_date_starts_today_afresh() -> None:
    """The date the count belongs to is no longer today in the new zone: today starts again."""
    clock = FakeClock("2026-12-05 01:00", BERLIN)
    timer = RunTimer(daily=True)
    _run(timer, clock, running=True)
    clock.advance(30)
    _run(timer, clock, running=False)
    clock.zone = NEW_YORK  # 19:30 on the 4th there
    assert _minutes(timer, clock) == 0
    _run(timer, clock, running=True)
    clock.advance(30)
    assert _minutes(timer, clock) == 30


def test_restore_keeps_only_todays_count() -> None:
    """A daily count restored on its own date is kept; one from another date is not."""
    clock = FakeClock("2026-12-01 08:00", CHICAGO)
    kept, dropped, total = RunTimer(daily=True), RunTimer(daily=True), RunTimer(daily=False)
    kept.restore(600.0, date(2026, 12, 1), clock.now, clock.zone)
    dropped.restore(600.0, date(2026, 11, 30), clock.now, clock.zone)
    total.restore(600.0, None, clock.now, clock.zone)
    assert (_minutes(kept, clock), _minutes(dropped, clock), _minutes(total, clock)) == (10, 0, 10)


def test_the_next_day_starts_at_its_first_instant() -> None:
    """The wake-up time is the next date's first instant, even where that is 01:00."""
    cairo = ZoneInfo("Africa/Cairo")
    clock = FakeClock("2027-04-29 12:00", cairo)
    start = RunTimer(daily=True).next_day_start(clock.now, cairo)
    assert start == day_start(date(2027, 4, 30), cairo)
    assert start.astimezone(cairo).strftime("%Y-%m-%d %H:%M") == "2027-04-30 01:00"
    # Asked at that very instant, the next one is a day later: never the past.
    assert RunTimer(daily=True).next_day_start(start, cairo) > start
