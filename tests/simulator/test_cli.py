"""The command line: help, serving, and a clean exit on SIGTERM."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from simulator import TestPKI
from simulator.__main__ import build_parser, main

from .plain_client import PlainClient

ROOT = Path(__file__).resolve().parents[2]
# A safety net: a passing run never waits on it.
DEADLINE = 30.0
KEY = "cli-key"


async def start(*args: str) -> asyncio.subprocess.Process:
    """Start the simulator's command line."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator",
        *args,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


@pytest.fixture
async def processes() -> AsyncIterator[list[asyncio.subprocess.Process]]:
    """Kill any process a failed test left running."""
    started: list[asyncio.subprocess.Process] = []
    yield started
    for proc in started:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def read_banner(proc: asyncio.subprocess.Process) -> dict[str, str]:
    """Read the lines printed for one thermostat, up to its fingerprint."""
    assert proc.stdout is not None
    banner: dict[str, str] = {}
    async with asyncio.timeout(DEADLINE):
        while "server certificate sha256" not in banner:
            line = (await proc.stdout.readline()).decode()
            assert line, "the simulator exited early"
            if match := re.match(r"listening on (\S+):(\d+) ", line):
                banner["host"], banner["port"] = match.groups()
            else:
                name, _, value = line.strip().partition(": ")
                banner[name] = value
    return banner


async def stop(proc: asyncio.subprocess.Process) -> tuple[str, str]:
    """Send SIGTERM and return stdout and stderr once it exited with status 0."""
    proc.send_signal(signal.SIGTERM)
    async with asyncio.timeout(DEADLINE):
        out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return out.decode(), err.decode()


async def test_help_explains_every_option(processes: list[asyncio.subprocess.Process]) -> None:
    proc = await start("--help")
    processes.append(proc)
    async with asyncio.timeout(DEADLINE):
        out, _ = await proc.communicate()
    assert proc.returncode == 0
    text = out.decode()
    for option in build_parser()._option_string_actions:
        assert option in text
    assert "strict mode" in text
    assert "open mode" in text
    assert "SIGTERM" in text


async def test_serves_in_open_mode_until_sigterm(
    socket_enabled: None, processes: list[asyncio.subprocess.Process]
) -> None:
    proc = await start(
        "--port", "0", "--open", "--key", KEY, "--zones", "1", "--pairing", "--pairing-key", "pk"
    )
    processes.append(proc)
    banner = await read_banner(proc)
    assert banner["host"] == "127.0.0.1"
    assert banner["secret key"] == KEY
    assert banner["pairing mode on; it hands out the key"] == "pk"

    client = await PlainClient.connect(int(banner["port"]), chain_pem=None)
    try:
        burst = await client.login_and_sync_count(KEY, 5 + 6)
        assert burst[0] == ("ZoneAdded", {"zone_id": "1"})
        der = client.writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
        assert hashlib.sha256(der).hexdigest() == banner["server certificate sha256"]
    finally:
        await client.close()

    out, err = await stop(proc)
    assert out.splitlines()[-1] == "stopped"
    assert "Traceback" not in err
    assert KEY not in err


async def test_strict_mode_writes_a_temporary_pki_and_removes_it(
    socket_enabled: None, processes: list[asyncio.subprocess.Process]
) -> None:
    proc = await start("--port", "0", "--key", KEY, "--pty", "--heartbeat-timeout", "0")
    processes.append(proc)
    banner = await read_banner(proc)
    assert proc.stdout is not None
    async with asyncio.timeout(DEADLINE):
        extra = [(await proc.stdout.readline()).decode().strip() for _ in range(2)]
    client_pem = Path(extra[0].removeprefix("client certificate + key: "))
    assert extra[1].startswith("pty: /dev/")
    loop = asyncio.get_running_loop()
    chain = await loop.run_in_executor(None, client_pem.read_bytes)

    client = await PlainClient.connect(int(banner["port"]), chain_pem=chain)
    try:
        await client.login_and_sync_count(KEY, 2 * 5 + 6)
    finally:
        await client.close()

    await stop(proc)
    assert not await loop.run_in_executor(None, client_pem.exists)


def test_main_rejects_unknown_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--bogus"])
    assert exit_info.value.code == 2
    assert "--bogus" in capsys.readouterr().err


