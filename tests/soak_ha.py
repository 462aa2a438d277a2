"""The Home Assistant-level soak: the whole stack, a simulated week of faults, calendars and users.

Home Assistant's test harness and two simulated thermostats (two config entries, each its own
zones, names, key and MAC) run on the virtual clock (tests/virtual_time.py); a seeded random
schedule drives, one after the other, each on one thermostat chosen at random:

- every fault the simulator offers: refuse (for seconds to minutes), reset, silence (shorter and
  longer than the silence bound), flapping, malformed frames, and bursts that pause anywhere (see
  "Paused bursts" below);
- the thermostat's zones added, renamed and removed; someone at the thermostat changing setpoints,
  modes, the fan, emergency heat; the plant reporting temperatures, humidity, heating and cooling;
- user actions through Home Assistant's services, and a script that chains two of them;
- Home Assistant restarts (restore states dumped, both entries unloaded, down a while, set up with
  what they stored), reloads of one entry;
- diagnostics downloads at random moments, each replayed (below);
- the calendar (``Calendar``): daylight-saving transitions of several time zones, one of them at
  midnight, picked from the seed among every transition of 2027 in ``ZONES``, each lived in its own
  zone, with Home Assistant's time zone changed at random moments between them (and once more at a
  random moment when the week holds one transition only).

Paused bursts: a thermostat's burst has no end marker, so a burst that pauses looks, for as long as
it pauses, exactly like a thermostat whose missing zones were removed. The documented rule
(client/hub.py): a zone is removed only after a complete re-sync plus ``ZONE_REMOVAL_AFTER``
(10 s) live without news of it. The soak plays the burst itself (the simulator answers the login
with an empty replay and the soak sends the plant's burst frames) with one to three pauses, each
before any of its frames (right after the login reply, inside a zone, between zones, around the
system fields), of any length as long as together they stay under ``ZONE_REMOVAL_AFTER``; time
moves through them in half-second steps, so the client's burst and removal timers fire when due.
A zone whose news comes later than that is indistinguishable from a removed one, and the
integration is right to remove it (it comes back with the thermostat's next news of it).

Invariants, each a named check; a violation prints its name, the thermostat, what broke, the
simulated time and the seed that reproduces it:

- ``truth``: while available and quiet, every entity of each entry shows its own simulator's plant
  (never the other thermostat's: the two plants differ in zones, names and values);
- ``availability``: unavailable within 5 s of a refused + reset link and while it stays down,
  available again within 15 s of the thermostat answering; a silent thermostat is noticed within the
  silence bound + 20 s (client/reconnect.py); the other thermostat stays available meanwhile;
- ``action``: every action ends with exactly what was asked on the thermostat, nothing else changed
  (on either thermostat);
- ``runtime``: running time today/total equals the soak's own record of the plant heating/cooling
  while connected, within a minute, on every local date (the soak finds each date's first instant
  itself, by search, not with run_timer.py's rule); when a time-zone change moves the local date,
  today's count may start with any part of the current run that lies in the new date (the
  midnight rule of run_timer.py), and the soak's record follows what is shown within that bound;
- ``zones``: no zone removed while the thermostat has it; no entity id changes;
- ``resources``: no task, timer, file descriptor, open session or running supervisor more at the
  end than at the first quiet hour; and ``memory``: what the integration keeps (``kept``: objects
  of its own types and the items of the containers they and its modules hold, the capture's ring
  bounded by its maxlen left out, counted after the first hour and at every day boundary, once the
  links have settled) never exceeds the first count by more than ``KEPT_SLACK`` plus
  ``ZONE_ITEMS`` per zone more than then. Resident memory is reported, not judged: it is the whole
  test process's (Home Assistant's registries and the simulators' records included);
- ``secrets``: no key, MAC or address of either thermostat in any log line (each checked as it is
  logged, then dropped: pytest's log capture keeps nothing during the soak), error or diagnostics
  download;
- ``logs``: every INFO or louder line of the integration names exactly one thermostat, and the
  outage of one is logged under its own name;
- ``capture``: a diagnostics download taken at a random moment while available, served by the
  simulator's replay (simulator/replay.py, as ``scripts/simulator --replay`` serves it) to a fresh
  entry, shows the same entity states as the live entry at the moment of the download. Not part of
  a capture, so left out: the link's own diagnostics entities, running time (counted by Home
  Assistant, not reported), and a zone's action while its temperature is within the hysteresis
  band (client/demand.py: there it keeps what it showed before, which is history).
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import logging
import math
import os
import random
import sys
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT, STATE_UNAVAILABLE
from homeassistant.const import __version__ as ha_version
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import restore_state as rs
from homeassistant.helpers.json import JSONEncoder
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.steamloop.client import LinkState, Session, Supervisor
from custom_components.steamloop.client.demand import zone_action
from custom_components.steamloop.client.hub import ZONE_REMOVAL_AFTER
from custom_components.steamloop.compat import device_by_identifier
from custom_components.steamloop.const import CONF_FINGERPRINT, CONF_SECRET_KEY, DOMAIN
from custom_components.steamloop.diagnostics import async_get_config_entry_diagnostics
from simulator import Malformed, Simulator, replay_frames
from simulator.wire import event

from .virtual_time import Clock

HOST = "127.0.0.1"
OURS = "custom_components.steamloop"

# The calendar's candidates: zones with daylight saving at midnight (Havana, Santiago, Beirut,
# Cairo, the Azores) and elsewhere in the night, half an hour (Lord Howe) or across the date line.
ZONES = (
    "America/Havana",
    "America/Santiago",
    "Asia/Beirut",
    "Africa/Cairo",
    "Atlantic/Azores",
    "America/Chicago",
    "America/New_York",
    "Europe/Berlin",
    "Europe/London",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
)
YEAR = 2027
# Transitions lived in turn are this far apart at least, and a change of zone this far from each.
TRANSITION_GAP = timedelta(hours=2)
CHANGE_MARGIN = timedelta(minutes=30)

IDLE_STEP = 60.0
FINE_STEP = 0.5
MEAN_GAP = 25 * 60.0
DOWN_WITHIN = 5.0
BACK_WITHIN = 15.0
SILENCE_NOTICED = 1800.0 + 20.0 + IDLE_STEP
RUNTIME_TOLERANCE = 60.0
ZONE_SETTLE = 15.0
# How long a link has been READY before its one-shot timers (burst, quiet check) have run out.
LINK_SETTLED = 60.0
# Paused bursts: up to three pauses, together just under the removal bound.
PAUSES_MAX = 3
PAUSES_UNDER = ZONE_REMOVAL_AFTER - 0.25
# What the integration keeps (``kept``: about 6,500 for two thermostats, most of it its modules'
# tables) may be this much more than after the first hour, plus ZONE_ITEMS for each zone more than
# then (a zone's state, device and entities are about 97). It holds steady within a few items over
# a week, so one object or item more per link, event or action (hundreds of each) is past the
# bound; the capture's ring is a deque with a maxlen, bounded by construction, and not counted.
KEPT_SLACK = 100
ZONE_ITEMS = 100
REPLAY_WITHIN = 15.0

MODES = {"0": "off", "2": "cool", "3": "heat"}
FANS = {"1": "auto", "2": "on", "3": "circulate"}
HOLDS = {"2": "schedule", "1": "permanent", "3": "until_next_period"}
ACTIVITY = {"0": "off", "1": "idle", "2": "running"}
# Entities about the link itself describe this session, and running time is counted by Home
# Assistant: neither is in a capture (tests/simulator/test_replay.py leaves them out too).
NOT_CAPTURED = (
    "connected_since",
    "disconnects",
    "last_disconnect_reason",
    "_runtime_today",
    "_runtime_total",
)


@dataclass
class Home:
    """One thermostat: its simulator, its entry and the soak's record of it."""

    title: str
    sim: Simulator
    entry: MockConfigEntry
    mac: str
    key: str
    names: tuple[str, ...]
    ran_total: dict[str, float] = field(default_factory=lambda: {"heating": 0.0, "cooling": 0.0})
    ran_today: dict[str, float] = field(default_factory=lambda: {"heating": 0.0, "cooling": 0.0})
    ran_day: date | None = None
    # How long each kind has run without a break, connected (what a date change may count).
    running: dict[str, float] = field(default_factory=lambda: {"heating": 0.0, "cooling": 0.0})

    def coordinator(self) -> Any:
        """Return the entry's coordinator."""
        return self.entry.runtime_data

    def loaded(self) -> bool:
        """Return whether the entry is set up."""
        return self.entry.state is ConfigEntryState.LOADED

    def available(self) -> bool:
        """Return whether the entry is set up and its link available."""
        return self.loaded() and bool(self.coordinator().available)

    def zone_key(self, zone_id: str) -> str:
        """Return a zone's device key."""
        return f"{self.mac}_zone_{zone_id}"


