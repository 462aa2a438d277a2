"""A real Home Assistant process with the integration, against the simulator as a process.

Home Assistant is onboarded and the entry added through the HTTP endpoints the frontend uses
(scripts/develop_seed.py, loaded by path), states are read over the REST API, the thermostat is
stopped and started again on the same port with the same certificate, and every string of ours is
looked up through the websocket API as the frontend does.

Home Assistant runs without --skip-pip from an environment that lacks our requirements, so it
installs them itself, under its own constraints, as it does on a user's installation (from the
wheels scripts/setup fetched, offline). Any warning that names steamloop fails the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import site
import socket
import sys
import time
import venv
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from packaging.requirements import Requirement

from simulator.plant import Plant
from tests import ha_compat
from tests.develop_seed_module import load_develop_seed

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
KEY = "e2e-key-0000"
ZONES = 2
USERNAME = "e2e"
PASSWORD = "e2e-password"  # noqa: S105 - the throwaway login of a throwaway instance

POLL = 0.2
STARTUP_TIMEOUT = 90.0
STATE_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0

# Everything that could make a child process pick up other packages or record coverage.
_CHILD_ENV_DROP = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE")
_CHILD_ENV_DROP_PREFIXES = ("COV_CORE_", "COVERAGE_")
_LOG_RECORD_START = re.compile(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)")
# Our code in a log record: the logger, a stack frame, or Home Assistant naming the integration.
_OURS = re.compile(r"custom_components[./]steamloop|integration 'steamloop'")
# Any mention of us: our modules, or the name on its own (not a path like .cache/steamloop-dev).
_NAMES_US = re.compile(r"custom_components[./]steamloop|(?<![\w/.-])steamloop(?![\w-])")
_LEVEL = re.compile(r"^\S+ \S+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")
# The one warning Home Assistant logs for every custom integration.
_NOT_TESTED = "We found a custom integration steamloop which has not been tested by Home Assistant"
MANIFEST = json.loads(
    (ROOT / "custom_components" / "steamloop" / "manifest.json").read_text(encoding="utf-8")
)
WHEELS = Path(sys.prefix) / "steamloop-wheels"

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]


develop_seed = load_develop_seed()


def _free_port() -> int:
    """Return a TCP port on the loopback interface that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _child_env() -> dict[str, str]:
    """Return the environment for a child process."""
    return {
        name: value
        for name, value in os.environ.items()
        if name not in _CHILD_ENV_DROP and not name.startswith(_CHILD_ENV_DROP_PREFIXES)
    }


@dataclass
class Child:
    """A running child process and the file its output goes to."""

    name: str
    process: asyncio.subprocess.Process
    output: Path

    def tail(self, lines: int = 30) -> str:
        """Return the last lines of the output."""
        text = self.output.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    async def stop(self) -> None:
        """Terminate the process (SIGTERM, then SIGKILL) and reap it."""
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    self.process.kill()
                await self.process.wait()