async def test_serves_a_given_certificate_and_client_ca(
    socket_enabled: None,
    processes: list[asyncio.subprocess.Process],
    pki: TestPKI,
    tmp_path: Path,
) -> None:
    loop = asyncio.get_running_loop()
    files = await loop.run_in_executor(None, pki.write, tmp_path / "given")
    written = tmp_path / "written"
    proc = await start(
        "--port",
        "0",
        "--key",
        KEY,
        "--cert",
        str(files["server"]),
        "--client-ca",
        str(files["ca"]),
        "--pki-dir",
        str(written),
    )
    processes.append(proc)
    banner = await read_banner(proc)
    assert banner["server certificate sha256"] == pki.server_fingerprint

    client = await PlainClient.connect(int(banner["port"]), chain_pem=pki.client_chain_pem)
    try:
        await client.login_and_sync_count(KEY, 2 * 5 + 6)
    finally:
        await client.close()
    await stop(proc)
    names = await loop.run_in_executor(None, lambda: sorted(p.name for p in written.iterdir()))
    assert names == ["ca.pem", "client.pem", "server.pem"]


async def test_control_channel_on_standard_input(
    processes: list[asyncio.subprocess.Process], socket_enabled: None
) -> None:
    """With --control each command line gets one answer; closing standard input stops it."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator",
        *("--port", "0", "--open", "--key", KEY, "--control"),
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    processes.append(proc)
    banner = await read_banner(proc)
    assert proc.stdin is not None
    assert proc.stdout is not None

    async def ask(command: str) -> str:
        assert proc.stdin is not None
        assert proc.stdout is not None
        proc.stdin.write(f"{command}\n".encode())
        await proc.stdin.drain()
        async with asyncio.timeout(DEADLINE):
            return (await proc.stdout.readline()).decode().strip()

    assert await ask("1 pairing on") == "ok 1 pairing on"
    assert await ask("1 pairing-delay 2.5") == "ok 1 pairing-delay 2.5"
    assert await ask("1 revoke new-key") == "ok 1 revoke new-key"
    assert await ask("1 wait-refusals 0") == "ok 1 wait-refusals 0"
    # Down: nothing listens (a thermostat without power); up: the same port again.
    assert await ask("1 down") == "ok 1 down"
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection(banner["host"], int(banner["port"]))
    assert await ask("1 up") == "ok 1 up"
    _, writer = await asyncio.open_connection(banner["host"], int(banner["port"]))
    writer.close()
    await writer.wait_closed()
    assert await ask("1 echo off") == "ok 1 echo off"
    assert await ask("1 echo on") == "ok 1 echo on"
    assert await ask("1 echo-delay 2") == "ok 1 echo-delay 2"
    fingerprint = (await ask("1 new-certificate")).removeprefix("ok ")
    assert re.fullmatch(r"[0-9a-f]{64}", fingerprint)
    assert fingerprint != banner["server certificate sha256"]
    assert (await ask("1 sing")).startswith("error unknown command")
    assert (await ask("9 pairing on")).startswith("error")

    proc.stdin.close()
    async with asyncio.timeout(DEADLINE):
        await proc.wait()
    assert proc.returncode == 0


async def test_replay_serves_a_captured_session(
    socket_enabled: None, processes: list[asyncio.subprocess.Process], tmp_path: Path
) -> None:
    """scripts/simulator --replay FILE answers a login with the captured thermostat frames."""
    frames = [
        {"t": 0.5, "dir": "rx", "frame": '{"Response":{"LoginResponse":{"status":"1"}}}'},
        {"t": 0.6, "dir": "rx", "frame": '{"Event":{"ZoneAdded":{"zone_id":"7"}}}'},
        {
            "t": 0.7,
            "dir": "rx",
            "frame": '{"Event":{"ZoneNameUpdated":{"zone_id":"7","zone_name":"Loft"}}}',
        },
    ]
    capture = tmp_path / "download.json"
    capture.write_text(json.dumps({"data": {"capture": {"frames": frames}}}))
    proc = await start("--port", "0", "--open", "--key", KEY, "--replay", str(capture))
    processes.append(proc)
    banner = await read_banner(proc)
    assert proc.stdout is not None
    async with asyncio.timeout(DEADLINE):
        line = (await proc.stdout.readline()).decode().strip()
    assert line == "replaying 2 captured frames at every login"

    client = await PlainClient.connect(int(banner["port"]), chain_pem=None)
    try:
        burst = await client.login_and_sync_count(KEY, 2)
        assert burst == [
            ("ZoneAdded", {"zone_id": "7"}),
            ("ZoneNameUpdated", {"zone_id": "7", "zone_name": "Loft"}),
        ]
    finally:
        await client.close()
    await stop(proc)
