"""Write docs/benchmarks.md and docs/benchmarks.png from the collected figures."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from homeassistant.const import __version__ as ha_version
from PIL import Image, ImageDraw, ImageFont

RECOVERY_GOAL_S = 15.0
VISIBILITY_GOAL_S = 5.0
VANISHED_GOAL_S = 90.0
CPU_GOAL_RATIO = 1 / 3
WRITES_GOAL = 2.0

FAULT_TITLES = {
    "heartbeat_drop": "drop at heartbeat time (reset)",
    "silent_peer": "silent peer (reads nothing, socket open; woken at 7 min)",
    "malformed_frames": "malformed frames (every kind, the 1 MiB unterminated one last)",
    "key_revoked": "key revoked (connection closed, new key)",
    "certificate_change": "certificate change (new server certificate, clients closed)",
    "flapping": "flapping (next 5 connections dropped after their burst)",
}


def machine() -> dict[str, Any]:
    """Describe the machine and the software versions."""
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": model,
        "python": platform.python_version(),
        "homeassistant": ha_version,
        "steamloop_library": metadata.version("steamloop"),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _met(ok: bool | None) -> str:  # noqa: FBT001 - a verdict, not a flag
    return "n/a" if ok is None else ("**met**" if ok else "**not met**")


def _s(value: float | None, never: str = "never") -> str:
    return never if value is None else f"{value:g} s"


def _fault_text(d: dict[str, Any]) -> str:
    parts: list[str] = []
    window = d["window_s"]
    if d["first_unavailable_s"] is None:
        parts.append(f"stays available for the whole {window:g} s window")
    else:
        parts.append(f"unavailable after {d['first_unavailable_s']:g} s")
        if d["available_again_s"] is not None:
            parts.append(f"available again at {d['available_again_s']:g} s")
        else:
            parts.append("stays unavailable")
        if d["unavailable_spells"] > 1:
            parts.append(f"{d['unavailable_spells']} unavailable spells")
    if d["new_value_shown_after_s"] is not None:
        parts.append(
            f"a value changed at {d['new_value_pushed_at_s']:g} s is shown "
            f"{d['new_value_shown_after_s']:g} s later"
        )
    else:
        stale = d["first_unavailable_s"] is None or d["at_end"] == "available"
        parts.append(
            "a value changed at {:g} s is never shown{}".format(
                d["new_value_pushed_at_s"], " (stale value on screen)" if stale else ""
            )
        )
    if "reauth" in d["flows"]:
        parts.append("re-authentication flow started")
    if d["repair_issues"]:
        parts.append("repair issue raised")
    attempts = d["login_attempts"]
    parts.append(f"{attempts} login attempt{'' if attempts == 1 else 's'}")
    if d["log_errors"]:
        parts.append(f"{d['log_errors']} ERROR log line{'' if d['log_errors'] == 1 else 's'}")
    return "; ".join(parts)


def _summary(f: dict[str, Any]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    rec = f.get("recovery", {})
    if "ours" in rec and "anchor" in rec:
        ours = [r["fresh_after_s"] for r in rec["ours"]]
        anchor = [r["fresh_after_s"] for r in rec["anchor"]]
        worst = None if None in ours else max(ours)
        rows.append(
            {
                "figure": "recovery: thermostat back → fresh state (worst of the outages)",
                "ours": _s(worst, "not within 400 s"),
                "anchor": _s(None if None in anchor else max(anchor), "not within 400 s"),
                "goal": f"≤ {RECOVERY_GOAL_S:g} s",
                "met": _met(worst is not None and worst <= RECOVERY_GOAL_S),
            }
        )
        vis = [r["unavailable_after_s"] for r in rec["ours"]]
        worst_vis = None if None in vis else max(vis)
        anchor_vis = [r["first_unavailable_write_s"] for r in rec["anchor"]]
        minutes = max(r["outage_min"] for r in rec["anchor"])
        rows.append(
            {
                "figure": "outage visibility: refuse + reset → entities unavailable",
                "ours": _s(worst_vis, "not within 10 s"),
                "anchor": f"never (whole outage, up to {minutes:g} min)"
                if all(v is None for v in anchor_vis)
                else _s(min(v for v in anchor_vis if v is not None)),
                "goal": f"≤ {VISIBILITY_GOAL_S:g} s",
                "met": _met(worst_vis is not None and worst_vis <= VISIBILITY_GOAL_S),
            }
        )
    restart = f.get("restart", {})
    if "ours" in restart and "anchor" in restart:
        ours_r, anchor_r = restart["ours"], restart["anchor"]
        rows.append(
            {
                "figure": (
                    f"restart: thermostat down at start for {ours_r['outage_min']:g} min, "
                    "back → fresh state (setup returned after)"
                ),
                "ours": f"{_s(ours_r['fresh_after_s'], 'not within 400 s')} "
                f"(setup {_s(ours_r['setup_returned_s'])})",
                "anchor": f"{_s(anchor_r['fresh_after_s'], 'not within 400 s')} "
                f"(setup {_s(anchor_r['setup_returned_s'])})",
                "goal": f"≤ {RECOVERY_GOAL_S:g} s (setup ≤ 1 s)",
                "met": _met(
                    ours_r["fresh_after_s"] is not None
                    and ours_r["fresh_after_s"] <= RECOVERY_GOAL_S
                    and ours_r["setup_returned_s"] is not None
                    and ours_r["setup_returned_s"] <= 1
                ),
            }
        )
    van = f.get("vanished_host", {}).get("result")
    if van:
        ours_v = van["unavailable_after_s"]["ours"]
        rows.append(
            {
                "figure": "vanished host: link down → entities unavailable (real time)",
                "ours": _s(ours_v, f"not within {van['limit_s']:g} s"),
                "anchor": _s(
                    van["unavailable_after_s"]["anchor"], f"never within {van['limit_s']:g} s"
                ),
                "goal": f"≤ {VANISHED_GOAL_S:g} s",
                "met": _met(ours_v is not None and ours_v <= VANISHED_GOAL_S),
            }
        )
    else:
        rows.append(
            {
                "figure": "vanished host",
                "ours": "skipped",
                "anchor": "skipped",
                "goal": f"≤ {VANISHED_GOAL_S:g} s",
                "met": "not measured: " + f.get("vanished_host_skipped", "skipped"),
            }
        )
    cost = f.get("event_cost", {})
    if "ours" in cost and "anchor" in cost:
        ratio = cost["ours"]["cpu_us_per_event"] / cost["anchor"]["cpu_us_per_event"]
        rows.append(
            {
                "figure": "CPU per pushed event, whole stack",
                "ours": f"{cost['ours']['cpu_us_per_event']:g} µs",
                "anchor": f"{cost['anchor']['cpu_us_per_event']:g} µs",
                "goal": "ours / anchor ≤ 1/3",
                "met": f"{_met(ratio <= CPU_GOAL_RATIO)} (ratio {ratio:.2f})",
            }
        )
        rows.append(
            {
                "figure": "state writes per single-zone temperature event",
                "ours": f"{cost['ours']['writes_per_event']:g}",
                "anchor": f"{cost['anchor']['writes_per_event']:g}",
                "goal": f"≤ {WRITES_GOAL:g}",
                "met": _met(cost["ours"]["writes_per_event"] <= WRITES_GOAL),
            }
        )
    if "codec" in f:
        c = f["codec"]
        rows.append(
            {
                "figure": "codec throughput (split + parse)",
                "ours": f"{c['ours_msgs_per_s']:,} msg/s",
                "anchor": f"{c['anchor_msgs_per_s']:,} msg/s",
                "goal": "ratio reported (no goal)",
                "met": f"ratio {c['ratio']:.2f}",
            }
        )
    scale = f.get("scale", {}).get("ours")
    if scale:
        arrived, total = (int(x) for x in scale["last_values_arrived"].split("/"))
        rows.append(
            {
                "figure": (
                    f"scale: {scale['thermostats']} thermostats, {scale['zones_each']} zones each"
                ),
                "ours": (
                    f"setup {scale['setup_s']:g} s, "
                    f"{scale['rss_per_thermostat_kib']:g} KiB/thermostat, "
                    f"{scale['events_per_s']:,} events/s"
                ),
                "anchor": "not run (one port per host, hard-coded)",
                "goal": "every last value arrives",
                "met": f"{_met(arrived == total)} ({scale['last_values_arrived']})",
            }
        )
    soak = f.get("endurance")
    if soak and soak["rows"]:
        grew = [
            name
            for name in ("tasks", "open fds", "timers", "live sessions", "live links")
            if soak["rows"].get(name, [0, 0, 0])[2] > 0
        ]
        rows.append(
            {
                "figure": f"endurance: {soak['cycles']} drop/reconnect cycles (client)",
                "ours": "no count grew" if not grew else "grew: " + ", ".join(grew),
                "anchor": "not run",
                "goal": "tasks, fds, timers back to start",
                "met": _met(not grew),
            }
        )
    soak_ha = f.get("soak_ha")
    if soak_ha and soak_ha["lines"]:
        found = _soak_ha_violations(soak_ha)
        rows.append(
            {
                "figure": f"soak through Home Assistant: {soak_ha['days']:g} simulated days",
                "ours": f"{found} violations" if found is not None else "no report",
                "anchor": "not run",
                "goal": "0 violations",
                "met": _met(found == 0),
            }
        )
    return rows


def _soak_ha_violations(soak_ha: dict[str, Any]) -> int | None:
    for line in soak_ha["lines"]:
        if line.startswith("violations:"):
            return int(line.split()[1])
    return None


def soak_ha_section(soak_ha: dict[str, Any]) -> list[str]:
    """Return the Markdown of the Home Assistant-level soak's report."""
    return [
        "",
        "## Soak through Home Assistant (virtual time)",
        "",
        (
            f"How: `scripts/soak-ha --days {soak_ha['days']:g} --seed {soak_ha['seed']}` runs "
            "Home Assistant's test harness and two simulated thermostats (two entries, their own "
            "zones, names, keys and MACs) on the virtual clock through a seeded random schedule: "
            "every fault the simulator offers on either thermostat (refuse, reset, silence, "
            "flapping, malformed frames, bursts with up to three pauses anywhere, together under "
            "the 10 s zone-removal bound), zones added, renamed and removed at the thermostat, "
            "someone at the thermostat, user actions through Home Assistant's services and a "
            "script chaining two, restarts of both entries (restore states kept), reloads, "
            "diagnostics downloads at random moments, and a calendar drawn from the seed: "
            "daylight-saving transitions of several time zones (one at midnight), each lived in "
            "its zone, and time-zone changes at random moments. Named invariants are checked "
            "throughout, for each thermostat (truth, availability, action, runtime on every local "
            "date, zones, logs, secrets, resources, memory, capture: every download taken while "
            "available is served by the simulator's replay to a fresh entry, which must show the "
            "same entity states; see "
            "tests/soak_ha.py). What the integration keeps (objects of its types and the items of "
            "the containers they and its modules hold) is counted after the first hour and at "
            "each day boundary and judged; resident memory (the whole test process's) is "
            "reported. Log lines are checked as they are logged and then dropped. The suite runs "
            "one simulated day of it. Exit status: "
            f"{soak_ha['exit']}."
        ),
        "",
        *[f"{line}  " for line in soak_ha["lines"]],
    ]


