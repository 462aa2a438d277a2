"""Prepare a development Home Assistant (used by scripts/develop and the end-to-end test).

Before Home Assistant starts, --prepare-config links the integration into the configuration
directory and marks onboarding's network-bound steps as done. Once it runs, the default mode
completes onboarding with the development login and adds the steamloop entry for the simulator,
through the same HTTP endpoints the frontend uses. Idempotent: finished onboarding steps and an
existing steamloop entry are left alone.

    python scripts/develop_seed.py --prepare-config config
    python scripts/develop_seed.py --url http://127.0.0.1:8123 --host 127.0.0.1 --port 7878 \
        --key demo-key-0000 [--username dev --password dev] [--no-entry]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from http import HTTPStatus
from pathlib import Path
from typing import Any

import aiohttp

# Onboarding's location and analytics steps, answered through the API, would add the default
# integrations (weather, text-to-speech, radio), which need the internet: mark them done instead.
ONBOARDING_PRESET = {
    "version": 4,
    "minor_version": 1,
    "key": "onboarding",
    "data": {"done": ["core_config", "analytics"]},
}
POLL_INTERVAL = 0.25


class SeedError(Exception):
    """A step failed; the message is one sentence for the user."""


def prepare_config(config: Path, custom_components: Path) -> None:
    """Link custom_components into a configuration directory and preset a fresh onboarding."""
    config.mkdir(parents=True, exist_ok=True)
    link = config / "custom_components"
    if not link.is_symlink():
        if link.exists():
            msg = f"{link} exists and is not a symlink"
            raise SeedError(msg)
        link.symlink_to(os.path.relpath(custom_components, config), target_is_directory=True)
    storage = config / ".storage"
    if not (storage / "onboarding").exists() and not (storage / "auth").exists():
        storage.mkdir(exist_ok=True)
        (storage / "onboarding").write_text(json.dumps(ONBOARDING_PRESET), encoding="utf-8")


async def _json(resp: aiohttp.ClientResponse, what: str) -> Any:
    if resp.status >= HTTPStatus.BAD_REQUEST:
        body = (await resp.text())[:200]
        msg = f"{what} failed with HTTP {resp.status}: {body}"
        raise SeedError(msg)
    return await resp.json()


async def wait_for_api(session: aiohttp.ClientSession, url: str, wait_seconds: float) -> None:
    """Wait until Home Assistant answers on its onboarding endpoint."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            async with session.get(f"{url}/api/onboarding") as resp:
                if resp.status in {HTTPStatus.OK, HTTPStatus.NOT_FOUND}:
                    return
        except aiohttp.ClientError:
            pass
        if time.monotonic() > deadline:
            msg = f"Home Assistant did not answer at {url} within {wait_seconds:.0f} s"
            raise SeedError(msg)
        await asyncio.sleep(POLL_INTERVAL)


async def onboarding_steps(session: aiohttp.ClientSession, url: str) -> dict[str, bool]:
    """Return each onboarding step and whether it is done (all done when onboarding is over)."""
    async with session.get(f"{url}/api/onboarding") as resp:
        if resp.status == HTTPStatus.NOT_FOUND:
            return {}
        steps = await _json(resp, "reading onboarding state")
    return {step["step"]: bool(step["done"]) for step in steps}


async def tokens_from_code(session: aiohttp.ClientSession, url: str, code: str) -> dict[str, Any]:
    """Exchange an authorization code for tokens (access_token, refresh_token, expires_in)."""
    data = {"grant_type": "authorization_code", "code": code, "client_id": f"{url}/"}
    async with session.post(f"{url}/auth/token", data=data) as resp:
        body: dict[str, Any] = await _json(resp, "exchanging the authorization code")
    return body


async def token_from_code(session: aiohttp.ClientSession, url: str, code: str) -> str:
    """Exchange an authorization code for an access token."""
    return str((await tokens_from_code(session, url, code))["access_token"])


async def login_code(session: aiohttp.ClientSession, url: str, username: str, password: str) -> str:
    """Log in through the login flow; return the authorization code."""
    client = {"client_id": f"{url}/", "redirect_uri": f"{url}/"}
    payload = {**client, "handler": ["homeassistant", None]}
    async with session.post(f"{url}/auth/login_flow", json=payload) as resp:
        flow = await _json(resp, "starting the login flow")
    credentials = {"client_id": f"{url}/", "username": username, "password": password}
    async with session.post(f"{url}/auth/login_flow/{flow['flow_id']}", json=credentials) as resp:
        result = await _json(resp, "logging in")
    if result.get("type") != "create_entry":
        msg = f"logging in as {username!r} failed; remove config/.storage to start over"
        raise SeedError(msg)
    return str(result["result"])


async def login(session: aiohttp.ClientSession, url: str, username: str, password: str) -> str:
    """Log in through the login flow; return an access token."""
    return await token_from_code(session, url, await login_code(session, url, username, password))


