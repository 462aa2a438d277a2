"""Take the README's screenshots of a running scripts/develop instance with headless Chromium.

Chromium (Debian's) is driven by Playwright along the same steps as the browser tests
(tests/browser/ui.py): log in through the login page, open "Add integration" for Steamloop, choose
"On the network". Saves:

    docs/config-flow.png   Add integration > Steamloop > On the network (the host and port form)
    docs/device.png        the thermostat's device page
    docs/zone.png          a zone's device page (thermostat card, hold, temperature)
    docs/preset.png        the zone's climate dialog holding the Away preset (reset afterwards)
    docs/presets.png       the entry's Configure dialog: the presets' heat/cool pairs

    python scripts/screenshots.py [--url http://127.0.0.1:8123] [--chromium chromium] [--out docs]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from playwright.sync_api import Error, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.ui import log_in, open_network_form  # noqa: E402

WIDTH, HEIGHT = 1280, 860
TIMEOUT_MS = 30_000
HASS = "document.querySelector('home-assistant').hass"


def device_page(page: Page, url: str, name: str) -> None:
    """Open the page of the integration's device with this name."""
    page.goto(f"{url}/config/integrations/integration/steamloop")
    expect(page.get_by_text(name, exact=True).last).to_be_visible()
    device_id = page.evaluate(
        f"""(name) => Object.values({HASS}.devices)
            .find((d) => (d.name_by_user || d.name) === name).id""",
        name,
    )
    page.goto(f"{url}/config/devices/device/{device_id}")


def zone_climate(page: Page) -> str:
    """Return the climate entity of the zone whose device page is open."""
    device_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    return str(
        page.evaluate(
            f"""(id) => Object.values({HASS}.entities)
                .find((e) => e.device_id === id && e.entity_id.startsWith("climate.")).entity_id""",
            device_id,
        )
    )


def set_preset(page: Page, entity_id: str, preset: str) -> None:
    """Select a preset through the climate.set_preset_mode action, as the dialog's select does."""
    page.evaluate(
        f"""([entity_id, preset_mode]) =>
            {HASS}.callService("climate", "set_preset_mode", {{entity_id, preset_mode}})""",
        [entity_id, preset],
    )


def more_info(page: Page, entity_id: str) -> None:
    """Open an entity's dialog, as clicking it does."""
    page.evaluate(
        """(entityId) => document.querySelector("home-assistant").dispatchEvent(
            new CustomEvent(
                "hass-more-info", {detail: {entityId}, bubbles: true, composed: true}))""",
        entity_id,
    )


def save(page: Page, path: Path) -> None:
    """Write the viewport as a PNG once animations are over."""
    page.screenshot(path=path, animations="disabled")
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def take(args: argparse.Namespace, chromium: str) -> None:
    """Log in, then save each screenshot."""
    out: Path = args.out
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium)
        try:
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            page.set_default_timeout(TIMEOUT_MS)
            expect.set_options(timeout=TIMEOUT_MS)
            log_in(page, args.url, args.username, args.password)

            flow = open_network_form(page, args.url)
            expect(flow.get_by_role("spinbutton", name="Port")).to_be_visible()
            save(page, out / "config-flow.png")

            device_page(page, args.url, args.thermostat)
            expect(page.get_by_text("Emergency heat").first).to_be_visible()
            save(page, out / "device.png")

            device_page(page, args.url, args.zone)
            expect(page.get_by_text("Hold").first).to_be_visible()
            save(page, out / "zone.png")

            climate = zone_climate(page)
            set_preset(page, climate, "away")
            try:
                more_info(page, climate)
                expect(page.get_by_text("Away").first).to_be_visible()
                save(page, out / "preset.png")
            finally:
                # Back to the schedule, as the zone was before.
                set_preset(page, climate, "none")
            page.keyboard.press("Escape")

            page.goto(f"{args.url}/config/integrations/integration/steamloop")
            page.get_by_role("button", name="Configure").first.click()
            expect(page.get_by_text("Presets").first).to_be_visible()
            save(page, out / "presets.png")
        finally:
            browser.close()


def main() -> int:
    """Parse the command line and take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8123")
    parser.add_argument("--username", default="dev")
    parser.add_argument("--password", default="dev")
    parser.add_argument("--thermostat", default="Thermostat", help="its device name")
    parser.add_argument("--zone", default="Living Room", help="a zone's device name")
    parser.add_argument("--chromium", default="chromium", help="the Chromium binary")
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="where the PNGs go")
    args = parser.parse_args()
    args.url = args.url.rstrip("/")
    chromium = shutil.which(args.chromium)
    if chromium is None:
        print(
            f"scripts/screenshots: {args.chromium} not found (apt-get install chromium)",
            file=sys.stderr,
        )
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        take(args, chromium)
    except (Error, AssertionError) as err:
        print(f"scripts/screenshots: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
