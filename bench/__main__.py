"""Run the benchmarks and write the report: `scripts/bench [--quick] [--out DIR]`."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.releases import supported_releases

from . import codec, netns, report
from .figures import Endurance, Figures, SoakHa

ROOT = Path(__file__).resolve().parent.parent


def _child_env(**extra: str) -> dict[str, str]:
    """Return this process's environment without an outer pytest's or coverage's settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "COV_CORE_", "COVERAGE_"))
    }
    return env | extra


def run_cases(results: Path, *, quick: bool, netns_target: str | None, only: str | None) -> int:
    """Run the Home Assistant harness cases in a child pytest; their figures land in `results`."""
    env = _child_env(BENCH_RESULTS=str(results), BENCH_QUICK="1" if quick else "0")
    if netns_target:
        env["BENCH_NETNS"] = netns_target
    command = [sys.executable, "-m", "pytest", "bench/cases.py", "-q", "-p", "no:randomly"]
    command += ["-p", "no:xdist", "--no-header", "-o", "log_level=INFO"]
    if only:
        command += ["-k", only]
    completed = subprocess.run(  # noqa: S603 - our own interpreter and case file
        command, cwd=ROOT, env=env, check=False, capture_output=True, text=True
    )
    tail = completed.stdout.strip().splitlines()[-1:] if completed.stdout else []
    sys.stdout.write(f"  harness: {' '.join(tail)}\n")
    if completed.returncode not in {0, 5}:
        failures = [
            line for line in completed.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))
        ]
        sys.stdout.write("".join(f"  {line}\n" for line in failures))
    return completed.returncode


SOAK_ROW = re.compile(
    r"^(tasks|open fds|timers|live sessions|live links|RSS \(KiB\)|traced \(KiB\))"
    r"\s+(-?\d+)\s+(-?\d+)\s+([+-]\d+)$"
)


def run_soak(cycles: int) -> Endurance:
    """Run scripts/soak and parse its before/after table."""
    completed = subprocess.run(  # noqa: S603 - this repository's soak script
        [sys.executable, str(ROOT / "scripts" / "soak"), "--cycles", str(cycles)],
        cwd=ROOT,
        env=_child_env(),
        check=False,
        capture_output=True,
        text=True,
    )
    rows: dict[str, list[int]] = {}
    for line in completed.stdout.splitlines():
        if match := SOAK_ROW.match(line.strip()):
            rows[match[1]] = [int(match[2]), int(match[3]), int(match[4])]
    summary = [
        line
        for line in completed.stdout.splitlines()
        if line.startswith(("connects", "virtual", "no leak", "LEAK"))
    ]
    return Endurance(cycles=cycles, exit=completed.returncode, rows=rows, summary=summary)


def run_soak_ha(days: float, seed: int, release: str | None = None) -> SoakHa:
    """Run scripts/soak-ha (the whole stack through Home Assistant) and keep its report."""
    on_release = [] if release is None else ["--release", release]
    completed = subprocess.run(  # noqa: S603 - this repository's soak script
        [
            sys.executable,
            str(ROOT / "scripts" / "soak-ha"),
            "--days",
            f"{days:g}",
            "--seed",
            str(seed),
            *on_release,
        ],
        cwd=ROOT,
        env=_child_env(),
        check=False,
        capture_output=True,
        text=True,
    )
    lines = [line for line in completed.stdout.splitlines() if line.strip()]
    soak = SoakHa(days=days, seed=seed, exit=completed.returncode, lines=lines)
    if release is not None:
        soak["release"] = release
    return soak


def newest_release() -> str | None:
    """Return the newest supported release when its environment is not the locked one."""
    releases = list(supported_releases())
    oldest, newest = releases[0], releases[-1]
    if newest == oldest or not (ROOT / f".venv-{newest}" / "bin" / "python").exists():
        return None
    return newest


def main() -> int:
    """Run every benchmark and write the report; return the exit status."""
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes, no network namespace (CI smoke run)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="directory for benchmarks.md/.png (default docs/; required with --quick)",
    )
    parser.add_argument(
        "-k",
        dest="only",
        default=None,
        help="only the harness cases matching this pytest -k expression",
    )
    parser.add_argument(
        "--render", type=Path, default=None, help="only write the report from a saved figures file"
    )
    args = parser.parse_args()
    if args.quick and args.out is None:
        parser.error("--quick writes to a directory given by --out, never into docs/")
    out: Path = args.out or ROOT / "docs"
    out.mkdir(parents=True, exist_ok=True)
    if args.render:
        report.write(json.loads(args.render.read_text()), out)
        return 0
    figures: Figures = {"quick": args.quick, "machine": report.machine()}
    if args.only:
        figures["only"] = args.only

    with tempfile.TemporaryDirectory(prefix="steamloop-bench-") as tmp:
        results = Path(tmp) / "results.json"
        sys.stdout.write("bench: Home Assistant harness cases (virtual time where stated)\n")
        status = run_cases(results, quick=args.quick, netns_target=None, only=args.only)
        if not args.quick:
            sys.stdout.write("bench: vanished host (network namespace, real time)\n")
            with netns.Namespace() as target:
                if target.reason:
                    figures["vanished_host_skipped"] = target.reason
                    sys.stdout.write(f"  skipped: {target.reason}\n")
                else:
                    run_cases(results, quick=False, netns_target=target.describe(), only="vanished")
        if results.exists():
            figures |= json.loads(results.read_text())
    sys.stdout.write("bench: codec throughput\n")
    figures["codec"] = codec.run(quick=args.quick)
    sys.stdout.write("bench: endurance (scripts/soak)\n")
    figures["endurance"] = run_soak(20 if args.quick else 1000)
    sys.stdout.write("bench: Home Assistant soak (scripts/soak-ha)\n")
    figures["soak_ha"] = run_soak_ha(0.25 if args.quick else 7.0, 20)
    if not args.quick and (newest := newest_release()) is not None:
        sys.stdout.write(f"bench: Home Assistant soak on {newest}\n")
        figures["soak_ha_newest"] = run_soak_ha(7.0, 20, newest)
    # The raw figures: next to the report in a quick run, in the temporary directory otherwise.
    saved = (
        out / "benchmarks.json"
        if args.quick
        else Path(tempfile.gettempdir()) / "steamloop-bench.json"
    )
    saved.write_text(json.dumps(figures, indent=1))
    sys.stdout.write(f"bench: figures saved in {saved}\n")
    report.write(figures, out)
    sys.stdout.write(f"bench: wrote {out / 'benchmarks.md'} and {out / 'benchmarks.png'}\n")
    return 0 if status in {0, 5} else 1


if __name__ == "__main__":
    sys.exit(main())
