"""Take the README's screenshots of a running scripts/develop instance with headless Chromium.

Chromium is driven over the Chrome DevTools Protocol (its websocket, with aiohttp). The frontend is
handed tokens from a login as the development user, so no login page is involved. Saves:

    docs/config-flow.png   Add integration > Steamloop > On the network (the host and port form)
    docs/device.png        the thermostat's device page
    docs/zone.png          a zone's device page (thermostat card, hold, temperature)
    docs/preset.png        the zone's climate dialog holding the Away preset (reset afterwards)
    docs/presets.png       the entry's Configure dialog: the presets' heat/cool pairs

    python scripts/screenshots.py [--url http://127.0.0.1:8123] [--chromium chromium] [--out docs]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import importlib.util
import json
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 1280, 860
TIMEOUT = 30.0
POLL = 0.2
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
    f"--window-size={WIDTH},{HEIGHT}",
)

# Searches the page through every shadow root: the deepest visible element whose text is exactly
# the wanted one, as the centre of its box (or null).
FIND_TEXT = """
((wanted) => {
  const found = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll("*")) {
      if (el.shadowRoot) walk(el.shadowRoot);
      const text = (el.innerText ?? el.textContent ?? "").trim();
      if (text !== wanted) continue;
      const box = el.getBoundingClientRect();
      if (box.width > 0 && box.height > 0) found.push(box);
    }
  };
  walk(document);
  if (!found.length) return null;
  const box = found.reduce((a, b) => (a.width * a.height <= b.width * b.height ? a : b));
  return {x: box.x + box.width / 2, y: box.y + box.height / 2};
})
"""


# Clicks the element labelled so (an icon button has a label, not text), through shadow roots.
CLICK_LABEL = """
((wanted) => {
  const walk = (root) => {
    for (const el of root.querySelectorAll("*")) {
      const label = el.getAttribute("label") ?? el.getAttribute("aria-label");
      if (label === wanted) { el.click(); return true; }
      if (el.shadowRoot && walk(el.shadowRoot)) return true;
    }
    return false;
  };
  return walk(document);
})
"""

# Opens an entity's dialog, as clicking it on a dashboard does.
MORE_INFO = """
((entityId) => {
  document.querySelector("home-assistant").dispatchEvent(
    new CustomEvent("hass-more-info", {detail: {entityId}, bubbles: true, composed: true})
  );
  return true;
})
"""


class ScreenshotError(Exception):
    """A step failed; the message is one sentence for the user."""


def _load_develop_seed() -> ModuleType:
    """Import scripts/develop_seed.py (scripts/ is not a package) by its path."""
    spec = importlib.util.spec_from_file_location(
        "steamloop_develop_seed", ROOT / "scripts" / "develop_seed.py"
    )
    if spec is None or spec.loader is None:
        msg = "cannot load scripts/develop_seed.py"
        raise ScreenshotError(msg)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Page:
    """One browser tab, driven over the DevTools protocol."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Initialise with the tab's websocket."""
        self._ws = ws
        self._next_id = 0

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Call a protocol method and return its result (events meanwhile are ignored)."""
        self._next_id += 1
        await self._ws.send_json({"id": self._next_id, "method": method, "params": params})
        while True:
            message = await self._ws.receive_json(timeout=TIMEOUT)
            if message.get("id") != self._next_id:
                continue
            if "error" in message:
                msg = f"{method} failed: {message['error']}"
                raise ScreenshotError(msg)
            result: dict[str, Any] = message.get("result", {})
            return result

    async def evaluate(self, expression: str) -> Any:
        """Evaluate JavaScript in the page and return its value."""
        result = await self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            msg = f"script failed: {result['exceptionDetails'].get('text')}"
            raise ScreenshotError(msg)
        return result["result"].get("value")

    async def find_text(self, text: str) -> dict[str, float]:
        """Wait until an element with exactly this text is shown; return its centre."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            point = await self.evaluate(f"{FIND_TEXT}({json.dumps(text)})")
            if point is not None:
                return dict(point)
            if time.monotonic() > deadline:
                msg = f"{text!r} did not appear within {TIMEOUT:.0f} s"
                raise ScreenshotError(msg)
            await asyncio.sleep(POLL)

    async def click_text(self, text: str) -> None:
        """Click the element showing this text, as a mouse would."""
        point = await self.find_text(text)
        for event in ("mouseMoved", "mousePressed", "mouseReleased"):
            await self.send(
                "Input.dispatchMouseEvent",
                type=event,
                x=point["x"],
                y=point["y"],
                button="left" if event != "mouseMoved" else "none",
                clickCount=1,
            )

    async def click_label(self, label: str) -> None:
        """Click the element with this label (an icon button), once it is shown."""
        deadline = time.monotonic() + TIMEOUT
        while not await self.evaluate(f"{CLICK_LABEL}({json.dumps(label)})"):
            if time.monotonic() > deadline:
                msg = f"nothing labelled {label!r} appeared within {TIMEOUT:.0f} s"
                raise ScreenshotError(msg)
            await asyncio.sleep(POLL)

    async def more_info(self, entity_id: str) -> None:
        """Open an entity's dialog."""
        await self.evaluate(f"{MORE_INFO}({json.dumps(entity_id)})")

    async def goto(self, url: str) -> None:
        """Navigate (callers then wait for what they need to see)."""
        await self.send("Page.navigate", url=url)

    async def save(self, path: Path) -> None:
        """Let animations settle, then write the viewport as a PNG."""
        await asyncio.sleep(1.5)
        shot = await self.send("Page.captureScreenshot", format="png")
        await asyncio.to_thread(path.write_bytes, base64.b64decode(shot["data"]))
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


