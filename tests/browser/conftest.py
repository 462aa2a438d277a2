"""Browser tests: a real Home Assistant with its real frontend, driven by headless Chromium.

One Home Assistant process and one simulator process per thermostat serve the whole folder; each
test has its own thermostat (its own loopback address, so no test's entry is another's duplicate).
Chromium is Debian's, driven by Playwright (`playwright install` is never needed): scripts/setup
installs it where it can. Without it the tests are skipped, except under CI, where they fail.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserType, Page, Playwright, expect, sync_playwright

from .instance import (
    PAIRING_TIMEOUT,
    PASSWORD,
    USERNAME,
    HomeAssistant,
    Thermostat,
    free_port,
    home_assistant,
    prepare_config,
)
from .ui import log_in

# Chromium's own location on Debian; STEAMLOOP_CHROMIUM names another.
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser")
WIDTH, HEIGHT = 1280, 860
# Generous bounds for a loaded 2-core machine; a passing run waits only as long as it must.
EXPECT_TIMEOUT_MS = 20_000

# The thermostats, by the test that uses them; each gets 127.0.0.<n>.
THERMOSTATS: dict[str, tuple[int, tuple[str, ...]]] = {
    "pair_at_once": (2, ("--pairing",)),
    "pair_later": (3, ()),
    "pair_refused": (4, ()),
    "pair_timeout": (5, ("--pairing", "--pairing-delay", "3600")),
    "key": (6, ()),
    "address": (7, ()),
    "duplicate": (8, ()),
    "trane": (9, ()),
    "reauth": (10, ()),
    "reconfigure": (11, ()),
    "repair": (12, ()),
    "presets": (13, ()),
    "areas": (14, ()),
    "link": (15, ()),
    "rejected": (16, ()),
    "reconfigure_from": (17, ()),
    "reconfigure_other": (18, ()),
    "refusing": (19, ()),
    "discovered": (20, ("--pairing",)),
}
# Our code in a Home Assistant log record.
_OURS = re.compile(r"custom_components[./]steamloop|integration 'steamloop'")
_LOG_RECORD_START = re.compile(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)")


def pytest_configure(config: pytest.Config) -> None:
    """Register the browser marker (select with -m browser, skip with -m 'not browser')."""
    config.addinivalue_line(
        "markers", "browser: drives the real frontend of a Home Assistant process in Chromium"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test here; keep them on one xdist worker (one Home Assistant for all)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))


def _chromium() -> str | None:
    wanted = os.environ.get("STEAMLOOP_CHROMIUM")
    for candidate in (wanted,) if wanted else CHROMIUM_CANDIDATES:
        if found := shutil.which(candidate):
            return found
    return None


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the suite's autouse fixture, which would build an in-process Home Assistant."""


# The harness's event-loop fixtures run a loop in this thread, which Playwright's sync API holds
# while a browser is open. They are about an in-process Home Assistant; here there is none.
@pytest.fixture(autouse=True)
def verify_cleanup() -> None:
    """Override: there is no in-process Home Assistant to check."""


@pytest.fixture(autouse=True)
def configure_event_loop() -> None:
    """Override: the tests run no event loop of their own."""


@pytest.fixture(autouse=True)
def enable_event_loop_debug() -> None:
    """Override: the tests run no event loop of their own."""


# Module scope, not pytest-playwright's session scope: while Playwright's sync API runs it holds an
# event loop in this thread, which the asyncio tests of other modules on this worker need gone.
@pytest.fixture(scope="module")
def playwright(_pw_api_request_contexts: Any) -> Iterator[Playwright]:
    """Start Playwright for this module's tests only."""
    pw = sync_playwright().start()
    if _pw_api_request_contexts:
        _pw_api_request_contexts.instrument(pw)
    yield pw
    pw.stop()


@pytest.fixture(scope="module")
def browser_type(playwright: Playwright, browser_name: str) -> BrowserType:
    """Return the browser type (chromium)."""
    browser: BrowserType = getattr(playwright, browser_name)
    return browser


@pytest.fixture(scope="module")
def browser(
    browser_type: BrowserType, browser_type_launch_args: dict[str, Any]
) -> Iterator[Browser]:
    """Launch the browser for this module's tests."""
    launched = browser_type.launch(**browser_type_launch_args)
    yield launched
    launched.close()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch Debian's Chromium instead of a browser Playwright would download."""
    chromium = _chromium()
    if chromium is None:
        reason = "Chromium is not installed (scripts/setup installs it as root: apt-get)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return {**browser_type_launch_args, "executable_path": chromium}


@pytest.fixture(scope="session")
def thermostats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Thermostat]]:
    """Start every test's thermostat."""
    logs = tmp_path_factory.mktemp("simulators")
    started: dict[str, Thermostat] = {}
    try:
        for name, (n, extra) in THERMOSTATS.items():
            started[name] = Thermostat.start(
                f"127.0.0.{n}", f"key-{name}", logs / f"{name}.log", *extra
            )
        yield started
    finally:
        for thermostat in started.values():
            thermostat.stop()


# Processes, held by nothing in this thread: one set for every browser test module.
@pytest.fixture(scope="session")
def home(
    tmp_path_factory: pytest.TempPathFactory, thermostats: dict[str, Thermostat]
) -> Iterator[HomeAssistant]:
    """Run Home Assistant, onboarded, with a Trane Local entry to migrate and a short pairing."""
    config = tmp_path_factory.mktemp("home") / "config"
    trane = thermostats["trane"]
    hooks = {
        "pairing_timeout": PAIRING_TIMEOUT,
        "default_port": trane.port,
        "trane_host": trane.host,
        "trane_key": trane.key,
    }
    http_port = free_port()
    prepare_config(config, http_port, hooks)
    with home_assistant(config, http_port) as hass:
        yield hass
        _check_log(hass.log)


def _check_log(path: Path) -> None:
    """Fail on blocking calls or unhandled exceptions of ours in Home Assistant's log."""
    text = path.read_text(encoding="utf-8", errors="replace")
    records = [record for record in _LOG_RECORD_START.split(text) if _OURS.search(record)]
    bad = [
        record
        for record in records
        if "Detected blocking call" in record
        or "exception was never retrieved" in record
        or "Unexpected exception" in record
    ]
    assert not bad, "\n".join(bad)


@pytest.fixture(scope="module")
def storage_state(
    browser: Browser, home: HomeAssistant, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Log in once through the login page; later pages start logged in."""
    path = tmp_path_factory.mktemp("browser") / "state.json"
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    try:
        page = context.new_page()
        # The first load of the frontend on a busy machine takes its time.
        page.set_default_timeout(EXPECT_TIMEOUT_MS * 3)
        expect.set_options(timeout=EXPECT_TIMEOUT_MS * 3)
        log_in(page, home.url, USERNAME, PASSWORD)
        context.storage_state(path=path)
    finally:
        context.close()
    return path


@pytest.fixture(scope="module")
def browser_context_args(storage_state: Path) -> dict[str, Any]:
    """Every test's browser context: the window size, and logged in."""
    return {"viewport": {"width": WIDTH, "height": HEIGHT}, "storage_state": storage_state}


@pytest.fixture
def page(page: Page) -> Page:
    """Return the test's page, with waits bounded for a busy machine."""
    page.set_default_timeout(EXPECT_TIMEOUT_MS)
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    return page