def _markdown(f: dict[str, Any]) -> str:  # noqa: C901, PLR0912, PLR0915 - the report, in order
    m = f["machine"]
    out: list[str] = [
        "# Benchmarks: steamloop next to Home Assistant's own `trane`",
        "",
        "Generated by `scripts/bench`"
        + (" --quick (tiny sizes: a smoke run, not figures to quote)" if f["quick"] else "")
        + f" on {m['date']}.",
        (
            f"Machine: {m['nproc']} CPUs available ({m['cpu']}), Python {m['python']}, Home "
            f"Assistant {m['homeassistant']}; "
            "the anchor is Home Assistant's `trane` integration with the `steamloop` library "
            f"{m['steamloop_library']}."
        ),
        "",
        (
            "Both integrations run in one process inside Home Assistant's test harness "
            "(pytest-homeassistant-custom-component), each against the bundled thermostat "
            "simulator "
            "in open "
            "client-certificate mode, so both present the certificates shipped with the "
            "`steamloop` "
            "library. "
            "The anchor hard-codes port 7878; the bench (never our code) points it at the "
            "simulator's "
            "port. "
            "*Virtual time* means Home Assistant's frozen test clock, moved by the bench in "
            "steps, so "
            "minutes "
            "of backoff take milliseconds; its resolution is the step (0.1 s for recovery and "
            "visibility, "
            "0.5 s in the fault matrix). *Real time* is wall-clock. Figures are not adjusted; a "
            "goal "
            "that is "
            "not met is marked so, with the reason below."
        ),
        "",
        "![benchmarks](benchmarks.png)",
        "",
        "## Summary",
        "",
        "| figure | ours | anchor | goal | verdict |",
        "| --- | --- | --- | --- | --- |",
    ]
    out += [
        f"| {r['figure']} | {r['ours']} | {r['anchor']} | {r['goal']} | {r['met']} |"
        for r in _summary(f)
    ]
    rec = f.get("recovery", {})
    out += [
        "",
        "## Recovery and outage visibility (virtual time)",
        "",
        (
            "How: the entry is set up; the simulator stops listening (`refuse`, so connects get "
            "ECONNREFUSED) and resets every client (RST). *Unavailable after* is the time until "
            "the "
            "zone's climate entity reads `unavailable` (10 s bound). The clock then runs to the "
            "end of "
            "the outage, the zone's temperature changes on the thermostat, and the simulator "
            "listens "
            "again: *fresh after* is the time from then until the climate entity shows the new "
            "temperature (400 s bound). Two minutes pass between outages."
        ),
        "",
        (
            "| stack | outage | unavailable after | first `unavailable` write | shown at end "
            "of outage | fresh after |"
        ),
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for kind in ("ours", "anchor"):
        for r in rec.get(kind, []):
            out.append(
                f"| {kind} | {r['outage_min']} min | "
                f"{_s(r['unavailable_after_s'], 'not within 10 s')} | "
                f"{_s(r['first_unavailable_write_s'])} | {r['shown_at_end_of_outage']} | "
                f"{_s(r['fresh_after_s'], 'not within 400 s')} |"
            )
    out += [
        "",
        (
            "An *unavailable after* of 0 s means the entity was unavailable as soon as the loop "
            "had "
            "processed the reset, before the clock moved. The anchor's entities never become "
            'unavailable during an outage: its availability is "the zone is in the state", and '
            "nothing writes the "
            "entities while the link is down, so they keep showing the last values. It retries "
            "after "
            "5 s, doubling to 300 s, so its recovery depends on where the outage falls in that "
            "schedule "
            "(up to 300 s); ours retries within 1 s, then at most every 10 s."
        ),
    ]
    van = f.get("vanished_host", {}).get("result")
    out += ["", "## Vanished host (real time)", ""]
    if van:
        out += [
            (
                "How: the simulator runs in its own network namespace on a veth pair "
                "(198.18.0.0/30, the "
                "benchmarking range, used only inside namespaces the bench creates). Both "
                "integrations "
                "connect to it; then the namespace's end of the veth is set down, so packets "
                "vanish "
                "without a RST or FIN. Reported: real seconds until each stack's climate entity "
                "reads "
                f"unavailable, polled every 0.25 s, for at most {van['limit_s']:g} s."
            ),
            "",
            f"- ours: {_s(van['unavailable_after_s']['ours'], 'not within the bound')}",
            (
                f"- anchor: {_s(van['unavailable_after_s']['anchor'], 'never within the bound')} "
                "(it has no keepalive or read timeout; the kernel gives up on its socket only "
                "after "
                "about 15 minutes of retransmissions, and only if something is sent)"
            ),
        ]
        ours_v = van["unavailable_after_s"]["ours"]
        if ours_v is None or ours_v > VANISHED_GOAL_S:
            out += [
                "",
                (
                    f"Goal ≤ {VANISHED_GOAL_S:g} s: **not met**. Likely why (not isolated by this "
                    "bench): the link went down a few seconds after login, while idle. "
                    "The client's "
                    "heartbeat, written 55 s after login, is then unacknowledged data, and with "
                    "data in flight Linux stops keepalive probing and lets TCP_USER_TIMEOUT (60 s) "
                    "run from that write: 55 + 60 ≈ 115 s. The documented 90 s bound "
                    "(keepalive 20 s + 4 x 10 s) holds only when no write happens before the "
                    "probes finish; a "
                    "heartbeat in between pushes detection to about heartbeat time + 60 s."
                ),
            ]
    else:
        out += [
            f"Not measured in this run: {f.get('vanished_host_skipped', 'skipped with --quick')}."
        ]
    restart = f.get("restart", {})
    if restart:
        out += [
            "",
            "## Restart with the thermostat down (virtual time)",
            "",
            (
                "How: the entry is set up and unloaded; the simulator stops listening and the "
                "entry is set up again, as at Home Assistant's start after a power cut that the "
                "thermostat takes longer to come back from. *Setup returned after* is how long "
                "that setup held Home Assistant's start (60 s bound). The outage then runs on, "
                "the zone's temperature changes, and the simulator listens again: *fresh after* "
                "is the time until the climate entity shows it (400 s bound)."
            ),
            "",
            "| stack | outage | setup returned after | entry after setup | fresh after |",
            "| --- | --- | --- | --- | --- |",
        ]
        for kind in ("ours", "anchor"):
            if kind in restart:
                r = restart[kind]
                out.append(
                    f"| {kind} | {r['outage_min']:g} min | {_s(r['setup_returned_s'])} | "
                    f"{r['entry_state_after_setup']} | "
                    f"{_s(r['fresh_after_s'], 'not within 400 s')} |"
                )
        out += [
            "",
            (
                "Ours sets an entry that has connected before up at once from the structure it "
                "last saw, with its entities unavailable, and reconnects on its own schedule "
                "(within 1 s, then at most every 10 s). The anchor fails setup and is left to "
                "Home Assistant's retry backoff for not-ready entries."
            ),
        ]
    latency = f.get("action_latency", {})
    if latency:
        out += [
            "",
            "## Action latency (real time)",
            "",
            (
                "How: `climate.set_temperature` on a zone in heat, alternating 70/71 °F, "
                f"{latency.get('ours', latency.get('anchor', {})).get('actions', 0)} times, "
                "against the loopback simulator; the time from the service call to its return, "
                "and how often the entity already showed the new target when it returned. Ours "
                "returns once the thermostat reported the change (so a script's next step sees "
                "it); the anchor returns once the frame is written, unconfirmed."
            ),
            "",
            "| stack | p50 | p99 | shown on return |",
            "| --- | --- | --- | --- |",
        ]
        for kind in ("ours", "anchor"):
            if kind in latency:
                a = latency[kind]
                out.append(
                    f"| {kind} | {a['p50_ms']:g} ms | {a['p99_ms']:g} ms "
                    f"| {a['shown_on_return'] * 100:.0f} % |"
                )
    cost = f.get("event_cost", {})
    if cost:
        out += [
            "",
            "## Cost per pushed event (real time)",
            "",
            (
                "How: with the entry set up against a two-zone thermostat, the simulator writes "
                "one "
                f"burst of {cost.get('ours', cost.get('anchor', {})).get('events', 0):,} "
                "`IndoorTemperatureUpdated` frames for zone 1 (alternating 70/71 °F, then 80 °F "
                "as an "
                "end "
                "marker) in a single socket write. CPU is `time.process_time()` of the whole "
                "process "
                "from "
                "the write until the climate entity shows the marker: TLS on both ends, splitting, "
                "parsing, state, entity writes and Home Assistant's event bus. State writes count "
                "`state_changed` + `state_reported` events of the entry's entities."
            ),
            "",
            "| stack | CPU per event | wall | state writes per event | enabled entities |",
            "| --- | --- | --- | --- | --- |",
        ]
        for kind in ("ours", "anchor"):
            if kind in cost:
                c = cost[kind]
                out.append(
                    f"| {kind} | {c['cpu_us_per_event']:g} µs | {c['wall_s']:g} s | "
                    f"{c['writes_per_event']:g} | {c['entities']} |"
                )
        if "ours" in cost and "anchor" in cost:
            ratio = cost["ours"]["cpu_us_per_event"] / cost["anchor"]["cpu_us_per_event"]
            verdict = "met" if ratio <= CPU_GOAL_RATIO else "not met"
            out += ["", f"CPU ratio ours / anchor: {ratio:.2f} (goal ≤ 0.33: {verdict})."]
            out += [
                (
                    "Ours writes each entity at most once per received chunk, with the last "
                    "value that chunk carried, so a burst read in 64 KiB chunks costs a few dozen "
                    "state writes rather than two per event; a single event on a quiet link is "
                    "still written at once. The anchor writes its entities for every event."
                )
            ]
    c = f.get("codec")
    if c:
        out += [
            "",
            "## Codec throughput (real time, no sockets)",
            "",
            (
                f"How: {c['messages']:,} frames of the thermostat's usual mix (temperature, "
                "setpoints, "
                "humidity, cooling status, login response, heartbeat), cut into "
                f"{c['chunk_bytes'] // 1024} KiB "
                "chunks as TLS records deliver them. Ours: `FrameSplitter.feed` + `decode_all` "
                "(typed messages, every envelope of a frame, scalars coerced to strings), as the "
                "session calls them. Anchor: the upstream `ThermostatProtocol.data_received` "
                "buffer "
                "code "
                "with a connection stand-in that only counts messages (so its dispatch and entity "
                f"writes are left out). Best of {c['repeats']} runs each."
            ),
            "",
            f"- ours: {c['ours_msgs_per_s']:,} messages/s ({c['ours_decoded']:,} decoded)",
            f"- anchor: {c['anchor_msgs_per_s']:,} messages/s ({c['anchor_parsed']:,} parsed)",
            f"- ratio ours / anchor: {c['ratio']:.2f}",
        ]
    scale = f.get("scale", {}).get("ours")
    if scale:
        out += [
            "",
            "## Scale (real time, ours only)",
            "",
            (
                f"How: {scale['thermostats']} simulators with {scale['zones_each']} zones each "
                "in the same "
                "process, one entry each, set up together (`async_setup_component`). Setup time is "
                "wall time including every login and its 1 s end-of-burst wait; memory is the "
                "process's "
                "RSS growth from before the entries to after, divided by the thermostats "
                "(simulators "
                "already running, so not counted). Then every zone of every thermostat gets "
                f"{scale['events'] // (scale['thermostats'] * scale['zones_each'])} successive "
                "temperature "
                "changes through the simulators' plant, and events per second is events / wall "
                "time "
                "until every climate entity shows its last value. The simulators run in the same "
                "process "
                "and their cost is included. The anchor is not run: it connects to port 7878 only."
            ),
            "",
            (
                f"- loaded entries: {scale['loaded']}/{scale['thermostats']}, "
                f"states in Home Assistant: {scale['entities']}"
            ),
            f"- setup: {scale['setup_s']:g} s",
            f"- memory: {scale['rss_per_thermostat_kib']:g} KiB RSS per thermostat",
            (
                f"- {scale['events']:,} events at {scale['events_per_s']:,} events/s "
                f"({scale['cpu_s']:g} s CPU); "
                f"last values arrived: {scale['last_values_arrived']}; climate state changes "
                f"written: {scale['climate_writes']:,}"
            ),
        ]
    soak = f.get("endurance")
    if soak:
        out += [
            "",
            "## Endurance (virtual time)",
            "",
            (
                f"How: `scripts/soak --cycles {soak['cycles']}` runs the client's supervisor "
                "(not Home "
                "Assistant) through drop/reconnect cycles against the simulator: TLS close, "
                "reset, an "
                "oversized frame, refusing connections for 30 s, in turn. Figures after a 20-cycle "
                "warm-up, before and after. Exit status: "
                f"{soak['exit']}."
            ),
            "",
            "| | before | after | change |",
            "| --- | --- | --- | --- |",
        ]
        out += [f"| {name} | {v[0]} | {v[1]} | {v[2]:+d} |" for name, v in soak["rows"].items()]
        out += ["", *[f"{line}  " for line in soak["summary"]]]
        out += [
            "",
            (
                "Not measured through the Home Assistant layer here: the soak through Home "
                "Assistant follows."
                if f.get("soak_ha")
                else "Not measured through the Home Assistant layer: the soak covers the "
                "connection manager only."
            ),
        ]
    soak_ha = f.get("soak_ha")
    if soak_ha:
        out += soak_ha_section(soak_ha)
    faults = f.get("faults", {})
    if faults:
        window = next(iter(faults.values()))["window_s"]
        out += [
            "",
            "## Fault matrix (virtual time)",
            "",
            (
                "How: each fault is run on its own, once per stack, on a fresh two-zone "
                "thermostat. The "
                f"zone's climate entity is sampled every 0.5 s for {window:g} virtual seconds; "
                "at the "
                "time "
                "shown the zone's temperature changes on the thermostat (to see whether the user "
                "gets "
                "fresh values). Re-authentication flows, repair issues, login attempts seen by the "
                "simulator and ERROR log lines are counted. Times are seconds after the fault."
            ),
            "",
            "| fault | ours: what the user sees | anchor: what the user sees |",
            "| --- | --- | --- |",
        ]
        for name, title in FAULT_TITLES.items():
            ours, anchor = faults.get(f"{name}/ours"), faults.get(f"{name}/anchor")
            if ours or anchor:
                out.append(
                    f"| {title} | {_fault_text(ours) if ours else 'not run'} | "
                    f"{_fault_text(anchor) if anchor else 'not run'} |"
                )
    out += ["", "## Not done", ""]
    missing = []
    if f["quick"]:
        missing.append(
            "This is a --quick run: tiny sizes, one outage length, two faults, no network "
            "namespace."
        )
    if "vanished_host" not in f:
        missing.append("Vanished host: " + f.get("vanished_host_skipped", "not measured") + ".")
    missing.append(
        "Scale and endurance are not measured for the anchor (it cannot reach 50 ports without "
        "patching its library, and it has no soak harness)."
    )
    if "soak_ha" not in f:
        missing.append(
            "Endurance is measured on the connection manager alone (scripts/soak), not through "
            "Home Assistant."
        )
    out += [f"- {line}" for line in missing]
    return "\n".join(out) + "\n"


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


OURS_COLOUR = (31, 119, 180)
ANCHOR_COLOUR = (214, 96, 77)
GOAL_COLOUR = (40, 160, 60)


def _panels(
    f: dict[str, Any],
) -> list[tuple[str, str, list[tuple[str, float | None, float | None]], float | None]]:
    """Return (title, unit, [(label, ours, anchor)], goal) for each panel; None = not reached."""
    panels: list[tuple[str, str, list[tuple[str, float | None, float | None]], float | None]] = []
    rec = f.get("recovery", {})
    if rec.get("ours") and rec.get("anchor"):
        bars = [
            (f"{o['outage_min']} min", o["fresh_after_s"], a["fresh_after_s"])
            for o, a in zip(rec["ours"], rec["anchor"], strict=False)
        ]
        panels.append(("Recovery: back -> fresh state (s)", "s", bars, RECOVERY_GOAL_S))
        bars = [
            (f"{o['outage_min']} min", o["unavailable_after_s"], a["first_unavailable_write_s"])
            for o, a in zip(rec["ours"], rec["anchor"], strict=False)
        ]
        panels.append(("Outage -> unavailable (s)", "s", bars, VISIBILITY_GOAL_S))
    van = f.get("vanished_host", {}).get("result")
    if van:
        panels.append(
            (
                "Vanished host -> unavailable (s, real)",
                "s",
                [
                    (
                        "link down",
                        van["unavailable_after_s"]["ours"],
                        van["unavailable_after_s"]["anchor"],
                    )
                ],
                VANISHED_GOAL_S,
            )
        )
    cost = f.get("event_cost", {})
    if "ours" in cost and "anchor" in cost:
        panels.append(
            (
                "CPU per pushed event (us)",
                "us",
                [("event", cost["ours"]["cpu_us_per_event"], cost["anchor"]["cpu_us_per_event"])],
                None,
            )
        )
        panels.append(
            (
                "State writes per temperature event",
                "",
                [("event", cost["ours"]["writes_per_event"], cost["anchor"]["writes_per_event"])],
                WRITES_GOAL,
            )
        )
    if "codec" in f:
        c = f["codec"]
        panels.append(
            (
                "Codec throughput (k msg/s)",
                "k msg/s",
                [("split+parse", c["ours_msgs_per_s"] / 1000, c["anchor_msgs_per_s"] / 1000)],
                None,
            )
        )
    return panels


def _draw_panel(
    draw: ImageDraw.ImageDraw,
    box: tuple[int, int, int, int],
    panel: tuple[str, str, list[tuple[str, float | None, float | None]], float | None],
) -> None:
    left, top, right, bottom = box
    title, unit, bars, goal = panel
    draw.text((left + 10, top + 6), title, fill="black", font=_font(18))
    plot_top, plot_bottom, plot_left = top + 40, bottom - 40, left + 20
    values = [v for _, o, a in bars for v in (o, a) if v is not None] + ([goal] if goal else [])
    scale_max = max(values, default=1.0) * 1.25 or 1.0
    group = (right - plot_left - 20) / max(len(bars), 1)
    width = min(60.0, group / 3)
    draw.line([(plot_left, plot_bottom), (right - 10, plot_bottom)], fill="black", width=1)
    for index, (label, ours, anchor) in enumerate(bars):
        x = plot_left + group * index + group / 2
        for offset, value, colour in ((-width, ours, OURS_COLOUR), (0.0, anchor, ANCHOR_COLOUR)):
            x0 = x + offset
            if value is None:
                draw.text((x0 + 4, plot_bottom - 40), "never", fill=colour, font=_font(14))
                continue
            height = (plot_bottom - plot_top) * value / scale_max
            draw.rectangle([(x0, plot_bottom - height), (x0 + width - 4, plot_bottom)], fill=colour)
            draw.text((x0, plot_bottom - height - 18), f"{value:.3g}", fill="black", font=_font(14))
        draw.text((x - width, plot_bottom + 6), label, fill="black", font=_font(14))
    if goal:
        y = plot_bottom - (plot_bottom - plot_top) * goal / scale_max
        draw.line([(plot_left, y), (right - 10, y)], fill=GOAL_COLOUR, width=2)
        draw.text((right - 120, y - 18), f"goal {goal:g} {unit}", fill=GOAL_COLOUR, font=_font(14))


def _png(f: dict[str, Any], path: Path) -> None:
    panels = _panels(f)
    columns = 3
    rows = max(1, -(-len(panels) // columns))
    cell_w, cell_h, header = 460, 300, 60
    image = Image.new("RGB", (cell_w * columns, header + cell_h * rows), "white")
    draw = ImageDraw.Draw(image)
    draw.text(
        (10, 10), "steamloop (ours) vs Home Assistant trane (anchor)", fill="black", font=_font(22)
    )
    draw.rectangle([(620, 16), (640, 32)], fill=OURS_COLOUR)
    draw.text((646, 14), "ours", fill="black", font=_font(16))
    draw.rectangle([(720, 16), (740, 32)], fill=ANCHOR_COLOUR)
    draw.text((746, 14), "anchor", fill="black", font=_font(16))
    draw.text(
        (850, 14),
        f"{f['machine']['date']}" + (" (quick run)" if f["quick"] else ""),
        fill=(90, 90, 90),
        font=_font(16),
    )
    for index, panel in enumerate(panels):
        col, row = index % columns, index // columns
        box = (col * cell_w, header + row * cell_h, (col + 1) * cell_w, header + (row + 1) * cell_h)
        draw.rectangle(
            [(box[0] + 4, box[1] + 4), (box[2] - 4, box[3] - 4)], outline=(200, 200, 200)
        )
        _draw_panel(draw, box, panel)
    image.save(path)


def write(figures: dict[str, Any], out: Path) -> None:
    """Write benchmarks.md and benchmarks.png into `out`."""
    (out / "benchmarks.md").write_text(_markdown(figures))
    _png(figures, out / "benchmarks.png")