@dataclass(frozen=True)
class Transition:
    """A daylight-saving transition: its instant, its zone, and whether it is at midnight."""

    at: datetime
    zone: str
    midnight: bool

    def __str__(self) -> str:
        tag = ", at midnight" if self.midnight else ""
        return f"{self.zone} {self.at:%Y-%m-%d %H:%M} UTC{tag}"


@dataclass
class Calendar:
    """The seed's calendar: where the run starts, the transitions lived, the time-zone changes."""

    start: datetime
    first_zone: str
    transitions: list[Transition]
    changes: list[tuple[datetime, str]]

    @classmethod
    def pick(cls, rng: random.Random, days: float) -> Calendar:
        """Pick the calendar of a run of `days` days around a transition at midnight."""
        every = sorted((t for zone in ZONES for t in _transitions(zone, YEAR)), key=lambda t: t.at)
        anchor = rng.choice([t for t in every if t.midnight])
        span = timedelta(days=days)
        start = anchor.at - span * rng.uniform(0.15, 0.6)
        window = [
            t
            for t in every
            if start + TRANSITION_GAP <= t.at <= start + span - TRANSITION_GAP and t != anchor
        ]
        lived = [anchor]
        for candidate in rng.sample(window, len(window)):
            if len(lived) >= 4:
                break
            if candidate.zone not in {t.zone for t in lived} and all(
                abs(candidate.at - t.at) >= TRANSITION_GAP for t in lived
            ):
                lived.append(candidate)
        lived.sort(key=lambda t: t.at)
        changes = [
            (_between(rng, before.at, after.at), after.zone)
            for before, after in itertools.pairwise(lived)
        ]
        if len(lived) == 1:
            # One transition only: the time zone still changes once, at a random moment after it.
            other = rng.choice([zone for zone in ZONES if zone != anchor.zone])
            changes.append((_between(rng, anchor.at, start + span), other))
        # The run starts on a whole second (the clock is moved from there in steps).
        return cls(start.replace(microsecond=0), lived[0].zone, lived, changes)

    def lines(self) -> list[str]:
        """Return the calendar as printable lines."""
        changes = ", ".join(f"{at:%Y-%m-%d %H:%M} UTC to {zone}" for at, zone in self.changes)
        lived = "; ".join(str(t) for t in self.transitions)
        start = f"{self.start:%Y-%m-%d %H:%M} UTC in {self.first_zone}"
        return [f"calendar: from {start}; transitions lived: {lived}; time-zone changes: {changes}"]


def _between(rng: random.Random, after: datetime, before: datetime) -> datetime:
    """Return a random moment between two instants, CHANGE_MARGIN from each where there is room."""
    low, high = after + CHANGE_MARGIN, before - CHANGE_MARGIN
    if high <= low:
        low, high = after, before
    return low + (high - low) * rng.random()


def _transitions(zone: str, year: int) -> list[Transition]:
    """Return every change of UTC offset of `zone` in `year`, found to the second."""
    tz = ZoneInfo(zone)
    found: list[Transition] = []
    day = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    while day < end:
        after = day + timedelta(days=1)
        if day.astimezone(tz).utcoffset() != after.astimezone(tz).utcoffset():
            low, high = int(day.timestamp()), int(after.timestamp())
            old = day.astimezone(tz).utcoffset()
            while high - low > 1:
                middle = (low + high) // 2
                if datetime.fromtimestamp(middle, UTC).astimezone(tz).utcoffset() == old:
                    low = middle
                else:
                    high = middle
            at = datetime.fromtimestamp(high, UTC)
            found.append(Transition(at, zone, _at_midnight(at, tz)))
        day = after
    return found


def _at_midnight(at: datetime, tz: tzinfo) -> bool:
    """Return whether the wall-clock times a transition skips or repeats hold a 00:00."""
    before = (at - timedelta(seconds=1)).astimezone(tz).replace(tzinfo=None) + timedelta(seconds=1)
    after = at.astimezone(tz).replace(tzinfo=None)
    low, high = min(before, after), max(before, after)
    midnight = datetime.combine(low.date(), datetime.min.time())
    if midnight < low:
        midnight += timedelta(days=1)
    return midnight < high


def first_instant(day: date, zone: tzinfo, now: datetime) -> datetime:
    """Return the first instant whose local date in `zone` is `day` (`now` is on that date).

    Found by search, so the soak's expectation does not share run_timer.py's rule.
    """
    low, high = int(now.timestamp()) - 2 * 86400, int(now.timestamp())
    while datetime.fromtimestamp(low, UTC).astimezone(zone).date() >= day:
        low -= 86400
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(zone).date() >= day:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