@contextlib.asynccontextmanager
async def chromium(binary: str) -> AsyncIterator[str]:
    """Run headless Chromium with a fresh profile; yield its DevTools HTTP address."""
    with tempfile.TemporaryDirectory(prefix="steamloop-screenshots-") as profile:
        process = await asyncio.create_subprocess_exec(
            binary,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "about:blank",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            deadline = time.monotonic() + TIMEOUT
            while not port_file.exists() or not port_file.read_text(encoding="ascii").strip():
                if process.returncode is not None or time.monotonic() > deadline:
                    msg = f"{binary} did not start its DevTools endpoint"
                    raise ScreenshotError(msg)
                await asyncio.sleep(POLL)
            port = port_file.read_text(encoding="ascii").split()[0]
            yield f"http://127.0.0.1:{port}"
        finally:
            if process.returncode is None:
                process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), 10)
                except TimeoutError:
                    process.kill()
                    await process.wait()


@contextlib.asynccontextmanager
async def open_page(session: aiohttp.ClientSession, devtools: str) -> AsyncIterator[Page]:
    """Open a tab of the given size and yield it."""
    async with session.put(f"{devtools}/json/new?about:blank") as resp:
        target = await resp.json()
    async with session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
        page = Page(ws)
        await page.send("Page.enable")
        await page.send(
            "Emulation.setDeviceMetricsOverride",
            width=WIDTH,
            height=HEIGHT,
            deviceScaleFactor=1,
            mobile=False,
        )
        yield page


async def hass_tokens(seed: ModuleType, session: aiohttp.ClientSession, args: Any) -> str:
    """Log in as the development user; return what the frontend keeps in localStorage."""
    url = args.url
    code = await seed.login_code(session, url, args.username, args.password)
    tokens = await seed.tokens_from_code(session, url, code)
    stored = {
        "hassUrl": url,
        "clientId": f"{url}/",
        "access_token": tokens["access_token"],
        "refresh_token": tokens["refresh_token"],
        "token_type": tokens["token_type"],
        "expires_in": tokens["expires_in"],
        "expires": int(time.time() * 1000) + int(tokens["expires_in"]) * 1000,
    }
    return json.dumps(stored)


async def thermostat_devices(
    session: aiohttp.ClientSession, url: str, access_token: str
) -> tuple[str, str]:
    """Return the ids of the thermostat's device and of its first zone's device."""
    async with session.ws_connect(f"{url}/api/websocket") as ws:
        await ws.receive_json()
        await ws.send_json({"type": "auth", "access_token": access_token})
        if (await ws.receive_json())["type"] != "auth_ok":
            msg = "the websocket API refused the login"
            raise ScreenshotError(msg)
        await ws.send_json({"id": 1, "type": "config/device_registry/list"})
        devices = (await ws.receive_json())["result"]
    ours = [d for d in devices if any(domain == "steamloop" for domain, _ in d["identifiers"])]
    thermostats = [d for d in ours if d["via_device_id"] is None]
    if not thermostats:
        msg = "no steamloop thermostat is set up (run scripts/develop without --pairing)"
        raise ScreenshotError(msg)
    thermostat = thermostats[0]
    # The zone with the smallest identifier (zone "1" of the simulator: Living Room).
    zones = sorted(
        (d for d in ours if d["via_device_id"] == thermostat["id"]),
        key=lambda d: min(str(identifier) for _, identifier in d["identifiers"]),
    )
    return thermostat["id"], zones[0]["id"] if zones else thermostat["id"]