async def onboard(
    session: aiohttp.ClientSession, url: str, username: str, password: str
) -> dict[str, str]:
    """Finish onboarding (as far as needed); return the authorization header."""
    steps = await onboarding_steps(session, url)
    if steps.get("user") is False:
        user = {
            "client_id": f"{url}/",
            "name": "Developer",
            "username": username,
            "password": password,
            "language": "en",
        }
        async with session.post(f"{url}/api/onboarding/users", json=user) as resp:
            body = await _json(resp, "creating the development user")
        token = await token_from_code(session, url, str(body["auth_code"]))
    else:
        token = await login(session, url, username, password)
    headers = {"Authorization": f"Bearer {token}"}
    later: list[tuple[str, dict[str, str]]] = [
        ("core_config", {}),
        ("analytics", {}),
        ("integration", {"client_id": f"{url}/", "redirect_uri": f"{url}/"}),
    ]
    for step, payload in later:
        if steps.get(step) is False:
            async with session.post(
                f"{url}/api/onboarding/{step}", json=payload, headers=headers
            ) as resp:
                await _json(resp, f"onboarding step {step}")
    return headers


async def websocket_call(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str], command: dict[str, Any]
) -> Any:
    """Send one command over a fresh websocket connection; return its result."""
    async with session.ws_connect(f"{url}/api/websocket") as ws:
        await ws.receive_json()
        token = headers["Authorization"].removeprefix("Bearer ")
        await ws.send_json({"type": "auth", "access_token": token})
        if (await ws.receive_json()).get("type") != "auth_ok":
            msg = "the websocket API refused the access token"
            raise SeedError(msg)
        await ws.send_json({"id": 1, **command})
        reply = await ws.receive_json()
    if not reply.get("success"):
        msg = f"websocket command {command['type']} failed: {reply.get('error')}"
        if (reply.get("error") or {}).get("code") == "unknown_command":
            raise UnknownCommandError(msg)
        raise SeedError(msg)
    return reply.get("result")


class UnknownCommandError(SeedError):
    """The Home Assistant release has no such websocket command."""


async def confirm_http_config(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str]
) -> bool:
    """Keep the HTTP settings taken over from configuration.yaml; return whether any waited.

    Home Assistant tries such settings and, unless they are confirmed (the frontend asks), goes
    back to its defaults (all interfaces, port 8123) with a restart five minutes later.
    """
    try:
        http = await websocket_call(session, url, headers, {"type": "http/config"})
    except UnknownCommandError:
        # Before 2026.8 the settings from configuration.yaml are final: nothing to confirm.
        return False
    pending = http.get("pending")
    if not pending or pending.get("error") is not None:
        return False
    await websocket_call(session, url, headers, {"type": "http/config/promote"})
    return True


async def add_entry(
    session: aiohttp.ClientSession,
    url: str,
    headers: dict[str, str],
    thermostat: dict[str, Any],
    key: str,
) -> str:
    """Add the steamloop entry for the simulator unless one exists; return what was done."""
    async with session.get(
        f"{url}/api/config/config_entries/entry", params={"domain": "steamloop"}, headers=headers
    ) as resp:
        entries = await _json(resp, "listing config entries")
    if entries:
        return "steamloop entry already present"
    flow_url = f"{url}/api/config/config_entries/flow"
    async with session.post(flow_url, json={"handler": "steamloop"}, headers=headers) as resp:
        result = await _json(resp, "starting the steamloop config flow")
    answers: list[dict[str, Any]] = [
        {"next_step_id": "network"},
        thermostat,
        {"next_step_id": "key"},
        {"secret_key": key},
    ]
    for answer in answers:
        if result.get("type") not in ("menu", "form"):
            break
        async with session.post(
            f"{flow_url}/{result['flow_id']}", json=answer, headers=headers
        ) as resp:
            result = await _json(resp, f"config flow step {result.get('step_id')}")
    if result.get("type") != "create_entry":
        detail = result.get("errors") or result.get("reason") or result.get("type")
        msg = f"adding the steamloop entry failed: {detail}"
        raise SeedError(msg)
    return f"steamloop entry added: {result.get('title')}"


async def seed(args: argparse.Namespace) -> str:
    """Run every step; return the access token."""
    url = args.url.rstrip("/")
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        await wait_for_api(session, url, args.timeout)
        headers = await onboard(session, url, args.username, args.password)
        if await confirm_http_config(session, url, headers):
            print("HTTP settings from configuration.yaml confirmed")
        if not args.no_entry:
            thermostat = {"host": args.host, "port": args.port}
            print(await add_entry(session, url, headers, thermostat, args.key))
    return headers["Authorization"].removeprefix("Bearer ")


def main() -> int:
    """Parse the command line and seed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8123")
    parser.add_argument("--host", default="127.0.0.1", help="the simulator's address")
    parser.add_argument("--port", type=int, default=7878, help="the simulator's port")
    parser.add_argument("--key", default="demo-key-0000", help="the simulator's secret key")
    parser.add_argument("--username", default="dev")
    parser.add_argument("--password", default="dev")
    parser.add_argument("--timeout", type=float, default=180, help="seconds to wait for the API")
    parser.add_argument("--token-file", help="write the access token here")
    parser.add_argument("--no-entry", action="store_true", help="only complete onboarding")
    parser.add_argument(
        "--prepare-config",
        type=Path,
        metavar="DIR",
        help="only prepare this configuration directory (before Home Assistant starts)",
    )
    args = parser.parse_args()
    try:
        if args.prepare_config is not None:
            custom_components = Path(__file__).resolve().parent.parent / "custom_components"
            prepare_config(args.prepare_config, custom_components)
            return 0
        token = asyncio.run(seed(args))
    except SeedError as err:
        print(f"scripts/develop_seed.py: {err}", file=sys.stderr)
        return 1
    if args.token_file:
        Path(args.token_file).write_text(token, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
