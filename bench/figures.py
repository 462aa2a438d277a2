"""The benchmark's figures: what each case records and the report reads, as types.

`bench/cases.py` records these (through `cases.record`), `bench/codec.py` and `bench/__main__.py`
add theirs, the runner saves the whole `Figures` as JSON and `bench/report.py` renders it. Renaming
a figure here makes every writer and reader that still uses the old name a type error
(`mypy --strict bench`). They are TypedDicts, so the JSON file is the same plain dicts as before.
"""

from __future__ import annotations

from typing import Literal, NotRequired, Required, TypedDict

type Kind = Literal["ours", "anchor"]
KINDS: tuple[Kind, ...] = ("ours", "anchor")

type FaultName = Literal[
    "heartbeat_drop",
    "silent_peer",
    "malformed_frames",
    "key_revoked",
    "certificate_change",
    "flapping",
]
"""The fault matrix's faults (`cases.FAULTS`), titled in the report (`report.FAULT_TITLES`)."""

type ByStack[T] = dict[Kind, T]
"""A figure per stack that ran it: ours (steamloop) and the anchor (Home Assistant's `trane`)."""


class Machine(TypedDict):
    """The machine and software versions of the run."""

    nproc: int
    cpu: str
    python: str
    homeassistant: str
    steamloop_library: str
    date: str
    load_average: NotRequired[float]
    """The 1-minute load average when the run started (absent in older runs)."""


class RecoveryRun(TypedDict):
    """One outage (refuse + reset, then listen again) and what the stack showed."""

    outage_min: int
    unavailable_after_s: float | None
    first_unavailable_write_s: float | None
    shown_at_end_of_outage: str
    fresh_after_s: float | None


class Restart(TypedDict):
    """Setup while the thermostat is down, then its return."""

    outage_min: int
    setup_returned_s: float | None
    entry_state_after_setup: str
    fresh_after_s: float | None


class EventCost(TypedDict):
    """One burst of temperature events: CPU and state writes per event."""

    events: int
    cpu_us_per_event: float
    wall_s: float
    writes_per_event: float
    entities: int


class ActionLatency(TypedDict):
    """climate.set_temperature from call to return."""

    actions: int
    p50_ms: float
    p99_ms: float
    shown_on_return: float


class Scale(TypedDict):
    """Many thermostats on one Home Assistant (ours only)."""

    thermostats: int
    zones_each: int
    loaded: int
    entities: int
    setup_s: float
    rss_per_thermostat_kib: float
    events: int
    events_per_s: float
    cpu_s: float
    last_values_arrived: str
    climate_writes: int


class FaultRun(TypedDict):
    """One fault against one stack, sampled over a window of virtual time."""

    window_s: float
    first_unavailable_s: float | None
    unavailable_spells: int
    available_again_s: float | None
    new_value_pushed_at_s: float
    new_value_shown_after_s: float | None
    at_end: Literal["available", "unavailable"]
    shown_at_end: float | None
    flows: list[str]
    repair_issues: list[str]
    login_attempts: int
    entry_state: str
    log_warnings: int
    log_errors: int


class VanishedHost(TypedDict):
    """Both stacks on one thermostat whose link goes down (real time)."""

    unavailable_after_s: ByStack[float | None]
    limit_s: float
    loaded: ByStack[str]


class VanishedSection(TypedDict):
    """The vanished-host case's one result."""

    result: VanishedHost


class Codec(TypedDict):
    """Split + parse throughput, ours next to the anchor's buffer code."""

    messages: int
    chunk_bytes: int
    repeats: int
    ours_msgs_per_s: int
    anchor_msgs_per_s: int
    ours_decoded: int
    anchor_parsed: int
    ratio: float


class DecoderComparison(TypedDict):
    """The strict decoder next to the lenient one that replaced it, measured in one run."""

    date: str
    strict_msgs_per_s: int
    lenient_msgs_per_s: int


LENIENT_DECODER_ADOPTED = DecoderComparison(
    date="2026-12-01", strict_msgs_per_s=1_378_048, lenient_msgs_per_s=1_275_354
)
"""Measured once, when the decoder became as lenient as the reference client: the strict decoder
is gone, so no run can measure it again. The codec section quotes it."""


class Endurance(TypedDict):
    """scripts/soak's before/after table: name -> [before, after, change]."""

    cycles: int
    exit: int
    rows: dict[str, list[int]]
    summary: list[str]


class SoakHa(TypedDict):
    """scripts/soak-ha's report lines."""

    days: float
    seed: int
    exit: int
    lines: list[str]
    release: NotRequired[str]
    """The Home Assistant release it ran on when not the locked one (`--release`)."""


class CaseFigures(TypedDict, total=False):
    """What the Home Assistant harness cases record; a section is absent if its case did not run."""

    recovery: ByStack[list[RecoveryRun]]
    restart: ByStack[Restart]
    event_cost: ByStack[EventCost]
    action_latency: ByStack[ActionLatency]
    scale: dict[Literal["ours"], Scale]
    faults: dict[str, FaultRun]
    """Keyed "<fault>/<kind>", e.g. "flapping/ours"."""
    vanished_host: VanishedSection


class Figures(CaseFigures, total=False):
    """Everything one run measured: the cases' figures and the runner's own."""

    quick: Required[bool]
    machine: Required[Machine]
    only: str
    """The `-k` expression when only the harness cases matching it ran."""
    vanished_host_skipped: str
    codec: Codec
    endurance: Endurance
    soak_ha: SoakHa
    soak_ha_newest: SoakHa
    """The same soak on the newest supported release (its own environment), when it differs."""