@contextlib.contextmanager
def _output_file(path: Path) -> Iterator[int]:
    """Open a file for a child's stdout and stderr; the child keeps its own copy."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        yield fd
    finally:
        os.close(fd)


async def _spawn(
    name: str, args: list[str], output: Path, cwd: Path, env: Mapping[str, str] | None = None
) -> Child:
    """Start a child process with its output in a file."""
    with _output_file(output) as fd:
        process = await asyncio.create_subprocess_exec(
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=fd,
            stderr=fd,
            cwd=cwd,
            env=_child_env() | dict(env or {}),
        )
    return Child(name, process, output)


async def _until[T](what: str, probe: Callable[[], Awaitable[T | None]], seconds: float) -> T:
    """Poll probe until it returns something other than None; fail after that many seconds."""
    deadline = time.monotonic() + seconds
    while True:
        if (value := await probe()) is not None:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {seconds:.0f} s waiting for {what}")
        await asyncio.sleep(POLL)


async def _while_alive[T](child: Child, awaitable: Awaitable[T]) -> T:
    """Await something, failing at once if the child exits meanwhile."""
    work = asyncio.ensure_future(awaitable)
    exited = asyncio.ensure_future(child.process.wait())
    try:
        await asyncio.wait({work, exited}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for future in (work, exited):
            if not future.done():
                future.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await future
    if work.done() and not work.cancelled():
        return work.result()
    status = child.process.returncode
    pytest.fail(f"{child.name} exited with status {status}:\n{child.tail()}")


@dataclass(frozen=True)
class Thermostat:
    """Where the simulator listens and the certificate it presents."""

    port: int
    fingerprint: str


async def _start_simulator(tmp: Path, port: int, pki: Path) -> tuple[Child, Thermostat]:
    """Start the simulator in open mode; a fresh PKI goes to pki, a restart reuses its cert."""
    args = [sys.executable, "-m", "simulator", "--host", HOST, "--port", str(port)]
    args += ["--zones", str(ZONES), "--open", "--key", KEY]
    if (pki / "server.pem").exists():
        args += ["--cert", str(pki / "server.pem")]
    else:
        args += ["--pki-dir", str(pki)]
    child = await _spawn("the simulator", args, tmp / f"simulator-{time.monotonic_ns()}.log", ROOT)

    async def announced() -> Thermostat | None:
        text = child.output.read_text(encoding="utf-8", errors="replace")
        listening = re.search(rf"^listening on {re.escape(HOST)}:(\d+)", text, re.MULTILINE)
        fingerprint = re.search(r"server certificate sha256: ([0-9a-f]{64})", text)
        if listening is None or fingerprint is None:
            return None
        return Thermostat(int(listening.group(1)), fingerprint.group(1))

    try:
        found = await _while_alive(child, _until("the simulator", announced, STATE_TIMEOUT))
    except BaseException:
        await child.stop()
        raise
    return child, found


def _write_configuration(config: Path, http_port: int) -> None:
    """Write the development configuration.yaml with another HTTP port."""
    dev = yaml.safe_load((ROOT / "config" / "configuration.yaml").read_text(encoding="utf-8"))
    dev["http"] = {**dev["http"], "server_host": HOST, "server_port": http_port}
    config.mkdir(parents=True, exist_ok=True)
    (config / "configuration.yaml").write_text(yaml.safe_dump(dev), encoding="utf-8")
    develop_seed.prepare_config(config, ROOT / "custom_components")


class Api:
    """Home Assistant's REST and websocket APIs, as an authenticated user."""

    def __init__(self, session: aiohttp.ClientSession, url: str, headers: dict[str, str]) -> None:
        """Initialise with an authorization header."""
        self.session = session
        self.url = url
        self.headers = headers
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._next_id = 0

    async def get(self, path: str, **params: str) -> Any:
        """GET a REST endpoint and return its JSON."""
        async with self.session.get(
            f"{self.url}{path}", headers=self.headers, params=params
        ) as resp:
            assert resp.status == 200, f"GET {path}: HTTP {resp.status} {await resp.text()}"
            return await resp.json()

    async def states(self) -> dict[str, dict[str, Any]]:
        """Return every entity state by entity id."""
        return {state["entity_id"]: state for state in await self.get("/api/states")}

    @contextlib.asynccontextmanager
    async def websocket(self) -> AsyncIterator[None]:
        """Hold an authenticated websocket connection open for call()."""
        async with self.session.ws_connect(f"{self.url}/api/websocket") as ws:
            assert (await ws.receive_json(timeout=10))["type"] == "auth_required"
            token = self.headers["Authorization"].removeprefix("Bearer ")
            await ws.send_json({"type": "auth", "access_token": token})
            assert (await ws.receive_json(timeout=10))["type"] == "auth_ok"
            self._ws = ws
            try:
                yield
            finally:
                self._ws = None

    async def call(self, command: str, **fields: Any) -> Any:
        """Send a websocket command and return its result."""
        assert self._ws is not None
        self._next_id += 1
        await self._ws.send_json({"id": self._next_id, "type": command, **fields})
        while True:
            reply = await self._ws.receive_json(timeout=10)
            if reply.get("id") == self._next_id and reply.get("type") == "result":
                assert reply["success"], f"{command}: {reply}"
                return reply["result"]


def _expected_climates() -> dict[str, dict[str, Any]]:
    """Return, by zone name, the climate state and attributes the simulator's zones mean."""
    plant = Plant.with_zones(ZONES)
    single = {"0": "off", "2": "cool", "3": "heat"}
    expected: dict[str, dict[str, Any]] = {}
    for zone in plant.zones.values():
        values: dict[str, Any] = {
            "current_temperature": float(zone.indoor_temperature),
            "current_humidity": float(plant.relative_humidity),
        }
        if zone.mode == "1":
            values["state"] = "heat_cool" if zone.hold_type == "1" else "auto"
            values["target_temp_low"] = float(zone.heat_setpoint)
            values["target_temp_high"] = float(zone.cool_setpoint)
        else:
            values["state"] = single[zone.mode]
            if zone.mode in {"2", "3"}:
                setpoint = zone.heat_setpoint if zone.mode == "3" else zone.cool_setpoint
                values["temperature"] = float(setpoint)
        expected[zone.name] = values
    return expected


