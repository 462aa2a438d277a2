"""The benchmark's smoke run works end to end; it never judges a timing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_quick_runs_and_produces_numbers(tmp_path: Path, socket_enabled: None) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_CORE_"))}
    completed = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench", "--quick", "--out", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    figures = json.loads((tmp_path / "benchmarks.json").read_text())
    for kind in ("ours", "anchor"):
        assert figures["event_cost"][kind]["cpu_us_per_event"] > 0
        assert figures["recovery"][kind][0]["outage_min"] == 1
    assert figures["codec"]["ours_msgs_per_s"] > 0
    assert figures["scale"]["ours"]["events"] > 0
    assert figures["endurance"]["rows"]
    assert (tmp_path / "benchmarks.md").read_text().startswith("# Benchmarks")
    assert (tmp_path / "benchmarks.png").stat().st_size > 0
    assert not (ROOT / "docs" / "benchmarks.json").exists()