async def zone_climate(
    session: aiohttp.ClientSession, url: str, access_token: str, zone: str
) -> str:
    """Return the entity id of a zone device's climate entity."""
    async with session.ws_connect(f"{url}/api/websocket") as ws:
        await ws.receive_json()
        await ws.send_json({"type": "auth", "access_token": access_token})
        await ws.receive_json()
        await ws.send_json({"id": 1, "type": "config/entity_registry/list"})
        entities = (await ws.receive_json())["result"]
    for entity in entities:
        if entity["device_id"] == zone and entity["entity_id"].startswith("climate."):
            return str(entity["entity_id"])
    msg = "the zone has no climate entity"
    raise ScreenshotError(msg)


async def set_preset(
    session: aiohttp.ClientSession, url: str, access_token: str, entity_id: str, preset: str
) -> None:
    """Select a preset through the climate.set_preset_mode action."""
    async with session.post(
        f"{url}/api/services/climate/set_preset_mode",
        headers={"Authorization": f"Bearer {access_token}"},
        json={"entity_id": entity_id, "preset_mode": preset},
    ) as resp:
        if resp.status != 200:  # noqa: PLR2004 - HTTP OK
            msg = f"climate.set_preset_mode answered {resp.status}"
            raise ScreenshotError(msg)


async def take(seed: ModuleType, args: argparse.Namespace) -> None:
    """Log in, then save each screenshot."""
    out: Path = args.out
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await seed.wait_for_api(session, args.url, 10)
        stored = await hass_tokens(seed, session, args)
        access_token = json.loads(stored)["access_token"]
        # Otherwise the frontend opens with a dialog asking to confirm them.
        await seed.confirm_http_config(
            session, args.url, {"Authorization": f"Bearer {access_token}"}
        )
        thermostat, zone = await thermostat_devices(session, args.url, access_token)
        async with chromium(args.chromium) as devtools, open_page(session, devtools) as page:
            # Hand the frontend its tokens before any of its scripts run, on every page load.
            script = f"localStorage.setItem('hassTokens', {json.dumps(stored)});"
            await page.send("Page.addScriptToEvaluateOnNewDocument", source=script)

            await page.goto(f"{args.url}/config/integrations/dashboard/add?domain=steamloop")
            await page.click_text("OK")  # "Do you want to set up Steamloop …?"
            await page.click_text("On the network")
            await page.find_text("Thermostat on the network")
            await page.save(out / "config-flow.png")

            await page.goto(f"{args.url}/config/devices/device/{thermostat}")
            await page.find_text("Emergency heat")
            await page.save(out / "device.png")

            await page.goto(f"{args.url}/config/devices/device/{zone}")
            await page.find_text("Hold")
            await page.save(out / "zone.png")

            climate = await zone_climate(session, args.url, access_token, zone)
            await set_preset(session, args.url, access_token, climate, "away")
            try:
                await page.more_info(climate)
                await page.find_text("Away")
                await page.save(out / "preset.png")
            finally:
                # Back to the schedule, as the zone was before.
                await set_preset(session, args.url, access_token, climate, "none")

            await page.goto(f"{args.url}/config/integrations/integration/steamloop")
            await page.find_text("Devices")
            await page.click_label("Configure")
            await page.find_text("Presets")
            await page.save(out / "presets.png")


def main() -> int:
    """Parse the command line and take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8123")
    parser.add_argument("--username", default="dev")
    parser.add_argument("--password", default="dev")
    parser.add_argument("--chromium", default="chromium", help="the Chromium binary")
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="where the PNGs go")
    args = parser.parse_args()
    args.url = args.url.rstrip("/")
    if shutil.which(args.chromium) is None:
        print(
            f"scripts/screenshots: {args.chromium} not found (apt-get install chromium)",
            file=sys.stderr,
        )
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    seed = _load_develop_seed()
    try:
        asyncio.run(take(seed, args))
    except (ScreenshotError, seed.SeedError, aiohttp.ClientError, TimeoutError) as err:
        print(f"scripts/screenshots: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
