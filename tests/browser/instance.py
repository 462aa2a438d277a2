"""The browser tests' world: simulated thermostats and Home Assistant as real processes.

Everything here is synchronous (the tests drive Chromium through Playwright's sync API): child
processes, their output files, and the simulators' control channel (one command a line on the
simulator's standard input, one answer a line on its standard output).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest_socket
import yaml

from tests.develop_seed_module import load_develop_seed

ROOT = Path(__file__).resolve().parents[2]
HOOKS = Path(__file__).resolve().parent / "steamloop_test_hooks"
USERNAME = "browser"
PASSWORD = "browser-password"  # noqa: S105 - the throwaway login of a throwaway instance
# The pairing step's wait in the test instance: longer than one 5 s retry, short for a suite.
PAIRING_TIMEOUT = 8
STARTUP_TIMEOUT = 120.0
STOP_TIMEOUT = 20.0

# Everything that could make a child process pick up other packages or record coverage.
_CHILD_ENV_DROP = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE")
_CHILD_ENV_DROP_PREFIXES = ("COV_CORE_", "COVERAGE_")


def child_env() -> dict[str, str]:
    """Return the environment for a child process."""
    return {
        name: value
        for name, value in os.environ.items()
        if name not in _CHILD_ENV_DROP and not name.startswith(_CHILD_ENV_DROP_PREFIXES)
    }


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port on a loopback address that is free right now."""
    pytest_socket.enable_socket()
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((host, 0))
            return int(sock.getsockname()[1])
    finally:
        pytest_socket.disable_socket(allow_unix_socket=True)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Terminate a child (SIGTERM, then SIGKILL) and reap it."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Thermostat:
    """One simulated thermostat, in its own process, on its own loopback address."""

    host: str
    key: str
    process: subprocess.Popen[bytes]
    port: int = 0
    fingerprint: str = ""
    # The title of its entry once added ("Thermostat 3"): what the UI names it by.
    title: str = ""
    log: Path | None = None
    _answers: IO[bytes] | None = field(default=None, repr=False)

    @classmethod
    def start(cls, host: str, key: str, log: Path, *extra: str) -> Thermostat:
        """Start the simulator in open mode with its control channel; read its banner."""
        args = [sys.executable, "-m", "simulator", "--host", host, "--port", "0", "--open"]
        args += ["--key", key, "--control", *extra]
        with log.open("wb") as err:
            process = subprocess.Popen(  # noqa: S603 - our own simulator
                args,
                cwd=ROOT,
                env=child_env(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
            )
        thermostat = cls(host=host, key=key, process=process, log=log, _answers=process.stdout)
        thermostat._read_banner()
        return thermostat

    def _line(self) -> str:
        assert self._answers is not None
        line = self._answers.readline().decode()
        if not line:
            tail = self.log.read_text(errors="replace")[-2000:] if self.log else ""
            msg = f"the simulator on {self.host} exited:\n{tail}"
            raise RuntimeError(msg)
        return line.strip()

    def _read_banner(self) -> None:
        while not self.fingerprint:
            line = self._line()
            if match := re.match(r"listening on \S+:(\d+) ", line):
                self.port = int(match.group(1))
            elif match := re.match(r"server certificate sha256: ([0-9a-f]{64})", line):
                self.fingerprint = match.group(1)

    def control(self, command: str) -> str:
        """Send one control command; return the answer after "ok", fail on an error."""
        assert self.process.stdin is not None
        self.process.stdin.write(f"1 {command}\n".encode())
        self.process.stdin.flush()
        answer = self._line()
        assert answer.startswith("ok"), f"{command}: {answer}"
        return answer.removeprefix("ok").strip()

    def stop(self) -> None:
        """Close the control channel (the simulator then stops) and reap it."""
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            stop_process(self.process)
        if self.process.stdout is not None:
            self.process.stdout.close()


def prepare_config(config: Path, http_port: int, hooks: dict[str, object]) -> None:
    """Write a configuration directory: the development one, our port, both integrations."""
    dev = yaml.safe_load((ROOT / "config" / "configuration.yaml").read_text(encoding="utf-8"))
    dev["http"] = {**dev["http"], "server_host": "127.0.0.1", "server_port": http_port}
    dev["steamloop_test_hooks"] = hooks
    config.mkdir(parents=True, exist_ok=True)
    (config / "configuration.yaml").write_text(yaml.safe_dump(dev), encoding="utf-8")
    components = config / "custom_components"
    components.mkdir(exist_ok=True)
    # A regular package, so it wins over the project's own custom_components on the path.
    (components / "__init__.py").write_text("", encoding="utf-8")
    (components / "steamloop").symlink_to(ROOT / "custom_components" / "steamloop")
    (components / "steamloop_test_hooks").symlink_to(HOOKS)
    storage = config / ".storage"
    storage.mkdir(exist_ok=True)
    seed = load_develop_seed()
    preset = seed.ONBOARDING_PRESET
    (storage / "onboarding").write_text(json.dumps(preset), encoding="utf-8")


@dataclass
class HomeAssistant:
    """A Home Assistant process with the real frontend, onboarded."""

    url: str
    config: Path
    process: subprocess.Popen[bytes]

    @property
    def log(self) -> Path:
        """Return Home Assistant's log file."""
        return self.config / "home-assistant.log"


@contextlib.contextmanager
def home_assistant(config: Path, http_port: int) -> Iterator[HomeAssistant]:
    """Run Home Assistant on `config` until the context ends; onboard it first."""
    url = f"http://127.0.0.1:{http_port}"
    with (config.parent / "hass.out").open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - Home Assistant from our own venv
            [sys.executable, "-m", "homeassistant", "-c", str(config), "--skip-pip"],
            cwd=config,
            env=child_env(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
        )
    try:
        # The development seed script waits for the API, creates the user and finishes
        # onboarding through the endpoints the frontend uses.
        seeded = subprocess.run(  # noqa: S603
            [
                sys.executable,
                str(ROOT / "scripts" / "develop_seed.py"),
                "--url",
                url,
                "--username",
                USERNAME,
                "--password",
                PASSWORD,
                "--timeout",
                str(STARTUP_TIMEOUT),
                "--no-entry",
            ],
            cwd=ROOT,
            env=child_env(),
            capture_output=True,
            check=False,
            timeout=STARTUP_TIMEOUT + 30,
        )
        if seeded.returncode:
            tail = (config.parent / "hass.out").read_text(errors="replace")[-3000:]
            msg = f"onboarding failed: {seeded.stderr.decode()}\n{tail}"
            raise RuntimeError(msg)
        yield HomeAssistant(url=url, config=config, process=process)
    finally:
        stop_process(process)