def _climate_mismatches(
    states: Mapping[str, dict[str, Any]], climates: list[str]
) -> dict[str, str]:
    """Return, by zone name, how a climate entity differs from the simulator's zone."""
    by_name = {
        states[entity_id]["attributes"].get("friendly_name"): states[entity_id]
        for entity_id in climates
        if entity_id in states
    }
    problems: dict[str, str] = {}
    for name, expected in _expected_climates().items():
        state = by_name.get(name)
        if state is None:
            problems[name] = "no climate entity"
            continue
        attributes = state["attributes"]
        if state["state"] != expected["state"]:
            problems[name] = f"state {state['state']!r}, expected {expected['state']!r}"
            continue
        for attribute, value in expected.items():
            if attribute == "state":
                continue
            shown = attributes.get(attribute)
            # The entity shows whole degrees: 70.5 may be shown as 70 or 71.
            if shown is None or abs(float(shown) - value) > 0.5:
                problems[name] = f"{attribute} {shown!r}, expected {value!r}"
    return problems


def _flatten(tree: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, str]]:
    """Yield the dotted keys and texts of a translations tree."""
    for key, value in tree.items():
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{prefix}.{key}")
        else:
            yield f"{prefix}.{key}", value


def _check_log(path: Path) -> None:
    """Fail on blocking calls of ours, or any warning or error naming steamloop."""
    text = path.read_text(encoding="utf-8", errors="replace")
    records = _LOG_RECORD_START.split(text)
    blocking = [r for r in records if _OURS.search(r) and "Detected blocking call" in r]
    assert not blocking, "\n".join(blocking)
    warnings = [
        record
        for record in records
        if (level := _LEVEL.match(record)) is not None
        and level.group(1) in {"WARNING", "ERROR", "CRITICAL"}
        and _NAMES_US.search(record.replace(_NOT_TESTED, ""))
    ]
    assert not warnings, "\n".join(warnings)
    # Home Assistant installed our requirements itself, under its constraints.
    for requirement in MANIFEST["requirements"]:
        assert f"Attempting install of {requirement}" in text


def _not_ours_to_install() -> str:
    """Return what Home Assistant itself requires, but ours, for --skip-pip-packages.

    This environment has what the test's instance loads, not every requirement of the built-in
    integrations and auth modules; installing those offline would fail, and is not ours to test.
    """
    import homeassistant.auth.mfa_modules.notify  # noqa: PLC0415
    import homeassistant.auth.mfa_modules.totp  # noqa: PLC0415

    root = Path(homeassistant.auth.__file__).parent.parent
    requirements = [
        *homeassistant.auth.mfa_modules.totp.REQUIREMENTS,
        *homeassistant.auth.mfa_modules.notify.REQUIREMENTS,
    ]
    for manifest in (root / "components").glob("*/manifest.json"):
        requirements += json.loads(manifest.read_text(encoding="utf-8")).get("requirements", [])
    ours = {Requirement(r).name.lower() for r in MANIFEST["requirements"]}
    names = {Requirement(r).name for r in requirements} - {""}
    return ",".join(sorted(name for name in names if name.lower() not in ours))


def _home_assistant_python(tmp: Path) -> tuple[Path, Path]:
    """Return a Python with this environment minus our requirements, and its site-packages.

    A fresh venv sees this environment's packages through a directory of links that leaves
    out the distributions the manifest requires, so Home Assistant finds them missing and
    installs them into the venv, the way it does in a user's virtual environment.
    """
    if not any(WHEELS.glob("*.whl")):
        pytest.fail(f"no wheels of our requirements in {WHEELS}: run scripts/setup")
    hidden: set[str] = set()
    for text in MANIFEST["requirements"]:
        files = distribution(Requirement(text).name).files or []
        hidden |= {file.parts[0] for file in files}
    env = tmp / "ha-env"
    venv.create(env, symlinks=True, with_pip=False)
    packages = next((env / "lib").glob("python3*/site-packages"))
    view = tmp / "ha-env-view"
    view.mkdir()
    for directory in filter(Path.is_dir, map(Path, site.getsitepackages())):
        for entry in directory.iterdir():
            keep = entry.name not in hidden and entry.suffix != ".pth"
            if keep and entry.name != "__pycache__" and not (view / entry.name).exists():
                (view / entry.name).symlink_to(entry)
    (packages / "steamloop-e2e-view.pth").write_text(f"{view}\n", encoding="utf-8")
    # Home Assistant runs `python -m uv`; the uv module looks for its binary next to python.
    (env / "bin" / "uv").symlink_to(Path(sys.executable).parent / "uv")
    return env / "bin" / "python", packages


async def _our_entities(api: Api) -> tuple[list[str], list[str]]:
    """Return our climate entities, and all of ours that follow the link (not its diagnostics)."""
    registry = await api.call("config/entity_registry/list")
    ours = [e for e in registry if e["platform"] == "steamloop" and e["disabled_by"] is None]
    climates = sorted(e["entity_id"] for e in ours if e["entity_id"].startswith("climate."))
    linked = sorted(e["entity_id"] for e in ours if e["entity_category"] is None)
    assert len(climates) == ZONES, climates
    return climates, linked