@dataclass
class Report:
    """What a soak did and found."""

    seed: int
    days: float = 0.0
    faults: Counter[str] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)
    actions: int = 0
    restarts: int = 0
    reloads: int = 0
    checks: Counter[str] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)
    resources: dict[str, tuple[int, int]] = field(default_factory=dict)
    kept: list[tuple[float, int, int]] = field(default_factory=list)
    calendar: list[str] = field(default_factory=list)
    wall: float = 0.0

    def lines(self) -> list[str]:
        """Return the report as printable lines."""
        faults = ", ".join(f"{name} {count}" for name, count in sorted(self.faults.items()))
        events = ", ".join(f"{name} {count}" for name, count in sorted(self.events.items()))
        checks = ", ".join(f"{name} {count}" for name, count in sorted(self.checks.items()))
        growth = ", ".join(f"{k} {a}->{b}" for k, (a, b) in self.resources.items())
        kept = ", ".join(f"day {day:.2f}: {n} ({zones} zones)" for day, n, zones in self.kept)
        return [
            (
                f"seed {self.seed}: {self.days:.2f} simulated days in {self.wall:.1f} s wall time"
                f" (Home Assistant {ha_version})"
            ),
            *self.calendar,
            f"faults: {sum(self.faults.values())} ({faults})",
            f"events: {events}",
            (
                f"actions: {self.actions} (scripts included); restarts {self.restarts}; "
                f"reloads {self.reloads}"
            ),
            f"checks: {checks}",
            f"resources (first quiet moment -> end): {growth}",
            f"kept by the integration (objects + items): {kept}",
            f"violations: {len(self.violations)}",
            *self.violations,
        ]


class _Lines(logging.Handler):
    """Checks every log line of Home Assistant and the integration as it is logged, keeps none."""

    def __init__(self, soak: Soak) -> None:
        super().__init__(logging.DEBUG)
        self.soak = soak
        self.lines = 0
        # The integration's INFO-or-louder lines of the current fault, for the ``logs`` check.
        self.told: deque[str] = deque(maxlen=20)

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("simulator"):
            return
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += f" {record.exc_info[1]!r}"
        self.lines += 1
        self.soak.check_secrets(text, "a log line", count=False)
        if record.name.startswith(OURS) and record.levelno >= logging.INFO:
            self.told.append(text)
            self.soak.check_named(text)


def _drop(record: logging.LogRecord) -> bool:
    """Keep no record (pytest's capture handlers would keep every one, a week's worth)."""
    del record
    return False


