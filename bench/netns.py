"""A simulated thermostat in its own network namespace, behind a veth pair that can vanish."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import TracebackType
from typing import Self

ROOT = Path(__file__).resolve().parent.parent
# RFC 2544's benchmarking range, used only on the veth pair between our own namespaces.
HOST_ADDRESS = "198.18.0.1/30"
THERMOSTAT = "198.18.0.2"
PORT = 7878
KEY = "bench-key"
LIMIT_S = 150.0


def _ip(*args: str, check: bool = True) -> None:
    command = [shutil.which("ip") or "/usr/sbin/ip", *args]
    subprocess.run(command, check=check, capture_output=True)  # noqa: S603 - iproute2, fixed args


class Namespace:
    """Sets up the namespace and simulator on enter and removes everything on exit."""

    def __init__(self) -> None:
        """Name the namespace and interfaces after this process."""
        suffix = os.getpid() % 100_000
        self.name = f"slbench{suffix}"
        self.outer = f"slb{suffix}o"
        self.inner = f"slb{suffix}i"
        self.reason: str | None = None
        self.simulator: subprocess.Popen[str] | None = None
        self.created = False

    def __enter__(self) -> Self:
        """Create the namespace, the veth pair and start the simulator; set `reason` if not."""
        if os.geteuid() != 0:
            self.reason = "needs root (ip netns)"
            return self
        if shutil.which("ip") is None:
            self.reason = "iproute2 is not installed"
            return self
        try:
            _ip("netns", "add", self.name)
            self.created = True
            _ip("link", "add", self.outer, "type", "veth", "peer", "name", self.inner)
            _ip("link", "set", self.inner, "netns", self.name)
            _ip("addr", "add", HOST_ADDRESS, "dev", self.outer)
            _ip("link", "set", self.outer, "up")
            inside = ("netns", "exec", self.name, "ip")
            _ip(*inside, "addr", "add", f"{THERMOSTAT}/30", "dev", self.inner)
            _ip(*inside, "link", "set", self.inner, "up")
            _ip(*inside, "link", "set", "lo", "up")
        except (OSError, subprocess.CalledProcessError) as err:
            self.reason = f"could not set up the namespace: {err}"
            return self
        command = ["ip", "netns", "exec", self.name, sys.executable, "-m", "simulator"]
        command += ["--host", THERMOSTAT, "--port", str(PORT), "--open", "--key", KEY]
        self.simulator = subprocess.Popen(  # noqa: S603 - our own simulator
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        first = self.simulator.stdout.readline() if self.simulator.stdout else ""
        if "listening on" not in first:
            self.reason = f"the simulator did not start: {first.strip()!r}"
        return self

    def describe(self) -> str:
        """Return the target for the harness case: address, port and the command that drops it."""
        down = ["ip", "netns", "exec", self.name, "ip", "link", "set", self.inner, "down"]
        return json.dumps({"host": THERMOSTAT, "port": PORT, "down": down, "limit": LIMIT_S})

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the simulator and delete the namespace (its veth end goes with it)."""
        if self.simulator is not None:
            self.simulator.terminate()
            try:
                self.simulator.wait(10)
            except subprocess.TimeoutExpired:
                self.simulator.kill()
                self.simulator.wait()
        if self.created:
            _ip("netns", "del", self.name, check=False)
            _ip("link", "del", self.outer, check=False)
