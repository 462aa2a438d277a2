"""The user's way through the frontend, shared by the browser tests and scripts/screenshots.

Every step is what a user does: open "Add integration" for Steamloop, pick a menu entry, fill in
a form and submit it. Playwright's locators wait for each screen by themselves.
"""

from __future__ import annotations

import re
from typing import Protocol

from playwright.sync_api import Error, Locator, Page, expect

# What a new entry and its device are called: "Thermostat", "Thermostat 2", ... (no address).
TITLE = re.compile(r"^Thermostat( \d+)?$")


class Thermostat(Protocol):
    """Where a thermostat is and the key it takes."""

    host: str
    port: int
    key: str
    title: str


def log_in(page: Page, url: str, username: str, password: str) -> None:
    """Log in through the login page."""
    page.goto(url)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Settings")).to_be_visible()


def open_page(page: Page, url: str) -> None:
    """Go to `url` as a user typing it would; again if the frontend's own navigation aborted it.

    Chromium aborts (net::ERR_ABORTED) a navigation that starts while the page changes its own
    location, as the frontend may when a dialog closes; nothing is wrong then.
    """
    try:
        page.goto(url)
    except Error as err:
        if "ERR_ABORTED" not in err.message:
            raise
        page.goto(url)


def dialog(page: Page) -> Locator:
    """Return the open dialog."""
    return page.locator("ha-dialog[open]")


def start_adding(page: Page, url: str) -> Locator:
    """Open "Add integration" for Steamloop, as the brand's "Add" link does; return the dialog."""
    page.goto(f"{url}/config/integrations/dashboard/add?domain=steamloop")
    page.get_by_role("button", name="OK").click()  # "Do you want to set up Steamloop?"
    flow = dialog(page)
    expect(flow.get_by_text("Add a thermostat")).to_be_visible()
    return flow


def enter_address(flow: Locator, host: str, port: int) -> None:
    """Fill in the address form and submit it."""
    flow.get_by_role("textbox", name="Host").fill(host)
    flow.get_by_role("spinbutton", name="Port").fill(str(port))
    flow.get_by_role("button", name="Submit").click()


def open_network_form(page: Page, url: str) -> Locator:
    """Start adding a thermostat on the network; return the dialog at the address form."""
    flow = start_adding(page, url)
    flow.get_by_text("On the network").click()
    expect(flow.get_by_text("Thermostat on the network")).to_be_visible()
    return flow


def submit_key(flow: Locator, key: str) -> None:
    """Type a key into the key form and submit it."""
    flow.get_by_role("textbox", name="Key").fill(key)
    flow.get_by_role("button", name="Submit").click()


def expect_created(flow: Locator, thermostat: Thermostat) -> None:
    """The last screen of a successful flow: the thermostat's devices, to name and place.

    The device is named as the entry, without an address; the thermostat learns that name.
    """
    expect(flow.get_by_text("Name and assign")).to_be_visible()
    device_name = flow.get_by_role("textbox", name="Device name").first
    expect(device_name).to_have_value(TITLE)
    # The entry's title, which names it in the entry list, repairs and log lines.
    thermostat.title = device_name.input_value()
    # "Finish" once a device has an area (the zones have theirs), "Skip and finish" otherwise.
    flow.get_by_role("button", name=re.compile(r"^(Skip and finish|Finish)$")).click()
    expect(flow).to_be_hidden()


def entry_row(page: Page, url: str, thermostat: Thermostat) -> Locator:
    """Open the integration's page; return the thermostat's entry on it (by its exact title)."""
    open_page(page, f"{url}/config/integrations/integration/steamloop")
    title = page.get_by_text(thermostat.title, exact=True)
    return page.locator("ha-config-entry-row").filter(has=title)


def add_with_key(page: Page, url: str, thermostat: Thermostat) -> None:
    """Add a thermostat through the key path."""
    flow = open_network_form(page, url)
    enter_address(flow, thermostat.host, thermostat.port)
    flow.get_by_text("I already have a key").click()
    submit_key(flow, thermostat.key)
    expect_created(flow, thermostat)


def pair_now(page: Page, url: str, thermostat: Thermostat) -> Locator:
    """Walk to "Pair now" and choose it; return the dialog."""
    flow = open_network_form(page, url)
    enter_address(flow, thermostat.host, thermostat.port)
    flow.get_by_text("Pair now").click()
    return flow