class Soak:
    """One seeded run; ``await run(days)`` returns its Report."""

    def __init__(self, hass: HomeAssistant, clock: Clock, homes: list[Home], seed: int) -> None:
        """Drive the homes' entries (not set up yet) against their simulators."""
        self.hass = hass
        self.clock = clock
        self.homes = homes
        self.rng = random.Random(seed)  # noqa: S311 - a reproducible schedule, not crypto
        self.report = Report(seed)
        self.registry = er.async_get(hass)
        self.devices = dr.async_get(hass)
        self._entity_ids: dict[str, str] = {}
        self._logs = _Lines(self)
        self._changes: list[tuple[datetime, str]] = []
        self._baseline: dict[str, int] | None = None
        self._trail: list[str] = []
        self._secrets = (
            *(secret for home in homes for secret in (home.key, home.mac, home.mac.upper())),
            HOST,
        )
        self._replays = 0

    # --- the run -------------------------------------------------------------------------------

    async def run(self, days: float) -> Report:
        """Run `days` simulated days; return the report."""
        # Real time: freezegun moves time.monotonic with the virtual clock.
        began = os.times().elapsed
        calendar = Calendar.pick(self.rng, days)
        self.report.calendar = calendar.lines()
        self._changes = list(calendar.changes)
        root = logging.getLogger()
        silenced = [h for h in root.handlers if h is not self._logs]
        for handler in silenced:
            handler.addFilter(_drop)
        root.addHandler(self._logs)
        unsubscribe = self.hass.bus.async_listen(
            er.EVENT_ENTITY_REGISTRY_UPDATED, self._registry_updated
        )
        try:
            await self._setup(calendar)
            end = self.clock.elapsed + days * 86400
            # After the first hour, then at day boundaries (twice in a shorter run).
            every = 86400.0 if days >= 2 else days * 86400 / 2
            next_sample = 3600.0
            while self.clock.elapsed < end:
                gap = min(self.rng.expovariate(1 / MEAN_GAP), end - self.clock.elapsed)
                await self._idle(gap)
                if self.clock.elapsed >= end:
                    break
                await self._event()
                if self.clock.elapsed >= next_sample:
                    await self._sample()
                    next_sample = every * (self.clock.elapsed // every + 1)
            await self._sample()
            self._check_resources()
        finally:
            unsubscribe()
            root.removeHandler(self._logs)
            for handler in silenced:
                handler.removeFilter(_drop)
            for home in self.homes:
                if home.loaded():
                    await self.hass.config_entries.async_unload(home.entry.entry_id)
            await self.hass.async_block_till_done()
        self.report.checks["secrets"] += self._logs.lines
        self.report.days = self.clock.elapsed / 86400
        self.report.wall = os.times().elapsed - began
        return self.report

    async def _setup(self, calendar: Calendar) -> None:
        await self.hass.config.async_set_time_zone(calendar.first_zone)
        self.clock.freezer.move_to(calendar.start)
        for home in self.homes:
            home.entry.add_to_hass(self.hass)
            setup = self.hass.async_create_task(
                self.hass.config_entries.async_setup(home.entry.entry_id)
            )
            await self._done(setup)
        await self._quiet()
        self._check_truth()

    async def _event(self) -> None:
        if self._changes and dt_util.utcnow() >= self._changes[0][0]:
            _, zone = self._changes.pop(0)
            self.report.events["time zone change"] += 1
            self._note(f"time zone {zone}")
            days = [home.ran_day for home in self.homes]
            await self.hass.config.async_update(time_zone=zone)
            await self._step(FINE_STEP)
            for home, day in zip(self.homes, days, strict=True):
                if home.ran_day != day:
                    self._new_date(home)
            self._check_runtime()
            return
        home = self.rng.choice(self.homes)
        kinds: list[tuple[Callable[[Home], Any], float]] = [
            (self._fault_refuse, 1),
            (self._fault_reset, 1.5),
            (self._fault_silence, 0.7),
            (self._fault_flap, 0.7),
            (self._fault_malformed, 1),
            (self._fault_paused_burst, 1.2),
            (self._zone_change, 1.2),
            (self._at_the_thermostat, 4),
            (self._plant_reports, 4),
            (self._user_action, 4),
            (self._restart, 0.3),
            (self._reload, 0.4),
            (self._diagnostics, 0.8),
        ]
        handlers, weights = zip(*kinds, strict=True)
        handler = self.rng.choices(handlers, weights)[0]
        self._note(f"{handler.__name__} {home.title}")
        self._logs.told.clear()
        await handler(home)
        self._check_truth()

    # --- time ----------------------------------------------------------------------------------

    async def _step(self, seconds: float) -> None:
        """Move time one step, recording what ran while connected, as Home Assistant should."""
        counting = [home.available() for home in self.homes]
        await self.clock.advance(seconds, step=seconds)
        after = dt_util.utcnow()
        zone = dt_util.get_default_time_zone()
        today = after.astimezone(zone).date()
        for home, connected in zip(self.homes, counting, strict=True):
            new_day = today != home.ran_day
            start = first_instant(today, zone, after) if new_day else None
            for kind, status in (
                ("heating", home.sim.plant.heating_active),
                ("cooling", home.sim.plant.cooling_active),
            ):
                ran = seconds if connected and status == "2" else 0.0
                home.ran_total[kind] += ran
                home.running[kind] = home.running[kind] + ran if ran else 0.0
                if start is not None:
                    home.ran_today[kind] = min(ran, max(0.0, (after - start).total_seconds()))
                else:
                    home.ran_today[kind] += ran
            home.ran_day = today

    async def _idle(self, seconds: float) -> None:
        while seconds > 1e-9:
            step = min(IDLE_STEP, seconds)
            await self._step(step)
            seconds -= step
            if self._changes and dt_util.utcnow() >= self._changes[0][0]:
                return

    async def _fine(self, seconds: float) -> None:
        while seconds > 1e-9:
            step = min(FINE_STEP, seconds)
            await self._step(step)
            seconds -= step

    async def _until(self, predicate: Callable[[], bool], limit: float) -> float | None:
        spent = 0.0
        await self.clock.settle()
        while not predicate():
            if spent >= limit:
                return None
            await self._step(FINE_STEP)
            spent += FINE_STEP
        return spent

    async def _done(self, task: asyncio.Future[Any]) -> None:
        """Let time pass (recorded, as every step is) until the task is done."""
        if await self._until(task.done, 60.0) is None:
            self._violation("availability", "a setup or reload took longer than 60 s")
        task.result()
        await self.hass.async_block_till_done()

    async def _quiet(self) -> None:
        """Wait until every link is READY and settled, zones given time to be proven gone."""
        for home in self.homes:
            if await self._until(home.available, 60.0) is None:
                self._violation(
                    "availability", f"{home.title} not available within 60 s of a quiet moment"
                )
                continue
        await self._fine(2.0)
        for home in self.homes:
            if not home.available():
                continue
            since = home.coordinator().supervisor.stats.connected_since
            if since is not None:
                young = ZONE_SETTLE - (dt_util.utcnow() - since).total_seconds()
                if young > 0:
                    await self._fine(young)

    # --- helpers -------------------------------------------------------------------------------

    def _violation(self, check: str, what: str) -> None:
        when = dt_util.utcnow().isoformat()
        self.report.violations.append(
            f"[{check}] {what} (at {when}, seed {self.report.seed}; after {self._trail[-3:]})"
        )

    def _note(self, what: str) -> None:
        self._trail.append(f"{dt_util.utcnow():%d %H:%M:%S} {what}")
        del self._trail[:-5]

    def _entity(self, domain: str, unique_id: str) -> str | None:
        return self.registry.async_get_entity_id(domain, DOMAIN, unique_id)

    def _system(self, home: Home, domain: str, key: str) -> str | None:
        return self._entity(domain, f"{home.mac}_{key}")

    def _state(self, entity_id: str | None) -> Any:
        return None if entity_id is None else self.hass.states.get(entity_id)

    # --- checks --------------------------------------------------------------------------------

    def _registry_updated(self, event: Any) -> None:
        data = event.data
        entity_id = data.get("entity_id")
        entry = self.registry.async_get(entity_id) if entity_id else None
        if data["action"] == "remove":
            for home in self.homes:
                prefix = f"{home.mac}_zone_"
                for unique_id, known in list(self._entity_ids.items()):
                    if known == entity_id and unique_id.startswith(prefix):
                        zone_id = unique_id[len(prefix) :].rsplit("_", 1)[0]
                        if zone_id in home.sim.plant.zones:
                            self._violation(
                                "zones",
                                f"{entity_id} removed while {home.title} has zone {zone_id}",
                            )
            return
        if entry is not None and entry.platform == DOMAIN:
            if not any(entry.config_entry_id == home.entry.entry_id for home in self.homes):
                return  # a replay's entry: its own entity ids, removed with it
            known = self._entity_ids.setdefault(entry.unique_id, entry.entity_id)
            if known != entry.entity_id:
                self._violation("zones", f"entity id changed: {known} -> {entry.entity_id}")

    def _check_truth(self) -> None:
        for home in self.homes:
            self._check_home(home)
        self._check_runtime()

    def _check_home(self, home: Home) -> None:
        """Every entity of the home shows its own plant (called while available and quiet)."""
        if not home.available():
            return
        self.report.checks["truth"] += 1
        plant = home.sim.plant
        wrong: list[str] = []

        def expect(entity_id: str | None, shown: object, want: object, what: str) -> None:
            if shown != want:
                wrong.append(f"{entity_id} {what}: shows {shown!r}, thermostat {want!r}")

        for zone_id, zone in plant.zones.items():
            key = home.zone_key(zone_id)
            climate = self._entity("climate", f"{key}_climate")
            state = self._state(climate)
            if state is None:
                wrong.append(f"zone {zone_id} has no climate entity")
                continue
            if zone.mode == "1":
                mode = "heat_cool" if zone.hold_type == "1" else "auto"
            else:
                mode = MODES[zone.mode]
            expect(climate, state.state, mode, "mode")
            attributes = state.attributes
            # The climate entity shows tenths (its precision): 74.75 reads 74.8.
            expect(
                climate,
                _tenths(attributes.get("current_temperature")),
                _tenths(float(zone.indoor_temperature)),
                "temperature",
            )
            if zone.mode == "3":
                expect(climate, attributes.get("temperature"), float(zone.heat_setpoint), "heat")
            elif zone.mode == "2":
                expect(climate, attributes.get("temperature"), float(zone.cool_setpoint), "cool")
            elif zone.mode == "1":
                expect(
                    climate,
                    (attributes.get("target_temp_low"), attributes.get("target_temp_high")),
                    (float(zone.heat_setpoint), float(zone.cool_setpoint)),
                    "range",
                )
            expect(climate, attributes.get("fan_mode"), FANS[plant.fan_mode], "fan")
            sensor = self._entity("sensor", f"{key}_temperature")
            shown = self._state(sensor)
            expect(
                sensor,
                None if shown is None else float(shown.state),
                float(zone.indoor_temperature),
                "temperature",
            )
            hold = self._state(self._entity("select", f"{key}_hold"))
            expect("hold", None if hold is None else hold.state, HOLDS[zone.hold_type], "hold")
            device = device_by_identifier(self.devices, (DOMAIN, key), home.entry.entry_id)
            expect(f"device {zone_id}", None if device is None else device.name, zone.name, "name")
        prefix = f"{home.mac}_zone_"
        shown_zones = {
            entity.unique_id[len(prefix) : -len("_climate")]
            for entity in er.async_entries_for_config_entry(self.registry, home.entry.entry_id)
            if entity.domain == "climate"
        }
        for extra in sorted(shown_zones - set(plant.zones)):
            wrong.append(f"zone {extra} still shown, the thermostat has none")
        for key, value in (
            ("indoor_humidity", float(plant.relative_humidity)),
            ("heating_status", ACTIVITY[plant.heating_active]),
            ("cooling_status", ACTIVITY[plant.cooling_active]),
        ):
            sensor = self._system(home, "sensor", key)
            state = self._state(sensor)
            shown_value: object = None if state is None else state.state
            if isinstance(value, float) and state is not None:
                shown_value = float(state.state)
            expect(sensor, shown_value, value, key)
        emergency = self._state(self._system(home, "switch", "emergency_heat"))
        if emergency is not None:
            expect(
                "emergency heat",
                emergency.state,
                "on" if plant.emergency_heat == "1" else "off",
                "",
            )
        if wrong:
            self._violation("truth", f"{home.title}: " + "; ".join(wrong))

    def _check_runtime(self) -> None:
        for home in self.homes:
            if not home.available():
                continue
            self.report.checks["runtime"] += 1
            for kind in ("heating", "cooling"):
                for period, want in (("today", home.ran_today), ("total", home.ran_total)):
                    shown = self._shown_runtime(home, kind, period)
                    if shown is None:
                        self._violation("runtime", f"{home.title}: {kind} {period} not shown")
                        continue
                    if abs(shown - want[kind]) > RUNTIME_TOLERANCE:
                        self._violation(
                            "runtime",
                            f"{home.title}: {kind} time {period}: shows {shown:.0f} s, ran"
                            f" {want[kind]:.0f} s while connected (local date {home.ran_day},"
                            f" {dt_util.get_default_time_zone()})",
                        )

    def _shown_runtime(self, home: Home, kind: str, period: str) -> float | None:
        """Return the running time the sensor counts now (its written state lags a minute)."""
        entity_id = self._system(home, "sensor", f"{kind}_runtime_{period}")
        state = self._state(entity_id)
        if state is None or state.state == STATE_UNAVAILABLE:
            return None
        return float(self.hass.data["sensor"].get_entity(entity_id).native_value) * 3600

    def _new_date(self, home: Home) -> None:
        """A time-zone change moved the local date: today's count starts again (run_timer.py)
        with any part of the current run that lies in the new date; the record follows it."""
        if not home.available():
            return
        now = dt_util.utcnow()
        zone = dt_util.get_default_time_zone()
        since = (now - first_instant(now.astimezone(zone).date(), zone, now)).total_seconds()
        for kind in ("heating", "cooling"):
            shown = self._shown_runtime(home, kind, "today")
            most = min(home.running[kind], since)
            if shown is None or not -RUNTIME_TOLERANCE <= shown <= most + RUNTIME_TOLERANCE:
                self._violation(
                    "runtime",
                    f"{home.title}: {kind} time today after a time-zone change: shows {shown} s,"
                    f" the current run in the new date is {most:.0f} s",
                )
            elif shown is not None:
                home.ran_today[kind] = max(0.0, min(shown, most))

    def _all_unavailable(self, home: Home) -> bool:
        entities = er.async_entries_for_config_entry(self.registry, home.entry.entry_id)
        return all(
            (state := self.hass.states.get(entity.entity_id)) is None
            or state.state == STATE_UNAVAILABLE
            or entity.entity_category is not None  # the link's own diagnostics stay available
            for entity in entities
            if not entity.disabled
        )

    def check_secrets(self, text: str, where: str, *, count: bool = True) -> None:
        """Record a violation when `text` holds a key, MAC or address of either thermostat."""
        if count:
            self.report.checks["secrets"] += 1
        for secret in self._secrets:
            if secret in text:
                shown = "a key" if any(secret == home.key for home in self.homes) else "an address"
                self._violation("secrets", f"{shown} in {where}: {text[:160]!r}")
                return

    def check_named(self, text: str) -> None:
        """Record a violation when an INFO-or-louder line does not name exactly one thermostat."""
        self.report.checks["logs"] += 1
        named = [home.title for home in self.homes if home.title in text]
        if len(named) != 1:
            self._violation("logs", f"a line naming {named or 'no thermostat'}: {text[:160]!r}")

    # --- resources and memory ------------------------------------------------------------------

    def _resources(self) -> dict[str, int]:
        gc.collect()
        loop = self.hass.loop
        objects = gc.get_objects()
        return {
            "tasks": len(asyncio.all_tasks(loop)),
            "timers": sum(not h.cancelled() for h in loop._scheduled),  # type: ignore[attr-defined]
            "fds": len(list(Path("/proc/self/fd").iterdir())),
            "open sessions": sum(isinstance(o, Session) and not o.closed for o in objects),
            "running supervisors": sum(
                isinstance(o, Supervisor) and o.link_state is not LinkState.STOPPED for o in objects
            ),
            "kept": kept(objects),
            "RSS KiB": _rss_kib(),
        }

    async def _settled(self) -> None:
        """Wait for a comparable moment: READY, and every one-shot timer of a new link run out.

        A quiet link is refreshed now and then (the silence bound), so the idle wait can end
        in a new link's burst, whose own timers are no growth: wait for that link to settle too.
        """
        for _ in range(5):
            await self._quiet()
            await self._idle(120.0)
            if all(
                home.available()
                and (since := home.coordinator().supervisor.stats.connected_since) is not None
                and (dt_util.utcnow() - since).total_seconds() >= LINK_SETTLED
                for home in self.homes
            ):
                return

    async def _sample(self) -> None:
        """Measure at a day boundary, once settled; the first sample is the baseline."""
        await self._settled()
        now = self._resources()
        zones = sum(len(home.sim.plant.zones) for home in self.homes)
        self.report.kept.append((self.clock.elapsed / 86400, now["kept"], zones))
        if self._baseline is None:
            self._baseline = now
        self._last = now

    def _check_resources(self) -> None:
        if self._baseline is None:
            return
        self.report.checks["resources"] += 1
        now = self._last
        self.report.resources = {k: (self._baseline[k], now[k]) for k in now if k != "kept"}
        grown = [
            f"{k} {self._baseline[k]} -> {now[k]}"
            for k in now
            if now[k] > self._baseline[k] and k not in ("RSS KiB", "kept")
        ]
        if grown:
            self._violation("resources", ", ".join(grown))
        self.report.checks["memory"] += 1
        _, first, zones = self.report.kept[0]
        for day, count, now_zones in self.report.kept[1:]:
            bound = first + KEPT_SLACK + ZONE_ITEMS * max(0, now_zones - zones)
            if count > bound:
                self._violation(
                    "memory",
                    f"the integration keeps {count} objects + items on day {day:.2f}, over"
                    f" {bound} ({first} at the baseline with {zones} zones, {now_zones} now)",
                )
                break

    # --- faults --------------------------------------------------------------------------------

    async def _fault_refuse(self, home: Home) -> None:
        self.report.faults["refuse"] += 1
        down = self.rng.choice((5.0, 30.0, 120.0, 600.0, 1500.0))
        others = [other for other in self.homes if other is not home]
        await home.sim.refuse()
        home.sim.reset_clients()
        if await self._until(lambda: self._all_unavailable(home), DOWN_WITHIN) is None:
            self._violation(
                "availability", f"{home.title} still available {DOWN_WITHIN:g} s into an outage"
            )
        self.report.checks["availability"] += 1
        spent = 0.0
        while spent < down:
            step = min(IDLE_STEP, down - spent)
            await self._step(step)
            spent += step
            if not self._all_unavailable(home):
                self._violation("availability", f"{home.title} available while it refuses")
                break
            if not all(other.available() for other in others):
                self._violation("availability", f"another thermostat down with {home.title}")
                break
        lost = [line for line in self._logs.told if "lost" in line]
        if len(lost) != 1 or home.title not in lost[0]:
            self._violation("logs", f"the outage of {home.title} logged as {lost}")
        self.report.checks["logs"] += 1
        await home.sim.accept()
        if await self._until(home.available, BACK_WITHIN) is None:
            self._violation(
                "availability", f"{home.title} not back within {BACK_WITHIN:g} s of answering"
            )
        await self._quiet()

    async def _fault_reset(self, home: Home) -> None:
        self.report.faults["reset"] += 1
        home.sim.reset_clients()
        if await self._until(home.available, BACK_WITHIN) is None:
            self._violation("availability", f"{home.title} not back within 15 s of a reset")
        self.report.checks["availability"] += 1
        await self._quiet()

    async def _fault_silence(self, home: Home) -> None:
        self.report.faults["silence"] += 1
        quiet = self.rng.choice((90.0, 600.0, 2400.0))
        home.sim.go_silent()
        spent, noticed = 0.0, None
        while spent < quiet:
            step = min(IDLE_STEP, quiet - spent)
            await self._step(step)
            spent += step
            if noticed is None and not home.available():
                noticed = spent
        home.sim.wake()
        if quiet > SILENCE_NOTICED and noticed is None:
            self._violation("availability", f"{home.title} silent {quiet:g} s and never noticed")
        self.report.checks["availability"] += 1
        # Whatever the link did meanwhile, a refresh brings the truth back within the bound.
        if await self._until(home.available, BACK_WITHIN) is None:
            self._violation("availability", f"{home.title} not back within 15 s of its silence")
        await self._quiet()

    async def _fault_flap(self, home: Home) -> None:
        self.report.faults["flapping"] += 1
        home.sim.flap(self.rng.randint(2, 5), how=self.rng.choice(("close", "reset")))
        home.sim.reset_clients()
        await self._fine(30.0)
        await self._until(home.available, 120.0)
        await self._quiet()

    async def _fault_malformed(self, home: Home) -> None:
        self.report.faults["malformed"] += 1
        kind = self.rng.choice(list(Malformed))
        home.sim.send_malformed(kind, bytewise=self.rng.random() < 0.2)
        if kind is Malformed.NUMBER_VALUES:
            # Lenient by design: the thermostat said 70.5 for its first zone, in numbers.
            plant = home.sim.plant
            plant.zones[next(iter(plant.zones))].indoor_temperature = "70.50"
        await self._fine(2.0)
        await self._quiet()

    async def _fault_paused_burst(self, home: Home) -> None:
        """A burst with up to three pauses anywhere, together under ZONE_REMOVAL_AFTER.

        The simulator answers the login with an empty replay; the soak plays the plant's burst.
        """
        self.report.faults["paused burst"] += 1
        sim = home.sim
        zones = len(sim.plant.zones)
        after = self.rng.randint(0, zones)
        frames = [event(name, body) for name, body in sim.plant.burst(after)]
        count = self.rng.randint(1, PAUSES_MAX)
        if self.rng.random() < 0.5 and zones > 1:
            # The hard case: the system fields and some zones, a pause, then the other zones.
            after = self.rng.randint(1, zones - 1)
            frames = [event(name, body) for name, body in sim.plant.burst(after)]
            first = self.rng.randint(5 * after + 6, len(frames) - 1)
            at = sorted({first, *self.rng.sample(range(len(frames)), count - 1)})
        else:
            at = sorted(self.rng.sample(range(len(frames)), count))
        total = self.rng.uniform(0.5, PAUSES_UNDER)
        cuts = sorted(self.rng.uniform(0, total) for _ in range(len(at) - 1))
        pauses = [b - a for a, b in zip([0.0, *cuts], [*cuts, total], strict=True)]
        self.report.events["burst pauses"] += len(at)
        logins = len(sim.logins)
        sim.replay = []
        try:
            sim.reset_clients()
            if await self._until(lambda: len(sim.logins) > logins, BACK_WITHIN) is None:
                self._violation("availability", f"{home.title} no login within 15 s of a reset")
                return
            sent = 0
            for index, pause in zip(at, pauses, strict=True):
                for frame in frames[sent:index]:
                    sim.send_raw(frame)
                sent = index
                # In fine steps: the client's burst and removal timers fire when they are due.
                await self._fine(pause)
            for frame in frames[sent:]:
                sim.send_raw(frame)
        finally:
            sim.replay = None
        await self._fine(ZONE_REMOVAL_AFTER + 2.0)
        await self._quiet()

    # --- the thermostat ------------------------------------------------------------------------

    async def _zone_change(self, home: Home) -> None:
        sim = home.sim
        plant = sim.plant
        choice = self.rng.random()
        if choice < 0.4 and len(plant.zones) < 4:
            self.report.events["zone added"] += 1
            sim.add_zone(name=self.rng.choice(home.names))
        elif choice < 0.7 or len(plant.zones) <= 1:
            self.report.events["zone renamed"] += 1
            zone_id = self.rng.choice(list(plant.zones))
            sim.set_zone_name(zone_id, self.rng.choice(home.names))
        else:
            self.report.events["zone removed"] += 1
            zone_id = self.rng.choice(list(plant.zones)[1:])
            sim.remove_zone(zone_id, drop="reset")
        await self._fine(2.0)
        await self._quiet()

    async def _at_the_thermostat(self, home: Home) -> None:
        """Someone at the thermostat changes something."""
        self.report.events["at the thermostat"] += 1
        sim = home.sim
        plant = sim.plant
        zone_id = self.rng.choice(list(plant.zones))
        what = self.rng.randrange(5)
        if what == 0:
            heat = self.rng.randint(60, 72)
            sim.set_setpoints(zone_id, heat=heat, cool=heat + self.rng.randint(3, 10), hold_type=1)
        elif what == 1:
            sim.set_zone_mode(zone_id, self.rng.choice("0123"))
        elif what == 2:
            sim.set_fan_mode(self.rng.choice("123"))
        elif what == 3:
            sim.set_emergency_heat(on=plant.emergency_heat != "1")
        else:
            sim.set_setpoints(zone_id, hold_type=self.rng.choice("123"))
        await self._fine(2.0)
        await self._quiet()

    async def _plant_reports(self, home: Home) -> None:
        """The house: temperatures drift, humidity moves, the system runs or rests."""
        self.report.events["plant report"] += 1
        sim = home.sim
        for zone_id in sim.plant.zones:
            if self.rng.random() < 0.6:
                sim.set_indoor_temperature(zone_id, round(self.rng.uniform(62, 80) * 4) / 4)
        if self.rng.random() < 0.3:
            sim.set_humidity(self.rng.randint(30, 60))
        status = self.rng.random()
        if status < 0.35:
            sim.set_cooling(1)
            sim.set_heating(2)
        elif status < 0.6:
            sim.set_heating(1)
            sim.set_cooling(2)
        else:
            sim.set_heating(self.rng.choice("01"))
            sim.set_cooling(self.rng.choice("01"))
        await self._fine(2.0)
        await self._quiet()

    # --- the user ------------------------------------------------------------------------------

    def _snapshot(self) -> dict[str, Any]:
        return {
            home.title: {
                "zones": {
                    zone_id: {
                        "mode": zone.mode,
                        "heat": float(zone.heat_setpoint),
                        "cool": float(zone.cool_setpoint),
                        "hold": zone.hold_type,
                        "name": zone.name,
                    }
                    for zone_id, zone in home.sim.plant.zones.items()
                },
                "fan": home.sim.plant.fan_mode,
                "emergency": home.sim.plant.emergency_heat,
            }
            for home in self.homes
        }

    async def _user_action(self, home: Home) -> None:  # noqa: PLR0915 - a branch per kind of action
        """One action through Home Assistant's services; the plants must end exactly as asked."""
        await self._quiet()
        if not home.available():
            return
        plant = home.sim.plant
        zone_id = self.rng.choice(list(plant.zones))
        zone = plant.zones[zone_id]
        climate = self._entity("climate", f"{home.zone_key(zone_id)}_climate")
        if climate is None:
            self._violation("truth", f"{home.title} zone {zone_id} has no climate entity")
            return
        before = self._snapshot()
        want = json.loads(json.dumps(before))
        mine = want[home.title]["zones"][zone_id]
        was = before[home.title]["zones"][zone_id]
        deadband = float(zone.deadband)
        calls: list[tuple[str, str, dict[str, Any]]] = []
        what = self.rng.randrange(7)
        if what == 0:
            mode = self.rng.choice(("off", "heat", "cool", "auto", "heat_cool"))
            calls.append(("climate", "set_hvac_mode", {"hvac_mode": mode}))
            mine["mode"] = {"off": "0", "heat": "3", "cool": "2"}.get(mode, "1")
            if mode == "auto":
                mine["hold"] = "2"
            elif mode == "heat_cool":
                mine["hold"] = "1"
        elif what == 1 and zone.mode in ("2", "3"):
            if zone.mode == "3":
                target = _pick(
                    self.rng, min(55, int(mine["cool"] - deadband)), int(mine["cool"] - deadband)
                )
                mine["heat"] = float(target)
            else:
                target = _pick(
                    self.rng,
                    math.ceil(mine["heat"] + deadband),
                    max(85, math.ceil(mine["heat"] + deadband)),
                )
                mine["cool"] = float(target)
            mine["hold"] = _nudged_hold(was, mine)
            calls.append(("climate", "set_temperature", {"temperature": target}))
        elif what == 1 and zone.mode == "1":
            low = self.rng.randint(58, 72)
            high = low + self.rng.randint(int(deadband) + 1, 10)
            mine.update(heat=float(low), cool=float(high))
            mine["hold"] = _nudged_hold(was, mine)
            calls.append(
                ("climate", "set_temperature", {"target_temp_low": low, "target_temp_high": high})
            )
        elif what == 2:
            fan = self.rng.choice(("auto", "on", "circulate"))
            want[home.title]["fan"] = {"auto": "1", "on": "2", "circulate": "3"}[fan]
            calls.append(("climate", "set_fan_mode", {"fan_mode": fan}))
        elif what == 3 and self._system(home, "switch", "emergency_heat") is not None:
            on = self.rng.random() < 0.5
            want[home.title]["emergency"] = "1" if on else home.sim.emergency_heat_off
            switch = self._system(home, "switch", "emergency_heat")
            calls.append(("switch", "turn_on" if on else "turn_off", {"entity_id": switch}))
        elif what == 4:
            hold = self.rng.choice(list(HOLDS))
            mine["hold"] = hold
            select = self._entity("select", f"{home.zone_key(zone_id)}_hold")
            calls.append(("select", "select_option", {"entity_id": select, "option": HOLDS[hold]}))
        else:
            # A script chaining two actions: heat, then a target in heat.
            target = _pick(
                self.rng, min(60, int(mine["cool"] - deadband)), int(mine["cool"] - deadband)
            )
            mine.update(mode="3", heat=float(target))
            mine["hold"] = _nudged_hold(was, mine)
            calls.append(("script", "soak_heat_to", {"climate": climate, "target": target}))
            self.report.events["script"] += 1
        for domain, service, fields in calls:
            data = {"entity_id": climate, **fields} if domain == "climate" else fields
            # Actions may wait for the thermostat: time moves while they run.
            call = self.hass.async_create_task(
                self.hass.services.async_call(domain, service, data, blocking=True)
            )
            if await self._until(call.done, 30.0) is None:
                call.cancel()
                self._violation("action", f"{domain}.{service} {data} did not end within 30 s")
                return
            try:
                call.result()
            except HomeAssistantError as err:
                self.check_secrets(str(err), "an action's error")
                self._violation("action", f"{domain}.{service} {data} failed: {err}")
                return
        self.report.actions += 1
        await self._fine(3.0)
        after = self._snapshot()
        if after != want:
            self._violation(
                "action",
                f"{calls} on {home.title} zone {zone_id}: thermostats {after}, asked {want}"
                f" (before {before})",
            )
        self.report.checks["action"] += 1

    # --- Home Assistant ------------------------------------------------------------------------

    async def _restart(self, home: Home) -> None:
        """Home Assistant restarts: every entry unloaded, down a while, set up again."""
        del home
        self.report.restarts += 1
        restore = rs.async_get(self.hass)
        await restore.async_dump_states()
        for each in self.homes:
            assert await self.hass.config_entries.async_unload(each.entry.entry_id)
        await self.hass.async_block_till_done()
        await self._idle(self.rng.choice((0.0, 60.0, 900.0)))
        await restore.async_load()
        for each in self.homes:
            setup = self.hass.async_create_task(
                self.hass.config_entries.async_setup(each.entry.entry_id)
            )
            await self._done(setup)
        await self._quiet()

    async def _reload(self, home: Home) -> None:
        self.report.reloads += 1
        reload = self.hass.async_create_task(
            self.hass.config_entries.async_reload(home.entry.entry_id)
        )
        await self._done(reload)
        await self._quiet()

    async def _diagnostics(self, home: Home) -> None:
        """A download at a random moment: no secret in it, and it replays to the same states."""
        self.report.events["diagnostics"] += 1
        if not home.loaded():
            return
        diagnostics = await async_get_config_entry_diagnostics(self.hass, home.entry)
        text = json.dumps({"data": diagnostics}, cls=JSONEncoder)
        self.check_secrets(text, "a diagnostics download")
        if home.available():
            await self._replay(home, json.loads(text), self._shown(home.entry, home))
        await self._quiet()

    def _shown(self, entry: MockConfigEntry, home: Home) -> dict[str, Any]:
        """Return what the entry's entities show, by unique id suffix (what a capture holds)."""
        prefix = entry.unique_id or ""
        supervisor = home.coordinator().supervisor
        state = supervisor.state
        shown: dict[str, Any] = {}
        for entity in er.async_entries_for_config_entry(self.registry, entry.entry_id):
            if entity.unique_id.endswith(NOT_CAPTURED):
                continue
            current = self.hass.states.get(entity.entity_id)
            if current is None:
                continue
            suffix = entity.unique_id[len(prefix) :]
            attributes = {k: v for k, v in current.attributes.items() if k != "friendly_name"}
            if entity.domain == "climate":
                zone_id = suffix[len("_zone_") : -len("_climate")]
                zone = state.zones.get(zone_id)
                if zone is not None and (
                    zone_action(zone, state, calling=True)
                    != zone_action(zone, state, calling=False)
                ):
                    attributes.pop("hvac_action", None)  # in the band: history, not the capture
            shown[suffix] = (current.state, attributes)
        return shown

    async def _replay(self, home: Home, download: dict[str, Any], live: dict[str, Any]) -> None:
        """Serve a download with the simulator's replay to a fresh entry; compare what it shows."""
        self.report.checks["capture"] += 1
        self._replays += 1
        replaying = Simulator(
            zones=0, secret_key=home.key, pki=home.sim.pki, mode=home.sim.mode, name="replay"
        )
        replaying.replay = replay_frames(download)
        replaying.wait_timeout = None
        await replaying.start(host=HOST, port=0)
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=f"{home.title} replayed",
            unique_id=f"02:00:00:00:{self._replays // 256:02x}:{self._replays % 256:02x}",
            data={
                CONF_HOST: HOST,
                CONF_PORT: replaying.port,
                CONF_SECRET_KEY: home.key,
                CONF_FINGERPRINT: replaying.fingerprint,
            },
        )
        entry.add_to_hass(self.hass)
        replayed = Home(home.title, replaying, entry, entry.unique_id or "", home.key, ())
        try:
            setup = self.hass.async_create_task(
                self.hass.config_entries.async_setup(entry.entry_id)
            )
            await self._done(setup)
            shown: dict[str, Any] = {}

            def same() -> bool:
                nonlocal shown
                shown = self._shown(entry, replayed) if replayed.available() else {}
                return shown == live

            if await self._until(same, REPLAY_WITHIN) is None:
                differ = sorted(
                    f"{key}: live {live.get(key)}, replayed {shown.get(key)}"
                    for key in set(live) | set(shown)
                    if live.get(key) != shown.get(key)
                )
                self._violation(
                    "capture", f"{home.title}'s download replays otherwise: {differ[:6]}"
                )
        finally:
            await self.hass.config_entries.async_remove(entry.entry_id)
            await self.hass.async_block_till_done()
            await replaying.stop()


