"""A new user's first hour, in the real frontend: rooms, the link, and no dead ends.

Zones land in the areas of their names; the thermostat's link is an entity of its own on the
device page, also after a start with the thermostat down; a rejected key, a reconfigure that
reaches another thermostat and a pairing the thermostat refuses each say what happened and
offer the way on.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.ha_compat import flow_ending

from .conftest import EXPECT_TIMEOUT_MS
from .instance import PAIRING_TIMEOUT, HomeAssistant, Thermostat
from .ui import (
    add_with_key,
    dialog,
    enter_address,
    expect_created,
    open_network_form,
    open_page,
    pair_now,
    submit_key,
)
from .ui import entry_row as ui_entry_row

pytestmark = pytest.mark.timeout(180)

# A start gives the thermostat 20 s before it says it is unreachable; a bound well past it.
START_CHECK_BOUND_S = 60.0
PAIRING_BOUND_MS = (PAIRING_TIMEOUT + 15) * 1000


def entry_row(page: Page, home: HomeAssistant, thermostat: Thermostat) -> Locator:
    """Open the integration's page; return the thermostat's entry on it."""
    return ui_entry_row(page, home.url, thermostat)


def open_device(page: Page, home: HomeAssistant, thermostat: Thermostat) -> None:
    """Open the thermostat's device page from the integration's page."""
    open_page(page, f"{home.url}/config/integrations/integration/steamloop")
    # The entry's heading comes first, its device last.
    page.get_by_text(thermostat.title, exact=True).last.click()
    expect(page.get_by_text("Device info")).to_be_visible()


def test_zones_land_in_the_areas_of_their_names(
    page: Page, home: HomeAssistant, thermostats: dict[str, Thermostat]
) -> None:
    """The zones "Living Room" and "Bedroom" are in those areas as soon as they are added."""
    add_with_key(page, home.url, thermostats["areas"])
    open_page(page, f"{home.url}/config/areas/dashboard")
    for area in ("Living Room", "Bedroom"):
        expect(page.get_by_text(area, exact=True).first).to_be_visible()
    open_page(page, f"{home.url}/config/areas/area/living_room")
    expect(page.get_by_text("Living Room").first).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Living Room")).first).to_be_visible()


def expect_link(page: Page, state: str, timeout: float = EXPECT_TIMEOUT_MS) -> None:
    """Expect the device page's Diagnostic card to show Connectivity in `state`."""
    expect(page.locator("body")).to_match_aria_snapshot(
        f"- list: /.*Connectivity {state} .*/", timeout=timeout
    )


def test_the_link_and_a_start_with_the_thermostat_down(
    page: Page, home: HomeAssistant, thermostats: dict[str, Thermostat]
) -> None:
    """Connectivity on the device page; a start without the thermostat says so, then recovers."""
    thermostat = thermostats["link"]
    add_with_key(page, home.url, thermostat)
    open_device(page, home, thermostat)
    expect(page.get_by_text("Connectivity").first).to_be_visible()
    expect_link(page, "Connected")
    expect(page.get_by_text("Last disconnect reason").first).to_be_visible()

    thermostat.control("down")
    row = entry_row(page, home, thermostat)
    row.get_by_role("button", name="Menu").first.click()
    page.get_by_role("menuitem", name="Reload").click()
    open_device(page, home, thermostat)
    expect_link(page, "Disconnected")

    # One INFO line, without the address, once the start gave the thermostat its chance.
    wanted = f"{thermostat.title} is not reachable since the start"
    deadline = time.monotonic() + START_CHECK_BOUND_S
    while wanted not in home.log.read_text(errors="replace"):
        assert time.monotonic() < deadline, f"no {wanted!r} in the log"
        page.wait_for_timeout(500)

    thermostat.control("up")
    expect_link(page, "Connected", timeout=EXPECT_TIMEOUT_MS * 2)


def test_a_rejected_key_leads_to_another_key_pairing_or_the_address(
    page: Page, home: HomeAssistant, thermostats: dict[str, Thermostat]
) -> None:
    """The rejected key's screen offers every way on; Change the address, then Pair now, work."""
    thermostat = thermostats["rejected"]
    flow = open_network_form(page, home.url)
    enter_address(flow, thermostat.host, thermostat.port)
    flow.get_by_text("I already have a key").click()
    submit_key(flow, "not-the-key")
    expect(flow.get_by_text("The thermostat rejected this key.")).to_be_visible()
    for way in ("Enter a key", "Pair now", "Change the address"):
        expect(flow.get_by_role("radio", name=way)).to_be_visible()

    flow.get_by_role("radio", name="Change the address").check()
    flow.get_by_role("button", name="Submit").click()
    expect(flow.get_by_role("textbox", name="Host")).to_have_value(thermostat.host)
    enter_address(flow, thermostat.host, thermostat.port)
    flow.get_by_text("I already have a key").click()
    expect(flow.get_by_role("textbox", name="Key")).to_have_value("not-the-key")
    flow.get_by_role("button", name="Submit").click()

    thermostat.control("pairing on")
    flow.get_by_role("radio", name="Pair now").check()
    flow.get_by_role("button", name="Submit").click()
    expect_created(flow, thermostat)


def test_reconfigure_to_where_another_thermostat_answers(
    page: Page, home: HomeAssistant, thermostats: dict[str, Thermostat]
) -> None:
    """Another (or a reset) thermostat at the new address is named as the cause, not the key."""
    thermostat, other = thermostats["reconfigure_from"], thermostats["reconfigure_other"]
    add_with_key(page, home.url, thermostat)
    row = entry_row(page, home, thermostat)
    row.get_by_role("button", name="Menu").first.click()
    page.get_by_role("menuitem", name="Reconfigure").click()
    flow = dialog(page)
    enter_address(flow, other.host, other.port)
    expect(
        flow.get_by_text("it is another thermostat, or this one after a factory reset")
    ).to_be_visible()
    expect(flow.get_by_text("Pair again")).to_have_count(0)
    enter_address(flow, thermostat.host, thermostat.port)
    expect(
        flow.get_by_text(
            flow_ending("Reconfiguration was successful", "The thermostat's address was updated.")
        )
    ).to_be_visible()


def test_pairing_says_the_thermostat_refuses_and_the_time_left(
    page: Page, home: HomeAssistant, thermostats: dict[str, Thermostat]
) -> None:
    """Not on its pairing screen: the progress says so with the seconds left, then ways on."""
    thermostat = thermostats["refusing"]
    flow = pair_now(page, home.url, thermostat)
    expect(
        flow.get_by_text("The thermostat refuses: it is not on its pairing screen yet")
    ).to_be_visible(timeout=PAIRING_BOUND_MS)
    expect(flow.get_by_text(re.compile(r"\d+ seconds left"))).to_be_visible()
    expect(flow.get_by_text("Pairing failed")).to_be_visible(timeout=PAIRING_BOUND_MS)
    thermostat.control("pairing on")
    expect(flow.get_by_role("radio", name="Pair now")).to_be_checked()
    flow.get_by_role("button", name="Submit").click()
    expect_created(flow, thermostat)
