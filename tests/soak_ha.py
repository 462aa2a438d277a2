"""The Home Assistant-level soak: the whole stack, a simulated week of faults, calendars and users.

Home Assistant's test harness and the simulator run on the virtual clock (tests/virtual_time.py);
a seeded random schedule drives, one after the other:

- every fault the simulator offers: refuse (for seconds to minutes), reset, silence (shorter and
  longer than the silence bound), flapping, malformed frames, bursts that pause anywhere (the
  system fields anywhere between zones, the pause after any frame, 0.5-8 s);
- the thermostat's zones added, renamed and removed; someone at the thermostat changing setpoints,
  modes, the fan, emergency heat; the plant reporting temperatures, humidity, heating and cooling;
- user actions through Home Assistant's services, and a script that chains two of them;
- Home Assistant restarts (restore states dumped, unloaded, down a while, set up with what it
  stored), reloads, daylight saving transitions in two time zones (America/Havana's at midnight,
  America/Chicago's at 02:00) and a time-zone change between them.

Invariants, each a named check; a violation prints its name, what broke, the simulated time and the
seed that reproduces it:

- ``truth``: while available and quiet, every entity shows the simulator's plant;
- ``availability``: unavailable within 5 s of a refused + reset link and while it stays down,
  available again within 15 s of the thermostat answering; a silent thermostat is noticed within the
  silence bound + 20 s (supervisor.py);
- ``action``: every action ends with exactly what was asked on the thermostat, nothing else changed;
- ``runtime``: running time today/total equals the soak's own record of the plant heating/cooling
  while connected, within a minute, on every local date (the midnight rule of run_timer.py);
- ``zones``: no zone removed while the thermostat has it; no entity id changes;
- ``resources``: no task, timer, file descriptor or live-object growth from the first quiet moment
  to the end;
- ``secrets``: no address, MAC or key in any log line, error or diagnostics download (at random
  moments);
- ``capture``: a capture taken at a random moment replays (simulator/replay.py) to the same state.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import math
import os
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import restore_state as rs
from homeassistant.helpers.json import JSONEncoder
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.steamloop.client import LinkState, Session, Supervisor, ThermostatState
from custom_components.steamloop.client.codec import Event, decode_all
from custom_components.steamloop.compat import device_by_identifier
from custom_components.steamloop.const import DOMAIN
from custom_components.steamloop.diagnostics import async_get_config_entry_diagnostics
from custom_components.steamloop.run_timer import day_start
from simulator import Malformed, Simulator, replay_frames

from .virtual_time import Clock

KEY = "soak-8d1f5e-secret"
MAC = "aa:bb:cc:dd:ee:ff"
HOST = "127.0.0.1"
SECRETS = (KEY, MAC, MAC.upper(), HOST)

# The calendar: a week that starts in Havana (daylight saving at 00:00 on 14 March 2027, a midnight
# that does not exist), moves to Chicago after that (its own transition at 02:00 the same night).
START = datetime(2027, 3, 13, 9, 0, tzinfo=ZoneInfo("America/Havana"))
FIRST_ZONE = "America/Havana"
TIME_ZONE_CHANGE = (datetime(2027, 3, 14, 6, 30, tzinfo=UTC), "America/Chicago")

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

MODES = {"0": "off", "2": "cool", "3": "heat"}
FANS = {"1": "auto", "2": "on", "3": "circulate"}
HOLDS = {"2": "schedule", "1": "permanent", "3": "until_next_period"}
ACTIVITY = {"0": "off", "1": "idle", "2": "running"}
NAMES = ("Den", "Nursery", "Garage", "Studio", "Hall", "Loft")


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
    wall: float = 0.0

    def lines(self) -> list[str]:
        """Return the report as printable lines."""
        faults = ", ".join(f"{name} {count}" for name, count in sorted(self.faults.items()))
        events = ", ".join(f"{name} {count}" for name, count in sorted(self.events.items()))
        checks = ", ".join(f"{name} {count}" for name, count in sorted(self.checks.items()))
        growth = ", ".join(f"{k} {a}->{b}" for k, (a, b) in self.resources.items())
        return [
            f"seed {self.seed}: {self.days:.2f} simulated days in {self.wall:.1f} s wall time",
            f"faults: {sum(self.faults.values())} ({faults})",
            f"events: {events}",
            (
                f"actions: {self.actions} (scripts included); restarts {self.restarts}; "
                f"reloads {self.reloads}"
            ),
            f"checks: {checks}",
            f"resources (first quiet moment -> end): {growth}",
            f"violations: {len(self.violations)}",
            *self.violations,
        ]


class _Lines(logging.Handler):
    """Every formatted log line of Home Assistant and the integration (not the simulator's)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("simulator"):
            return
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += f" {record.exc_info[1]!r}"
        self.lines.append(text)


class Soak:
    """One seeded run; ``await run(days)`` returns its Report."""

    def __init__(
        self,
        hass: HomeAssistant,
        clock: Clock,
        thermostat: Simulator,
        entry: MockConfigEntry,
        seed: int,
    ) -> None:
        """Drive `entry` (not set up yet) against `thermostat`."""
        self.hass = hass
        self.clock = clock
        self.sim = thermostat
        self.entry = entry
        self.rng = random.Random(seed)  # noqa: S311 - a reproducible schedule, not crypto
        self.report = Report(seed)
        self.registry = er.async_get(hass)
        self.devices = dr.async_get(hass)
        self._entity_ids: dict[str, str] = {}
        self._logs = _Lines()
        self._tz_changed = False
        # The soak's own record of the plant running while connected, per local date.
        self._ran_total = {"heating": 0.0, "cooling": 0.0}
        self._ran_today = {"heating": 0.0, "cooling": 0.0}
        self._ran_day: date | None = None
        self._baseline: dict[str, int] | None = None
        self._trail: list[str] = []

    # --- the run -------------------------------------------------------------------------------

    async def run(self, days: float) -> Report:
        """Run `days` simulated days; return the report."""
        # Real time: freezegun moves time.monotonic with the virtual clock.
        began = os.times().elapsed
        logging.getLogger().addHandler(self._logs)
        unsubscribe = self.hass.bus.async_listen(
            er.EVENT_ENTITY_REGISTRY_UPDATED, self._registry_updated
        )
        try:
            await self._setup()
            end = self.clock.elapsed + days * 86400
            while self.clock.elapsed < end:
                gap = min(self.rng.expovariate(1 / MEAN_GAP), end - self.clock.elapsed)
                await self._idle(gap)
                if self.clock.elapsed >= end:
                    break
                await self._event()
                if self._baseline is None and self.clock.elapsed > 3600:
                    self._baseline = await self._settled_resources()
            self._check_resources(await self._settled_resources())
            self._check_logs()
        finally:
            unsubscribe()
            logging.getLogger().removeHandler(self._logs)
            if self.entry.state is ConfigEntryState.LOADED:
                await self.hass.config_entries.async_unload(self.entry.entry_id)
                await self.hass.async_block_till_done()
        self.report.days = self.clock.elapsed / 86400
        self.report.wall = os.times().elapsed - began
        return self.report

    async def _setup(self) -> None:
        await self.hass.config.async_set_time_zone(FIRST_ZONE)
        self.clock.freezer.move_to(START)
        self.entry.add_to_hass(self.hass)
        setup = self.hass.async_create_task(
            self.hass.config_entries.async_setup(self.entry.entry_id)
        )
        await self._done(setup)
        await self._quiet()
        self._check_truth()

    async def _event(self) -> None:
        if not self._tz_changed and dt_util.utcnow() >= TIME_ZONE_CHANGE[0]:
            self._tz_changed = True
            self.report.events["time zone change"] += 1
            await self.hass.config.async_update(time_zone=TIME_ZONE_CHANGE[1])
            await self._step(FINE_STEP)
            self._check_runtime()
            return
        kinds: list[tuple[Callable[[], Any], float]] = [
            (self._fault_refuse, 1),
            (self._fault_reset, 1.5),
            (self._fault_silence, 0.7),
            (self._fault_flap, 0.7),
            (self._fault_malformed, 1),
            (self._fault_paused_burst, 1),
            (self._zone_change, 1.2),
            (self._at_the_thermostat, 4),
            (self._plant_reports, 4),
            (self._user_action, 4),
            (self._restart, 0.4),
            (self._reload, 0.4),
            (self._diagnostics, 0.8),
        ]
        handlers, weights = zip(*kinds, strict=True)
        handler = self.rng.choices(handlers, weights)[0]
        self._note(handler.__name__)
        await handler()

    # --- time ----------------------------------------------------------------------------------

    async def _step(self, seconds: float) -> None:
        """Move time one step, recording what ran while connected, as Home Assistant should."""
        counting = self._available()
        before = dt_util.utcnow()
        await self.clock.advance(seconds, step=seconds)
        after = dt_util.utcnow()
        zone = dt_util.get_default_time_zone()
        today = after.astimezone(zone).date()
        for kind, status in (
            ("heating", self.sim.plant.heating_active),
            ("cooling", self.sim.plant.cooling_active),
        ):
            ran = seconds if counting and status == "2" else 0.0
            self._ran_total[kind] += ran
            if today != self._ran_day:
                start = day_start(today, zone)
                self._ran_today[kind] = min(ran, max(0.0, (after - start).total_seconds()))
            else:
                self._ran_today[kind] += ran
        if today != self._ran_day:
            self._ran_day = today
        del before

    async def _idle(self, seconds: float) -> None:
        while seconds > 1e-9:
            step = min(IDLE_STEP, seconds)
            await self._step(step)
            seconds -= step
            if dt_util.utcnow() >= TIME_ZONE_CHANGE[0] and not self._tz_changed:
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
        """Wait until the link is READY and settled, zones given time to be proven gone."""
        if await self._until(self._available, 60.0) is None:
            self._violation("availability", "not available within 60 s of a quiet moment")
            return
        await self._fine(2.0)
        since = self._coordinator().supervisor.stats.connected_since
        if since is not None:
            young = ZONE_SETTLE - (dt_util.utcnow() - since).total_seconds()
            if young > 0:
                await self._fine(young)

    # --- helpers -------------------------------------------------------------------------------

    def _coordinator(self) -> Any:
        return self.entry.runtime_data

    def _available(self) -> bool:
        return self.entry.state is ConfigEntryState.LOADED and bool(self._coordinator().available)

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

    def _zone_key(self, zone_id: str) -> str:
        return f"{MAC}_zone_{zone_id}"

    def _system(self, domain: str, key: str) -> str | None:
        return self._entity(domain, f"{MAC}_{key}")

    def _state(self, entity_id: str | None) -> Any:
        return None if entity_id is None else self.hass.states.get(entity_id)

    # --- checks --------------------------------------------------------------------------------

    def _registry_updated(self, event: Any) -> None:
        data = event.data
        entity_id = data.get("entity_id")
        entry = self.registry.async_get(entity_id) if entity_id else None
        if data["action"] == "remove":
            prefix = f"{MAC}_zone_"
            for unique_id, known in list(self._entity_ids.items()):
                if known == entity_id and unique_id.startswith(prefix):
                    zone_id = unique_id[len(prefix) :].rsplit("_", 1)[0]
                    if zone_id in self.sim.plant.zones:
                        self._violation(
                            "zones", f"{entity_id} removed while the thermostat has zone {zone_id}"
                        )
            return
        if entry is not None and entry.platform == DOMAIN:
            known = self._entity_ids.setdefault(entry.unique_id, entry.entity_id)
            if known != entry.entity_id:
                self._violation("zones", f"entity id changed: {known} -> {entry.entity_id}")

    def _check_truth(self) -> None:
        """Every entity shows the plant (called while available and quiet)."""
        if not self._available():
            return
        self.report.checks["truth"] += 1
        plant = self.sim.plant
        wrong: list[str] = []

        def expect(entity_id: str | None, shown: object, want: object, what: str) -> None:
            if shown != want:
                wrong.append(f"{entity_id} {what}: shows {shown!r}, thermostat {want!r}")

        for zone_id, zone in plant.zones.items():
            key = self._zone_key(zone_id)
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
            device = device_by_identifier(self.devices, (DOMAIN, key), self.entry.entry_id)
            expect(f"device {zone_id}", None if device is None else device.name, zone.name, "name")
        shown_zones = {
            entity.unique_id[len(f"{MAC}_zone_") : -len("_climate")]
            for entity in er.async_entries_for_config_entry(self.registry, self.entry.entry_id)
            if entity.domain == "climate"
        }
        for extra in sorted(shown_zones - set(plant.zones)):
            wrong.append(f"zone {extra} still shown, the thermostat has none")
        for key, value in (
            ("indoor_humidity", float(plant.relative_humidity)),
            ("heating_status", ACTIVITY[plant.heating_active]),
            ("cooling_status", ACTIVITY[plant.cooling_active]),
        ):
            sensor = self._system("sensor", key)
            state = self._state(sensor)
            shown_value: object = None if state is None else state.state
            if isinstance(value, float) and state is not None:
                shown_value = float(state.state)
            expect(sensor, shown_value, value, key)
        emergency = self._state(self._system("switch", "emergency_heat"))
        if emergency is not None:
            expect(
                "emergency heat",
                emergency.state,
                "on" if plant.emergency_heat == "1" else "off",
                "",
            )
        if wrong:
            self._violation("truth", "; ".join(wrong))
        self._check_runtime()

    def _check_runtime(self) -> None:
        if not self._available():
            return
        self.report.checks["runtime"] += 1
        for kind in ("heating", "cooling"):
            for period, want in (("today", self._ran_today), ("total", self._ran_total)):
                entity_id = self._system("sensor", f"{kind}_runtime_{period}")
                state = self._state(entity_id)
                if state is None or state.state == STATE_UNAVAILABLE:
                    self._violation("runtime", f"{kind} {period} not shown")
                    continue
                # What it shows now: the state written lags by up to the minute between writes.
                shown = float(self.hass.data["sensor"].get_entity(entity_id).native_value) * 3600
                if abs(shown - want[kind]) > RUNTIME_TOLERANCE:
                    self._violation(
                        "runtime",
                        f"{kind} time {period}: shows {shown:.0f} s, ran {want[kind]:.0f} s"
                        f" while connected (local date {self._ran_day})",
                    )

    def _all_unavailable(self) -> bool:
        entities = er.async_entries_for_config_entry(self.registry, self.entry.entry_id)
        return all(
            (state := self.hass.states.get(entity.entity_id)) is None
            or state.state == STATE_UNAVAILABLE
            or entity.entity_category is not None  # the link's own diagnostics stay available
            for entity in entities
            if not entity.disabled
        )

    def _check_secrets(self, text: str, where: str) -> None:
        self.report.checks["secrets"] += 1
        for secret in SECRETS:
            if secret in text:
                shown = "the key" if secret == KEY else "an address"
                self._violation("secrets", f"{shown} in {where}: {text[:160]!r}")
                return

    def _check_logs(self) -> None:
        for line in self._logs.lines:
            if any(secret in line for secret in SECRETS):
                self._check_secrets(line, "a log line")
        self.report.checks["secrets"] += 1

    def _resources(self) -> dict[str, int]:
        gc.collect()
        loop = self.hass.loop
        return {
            "tasks": len(asyncio.all_tasks(loop)),
            "timers": sum(not h.cancelled() for h in loop._scheduled),  # type: ignore[attr-defined]
            "fds": len(list(Path("/proc/self/fd").iterdir())),
            # Live and not stopped: an old one pinned by a logged exception's traceback (pytest
            # keeps every log record) holds memory, not a link; RSS is reported, not judged.
            "open sessions": sum(isinstance(o, Session) and not o.closed for o in gc.get_objects()),
            "running supervisors": sum(
                isinstance(o, Supervisor) and o.link_state is not LinkState.STOPPED
                for o in gc.get_objects()
            ),
            "RSS KiB": _rss_kib(),
        }

    async def _settled_resources(self) -> dict[str, int]:
        """Measure at comparable moments: READY, and every one-shot timer of a new link run out.

        A quiet link is refreshed now and then (the silence bound), so the idle wait can end
        in a new link's burst, whose own timers are no growth: wait for that link to settle too.
        """
        for _ in range(5):
            await self._quiet()
            await self._idle(120.0)
            since = self._coordinator().supervisor.stats.connected_since
            if (
                self._available()
                and since is not None
                and (dt_util.utcnow() - since).total_seconds() >= LINK_SETTLED
            ):
                break
        return self._resources()

    def _check_resources(self, now: dict[str, int]) -> None:
        if self._baseline is None:
            return
        self.report.checks["resources"] += 1
        self.report.resources = {k: (self._baseline[k], now[k]) for k in now}
        grown = [
            f"{k} {self._baseline[k]} -> {now[k]}"
            for k in now
            if now[k] > self._baseline[k] and k != "RSS KiB"
        ]
        if grown:
            self._violation("resources", ", ".join(grown))

    # --- faults --------------------------------------------------------------------------------

    async def _fault_refuse(self) -> None:
        self.report.faults["refuse"] += 1
        down = self.rng.choice((5.0, 30.0, 120.0, 600.0, 1500.0))
        await self.sim.refuse()
        self.sim.reset_clients()
        if await self._until(self._all_unavailable, DOWN_WITHIN) is None:
            self._violation("availability", f"still available {DOWN_WITHIN:g} s into an outage")
        self.report.checks["availability"] += 1
        spent = 0.0
        while spent < down:
            step = min(IDLE_STEP, down - spent)
            await self._step(step)
            spent += step
            if not self._all_unavailable():
                self._violation("availability", "available while the thermostat refuses")
                break
        await self.sim.accept()
        if await self._until(self._available, BACK_WITHIN) is None:
            self._violation("availability", f"not back within {BACK_WITHIN:g} s of the thermostat")
        await self._quiet()
        self._check_truth()

    async def _fault_reset(self) -> None:
        self.report.faults["reset"] += 1
        self.sim.reset_clients()
        if await self._until(self._available, BACK_WITHIN) is None:
            self._violation("availability", "not back within 15 s of a reset")
        self.report.checks["availability"] += 1
        await self._quiet()
        self._check_truth()

    async def _fault_silence(self) -> None:
        self.report.faults["silence"] += 1
        quiet = self.rng.choice((90.0, 600.0, 2400.0))
        self.sim.go_silent()
        spent, noticed = 0.0, None
        while spent < quiet:
            step = min(IDLE_STEP, quiet - spent)
            await self._step(step)
            spent += step
            if noticed is None and not self._available():
                noticed = spent
        self.sim.wake()
        if quiet > SILENCE_NOTICED and noticed is None:
            self._violation("availability", f"a thermostat silent {quiet:g} s never noticed")
        self.report.checks["availability"] += 1
        # Whatever the link did meanwhile, a refresh brings the truth back within the bound.
        if await self._until(self._available, BACK_WITHIN) is None:
            self._violation("availability", "not back within 15 s of a silence's end")
        await self._quiet()
        self._check_truth()

    async def _fault_flap(self) -> None:
        self.report.faults["flapping"] += 1
        self.sim.flap(self.rng.randint(2, 5), how=self.rng.choice(("close", "reset")))
        self.sim.reset_clients()
        await self._fine(30.0)
        await self._until(self._available, 120.0)
        await self._quiet()
        self._check_truth()

    async def _fault_malformed(self) -> None:
        self.report.faults["malformed"] += 1
        kind = self.rng.choice(list(Malformed))
        self.sim.send_malformed(kind, bytewise=self.rng.random() < 0.2)
        if kind is Malformed.NUMBER_VALUES:
            # Lenient by design: the thermostat said 70.5 for its first zone, in numbers.
            self.sim.plant.zones[next(iter(self.sim.plant.zones))].indoor_temperature = "70.50"
        await self._fine(2.0)
        await self._quiet()
        self._check_truth()

    async def _fault_paused_burst(self) -> None:
        self.report.faults["paused burst"] += 1
        zones = len(self.sim.plant.zones)
        frames = 5 * zones + 6
        if self.rng.random() < 0.5 and zones > 1:
            # The hard case: the system fields and some zones, a pause, then the other zones.
            after = self.rng.randint(1, zones - 1)
            pause_at = self.rng.randint(5 * after + 6, frames - 1)
        else:
            after = self.rng.randint(0, zones)
            pause_at = self.rng.randint(1, frames - 1)
        self.sim.burst_system_after = after
        self.sim.burst_pause = (pause_at, self.rng.uniform(0.5, 8.0))
        self.sim.reset_clients()
        await self._until(lambda: len(self.sim.connected) >= 1, 15.0)
        await self._fine(12.0)
        self.sim.burst_pause = None
        self.sim.burst_system_after = None
        await self._quiet()
        self._check_truth()

    # --- the thermostat ------------------------------------------------------------------------

    async def _zone_change(self) -> None:
        plant = self.sim.plant
        choice = self.rng.random()
        if choice < 0.4 and len(plant.zones) < 4:
            self.report.events["zone added"] += 1
            self.sim.add_zone(name=self.rng.choice(NAMES))
        elif choice < 0.7 or len(plant.zones) <= 1:
            self.report.events["zone renamed"] += 1
            zone_id = self.rng.choice(list(plant.zones))
            self.sim.set_zone_name(zone_id, self.rng.choice(NAMES))
        else:
            self.report.events["zone removed"] += 1
            zone_id = self.rng.choice(list(plant.zones)[1:])
            self.sim.remove_zone(zone_id, drop="reset")
        await self._fine(2.0)
        await self._quiet()
        self._check_truth()

    async def _at_the_thermostat(self) -> None:
        """Someone at the thermostat changes something."""
        self.report.events["at the thermostat"] += 1
        plant = self.sim.plant
        zone_id = self.rng.choice(list(plant.zones))
        zone = plant.zones[zone_id]
        what = self.rng.randrange(5)
        if what == 0:
            heat = self.rng.randint(60, 72)
            self.sim.set_setpoints(
                zone_id, heat=heat, cool=heat + self.rng.randint(3, 10), hold_type=1
            )
        elif what == 1:
            self.sim.set_zone_mode(zone_id, self.rng.choice("0123"))
        elif what == 2:
            self.sim.set_fan_mode(self.rng.choice("123"))
        elif what == 3:
            self.sim.set_emergency_heat(on=plant.emergency_heat != "1")
        else:
            self.sim.set_setpoints(zone_id, hold_type=self.rng.choice("123"))
        del zone
        await self._fine(2.0)
        await self._quiet()
        self._check_truth()

    async def _plant_reports(self) -> None:
        """The house: temperatures drift, humidity moves, the system runs or rests."""
        self.report.events["plant report"] += 1
        plant = self.sim.plant
        for zone_id in plant.zones:
            if self.rng.random() < 0.6:
                self.sim.set_indoor_temperature(zone_id, round(self.rng.uniform(62, 80) * 4) / 4)
        if self.rng.random() < 0.3:
            self.sim.set_humidity(self.rng.randint(30, 60))
        status = self.rng.random()
        if status < 0.35:
            self.sim.set_cooling(1)
            self.sim.set_heating(2)
        elif status < 0.6:
            self.sim.set_heating(1)
            self.sim.set_cooling(2)
        else:
            self.sim.set_heating(self.rng.choice("01"))
            self.sim.set_cooling(self.rng.choice("01"))
        await self._fine(2.0)
        await self._quiet()
        self._check_truth()

    # --- the user ------------------------------------------------------------------------------

    def _snapshot(self) -> dict[str, Any]:
        plant = self.sim.plant
        return {
            "zones": {
                zone_id: {
                    "mode": zone.mode,
                    "heat": float(zone.heat_setpoint),
                    "cool": float(zone.cool_setpoint),
                    "hold": zone.hold_type,
                    "name": zone.name,
                }
                for zone_id, zone in plant.zones.items()
            },
            "fan": plant.fan_mode,
            "emergency": plant.emergency_heat,
        }

    async def _user_action(self) -> None:  # noqa: PLR0915 - one branch per kind of action
        """One action through Home Assistant's services; the plant must end exactly as asked."""
        await self._quiet()
        if not self._available():
            return
        plant = self.sim.plant
        zone_id = self.rng.choice(list(plant.zones))
        zone = plant.zones[zone_id]
        climate = self._entity("climate", f"{self._zone_key(zone_id)}_climate")
        if climate is None:
            self._violation("truth", f"zone {zone_id} has no climate entity for an action")
            return
        before = self._snapshot()
        want = json.loads(json.dumps(before))
        mine = want["zones"][zone_id]
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
            mine["hold"] = _nudged_hold(before["zones"][zone_id], mine)
            calls.append(("climate", "set_temperature", {"temperature": target}))
        elif what == 1 and zone.mode == "1":
            low = self.rng.randint(58, 72)
            high = low + self.rng.randint(int(deadband) + 1, 10)
            mine.update(heat=float(low), cool=float(high), hold="1")
            calls.append(
                ("climate", "set_temperature", {"target_temp_low": low, "target_temp_high": high})
            )
        elif what == 2:
            fan = self.rng.choice(("auto", "on", "circulate"))
            want["fan"] = {"auto": "1", "on": "2", "circulate": "3"}[fan]
            calls.append(("climate", "set_fan_mode", {"fan_mode": fan}))
        elif what == 3 and self._system("switch", "emergency_heat") is not None:
            on = self.rng.random() < 0.5
            want["emergency"] = "1" if on else self.sim.emergency_heat_off
            switch = self._system("switch", "emergency_heat")
            calls.append(("switch", "turn_on" if on else "turn_off", {"entity_id": switch}))
        elif what == 4:
            hold = self.rng.choice(list(HOLDS))
            mine["hold"] = hold
            select = self._entity("select", f"{self._zone_key(zone_id)}_hold")
            calls.append(("select", "select_option", {"entity_id": select, "option": HOLDS[hold]}))
        else:
            # A script chaining two actions: heat, then a target in heat.
            target = _pick(
                self.rng, min(60, int(mine["cool"] - deadband)), int(mine["cool"] - deadband)
            )
            mine.update(mode="3", heat=float(target))
            mine["hold"] = _nudged_hold(before["zones"][zone_id], mine)
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
                self._check_secrets(str(err), "an action's error")
                self._violation("action", f"{domain}.{service} {data} failed: {err}")
                return
        self.report.actions += 1
        await self._fine(3.0)
        after = self._snapshot()
        if after != want:
            self._violation(
                "action",
                f"{calls} on zone {zone_id}: thermostat {after}, asked {want} (before {before})",
            )
        self.report.checks["action"] += 1
        self._check_truth()

    # --- Home Assistant ------------------------------------------------------------------------

    async def _restart(self) -> None:
        self.report.restarts += 1
        restore = rs.async_get(self.hass)
        await restore.async_dump_states()
        assert await self.hass.config_entries.async_unload(self.entry.entry_id)
        await self.hass.async_block_till_done()
        await self._idle(self.rng.choice((0.0, 60.0, 900.0)))
        await restore.async_load()
        setup = self.hass.async_create_task(
            self.hass.config_entries.async_setup(self.entry.entry_id)
        )
        await self._done(setup)
        await self._quiet()
        self._check_truth()

    async def _reload(self) -> None:
        self.report.reloads += 1
        reload = self.hass.async_create_task(
            self.hass.config_entries.async_reload(self.entry.entry_id)
        )
        await self._done(reload)
        await self._quiet()
        self._check_truth()

    async def _diagnostics(self) -> None:
        """A download at a random moment: no secret in it, and it replays to the same state."""
        self.report.events["diagnostics"] += 1
        if self.entry.state is not ConfigEntryState.LOADED:
            return
        if self.rng.random() < 0.5:
            await self._quiet()
        diagnostics = await async_get_config_entry_diagnostics(self.hass, self.entry)
        text = json.dumps({"data": diagnostics}, cls=JSONEncoder)
        self._check_secrets(text, "a diagnostics download")
        if not self._available():
            return
        self.report.checks["capture"] += 1
        replayed = ThermostatState()
        for frame in replay_frames(json.loads(text)):
            for message in decode_all(frame[:-1]):
                if isinstance(message, Event):
                    replayed.apply(message)
        live = self._coordinator().supervisor.state
        if _comparable(replayed) != _comparable(live):
            self._violation(
                "capture",
                f"the capture replays to {_comparable(replayed)}, the state is {_comparable(live)}",
            )


def _pick(rng: random.Random, low: int, high: int) -> int:
    """Return a whole degree in [low, high]; past the other setpoint's bound, that bound."""
    return rng.randint(min(low, high), max(low, high))


def _tenths(value: object) -> object:
    return round(value * 10) if isinstance(value, float) else value


def _comparable(state: ThermostatState) -> dict[str, Any]:
    return {
        "zones": {zone_id: zone.copy() for zone_id, zone in sorted(state.zones.items())},
        "system": (
            state.supported_modes,
            state.fan_mode,
            state.emergency_heat,
            state.relative_humidity,
            state.cooling,
            state.heating,
        ),
    }


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


def report_days(report: Report) -> float:
    """Return the simulated days (for the benchmark page)."""
    return round(report.days, 2)


__all__ = ["HOST", "KEY", "MAC", "SCRIPT", "Report", "Soak", "timedelta"]


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0