async def _check_strings(api: Api) -> None:
    """Fail unless every string of ours is served to the frontend as written."""
    path = ROOT / "custom_components" / "steamloop" / "translations" / "en.json"
    strings = json.loads(path.read_text(encoding="utf-8"))
    for category, tree in strings.items():
        result = await api.call(
            "frontend/get_translations",
            language="en",
            category=category,
            integration=["steamloop"],
        )
        resources: dict[str, str] = result["resources"]
        if isinstance(tree, str):  # the integration's title, a category of its own
            assert resources.get(f"component.steamloop.{category}") == tree
            continue
        for key, text in _flatten(tree, f"component.steamloop.{category}"):
            assert resources.get(key) == text, f"{key}: {resources.get(key)!r}"
            assert text.strip()
            assert "component.steamloop" not in text
            assert "[%key:" not in text


async def _scenario(tmp_path: Path, url: str, children: list[Child]) -> None:
    """Onboard, add the thermostat, lose it, get it back, look up the strings."""
    pki = tmp_path / "pki"
    simulator, thermostat = await _start_simulator(tmp_path, 0, pki)
    children.append(simulator)
    config = tmp_path / "config"
    python, packages = _home_assistant_python(tmp_path)
    skip = _not_ours_to_install()
    hass = await _spawn(
        "Home Assistant",
        [str(python), "-m", "homeassistant", "-c", str(config), "--skip-pip-packages", skip],
        tmp_path / "hass.out",
        config,
        # Home Assistant's own uv, offline: our requirements come from the fetched wheels.
        {"UV_OFFLINE": "1", "UV_FIND_LINKS": str(WHEELS), "UV_NO_CONFIG": "1"},
    )
    children.append(hass)

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        await _while_alive(hass, develop_seed.wait_for_api(session, url, STARTUP_TIMEOUT))
        headers = await develop_seed.onboard(session, url, USERNAME, PASSWORD)
        confirmed = await develop_seed.confirm_http_config(session, url, headers)
        assert confirmed is ha_compat.HTTP_SETTINGS_NEED_CONFIRMING
        api = Api(session, url, headers)
        added = await develop_seed.add_entry(
            session, url, headers, {"host": HOST, "port": thermostat.port}, KEY
        )
        assert added == "steamloop entry added: Thermostat"
        entries = await api.get("/api/config/config_entries/entry", domain="steamloop")
        assert [entry["state"] for entry in entries] == ["loaded"]
        for requirement in MANIFEST["requirements"]:
            name = Requirement(requirement).name
            assert list(packages.glob(f"{name}-*.dist-info")), f"{name} not installed by HA"

        async with api.websocket():
            climates, linked = await _our_entities(api)

            async def live() -> dict[str, dict[str, Any]] | None:
                states = await api.states()
                if _climate_mismatches(states, climates):
                    return None
                if any(states[e]["state"] == "unavailable" for e in linked):
                    return None
                return states

            states = await _while_alive(hass, _until("live entities", live, STATE_TIMEOUT))
            humidity = [states[e]["state"] for e in linked if e.endswith("_humidity")]
            assert humidity == [str(float(Plant.with_zones(ZONES).relative_humidity))]
            for entity_id in linked:
                name = states[entity_id]["attributes"].get("friendly_name", "")
                assert name
                assert "component." not in name
                assert "None" not in name

            # The thermostat goes away: everything that depends on the link follows at once.
            await simulator.stop()

            async def unavailable() -> bool | None:
                states = await api.states()
                return all(states[e]["state"] == "unavailable" for e in linked) or None

            await _while_alive(hass, _until("unavailable entities", unavailable, STOP_TIMEOUT))

            # Back on the same port with the same (pinned) certificate: the entities recover.
            simulator, again = await _start_simulator(tmp_path, thermostat.port, pki)
            children.append(simulator)
            assert again == thermostat
            await _while_alive(hass, _until("recovered entities", live, STATE_TIMEOUT))

            await _check_strings(api)


@pytest.mark.usefixtures("socket_enabled")
async def test_home_assistant_with_the_simulator(tmp_path: Path) -> None:
    """Run the scenario against real processes, then read Home Assistant's log."""
    started = time.monotonic()
    http_port = _free_port()
    _write_configuration(tmp_path / "config", http_port)
    children: list[Child] = []
    try:
        await _scenario(tmp_path, f"http://{HOST}:{http_port}", children)
    except BaseException:
        for child in children:
            print(f"--- {child.name} ({child.output.name})\n{child.tail()}")  # noqa: T201
        raise
    finally:
        for child in reversed(children):
            await child.stop()
    _check_log(tmp_path / "config" / "home-assistant.log")
    print(f"end to end in {time.monotonic() - started:.1f} s")  # noqa: T201