def kept(objects: list[object]) -> int:
    """Return what the integration keeps: objects of its own types, plus the items of the lists,
    dicts, sets, unbounded deques and buffers they and its modules hold directly.

    A leak is an object that outlives its use (counted here) or a container of a living object
    that only grows (its items counted here); tracing every allocation (tracemalloc) would show the
    same and triple the soak's wall time.
    """
    total = 0
    for obj in objects:
        if type(obj).__module__.startswith(OURS):
            total += 1 + _items(_members(obj))
    modules = [module for name, module in sys.modules.items() if name.startswith(OURS)]
    return total + sum(_items(vars(module).values()) for module in modules)


def _items(values: Iterable[object]) -> int:
    """Count the items of containers that could grow (a deque with a maxlen cannot)."""
    return sum(
        len(value)
        for value in values
        if isinstance(value, list | dict | set | frozenset | bytearray)
        or (isinstance(value, deque) and value.maxlen is None)
    )


def _members(obj: object) -> list[object]:
    values = list(vars(obj).values()) if hasattr(obj, "__dict__") else []
    for cls in type(obj).__mro__:
        slots = cls.__dict__.get("__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if name not in ("__dict__", "__weakref__"):
                values.append(getattr(obj, name, None))
    return values


def _pick(rng: random.Random, low: int, high: int) -> int:
    """Return a whole degree in [low, high]; past the other setpoint's bound, that bound."""
    return rng.randint(min(low, high), max(low, high))


def _tenths(value: object) -> object:
    return round(value * 10) if isinstance(value, float) else value


SCRIPT = {
    "soak_heat_to": {
        "fields": {"climate": {}, "target": {}},
        "sequence": [
            {
                "action": "climate.set_hvac_mode",
                "target": {"entity_id": "{{ climate }}"},
                "data": {"hvac_mode": "heat"},
            },
            {
                "action": "climate.set_temperature",
                "target": {"entity_id": "{{ climate }}"},
                "data": {"temperature": "{{ target }}"},
            },
        ],
    }
}


def _nudged_hold(before: dict[str, Any], after: dict[str, Any]) -> str:
    """Return the hold a single target leaves (README, "What an action waits for").

    Setpoints the zone already holds change nothing; otherwise a permanent hold or one until the
    next period is kept, and a zone following its schedule holds until its next period.
    """
    if (after["heat"], after["cool"]) == (before["heat"], before["cool"]):
        return str(before["hold"])
    return str(before["hold"]) if before["hold"] in ("1", "3") else "3"


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0
