"""Adding a thermostat as a user does, in the real frontend: every path of the config flow.

Each test starts where a user starts (Settings > Devices & services, the Steamloop card, a
repair) and ends on the screen the user expects, reading its text. The thermostat is driven
through the simulator's control channel: pairing mode, a late key, a revoked key, a new
certificate.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.ha_compat import flow_ending

from .conftest import EXPECT_TIMEOUT_MS
from .instance import PAIRING_TIMEOUT, HomeAssistant, Thermostat, free_port
from .ui import (
    add_with_key,
    dialog,
    enter_address,
    entry_row,
    expect_created,
    open_network_form,
    open_page,
    pair_now,
    start_adding,
    submit_key,
)

pytestmark = pytest.mark.timeout(120)

# The pairing step ends at its deadline; a bound well past it.
PAIRING_BOUND_MS = (PAIRING_TIMEOUT + 15) * 1000


def test_pair_now_with_the_pairing_screen_already_open(
    page: Page, home: HomeAssistant, thermostats: dict[str, Thermostat]
) -> None:
    """The thermostat answers in milliseconds, before the frontend subscribed to progress."""
    thermostat = thermostats["pair_at_once"]
    flow = open_network_form(page, home.url)
    enter_address(flow, thermostat.host, thermostat.port)
    # A phone draws the progress step slower than Home Assistant pairs.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 20})
    flow.get_by_text("Pair now").click()
    expect(flow.get_by_text("Name and assign")).to_be_visible()
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    expect_created(flow, thermostat)


def test_pair_now_then_press_pair_on_the_thermostat(
    page: Page, home: HomeAssistant, thermostats: dict[str, Thermostat]
) -> None:
    """Submitted first, Pair pressed a little later: the progress waits, then the entry."""
    thermostat = thermostats["pair_later"]
    flow = pair_now(page, home.url, thermostat)
    # Waiting, then (every 5 s) refusing or silent: each says to press Pair.
    expect(flow.get_by_text(re.compile(r"press Pair[.;]"))).to_be_visible()
    thermostat.control("wait-refusals 1")  # the first try found it on its normal screen
    thermostat.control("pairing on")
    expect(flow.get_by_text("Name and assign")).to_be_visible(timeout=PAIRING_BOUND_MS)
    expect_created(flow, thermostat)


def test_a_thermostat_that_refuses_to_pair_then_pairs(
    page: Page, home: HomeAssistant, thermostats: dict[str, Thermostat]
) -> None:
    """Never on its pairing screen: "refused to pair"; trying again once it is works."""
    thermostat = thermostats["pair_refused"]
    flow = pair_now(page, home.url, thermostat)
    expect(flow.get_by_text("Pairing failed")).to_be_visible(timeout=PAIRING_BOUND_MS)
    expect(flow.get_by_text("The thermostat refused to pair")).to_be_visible()
    expect(flow.get_by_role("radio", name="Pair now")).to_be_checked()

    thermostat.control("pairing on")
    flow.get_by_role("button", name="Submit").click()
    expect_created(flow, thermostat)


def test_no_key_in_time_then_retry(
    page: Page, home: HomeAssistant, thermostats: dict[str, Thermostat]
) -> None:
    """In pairing mode but the key does not come in time: the timeout, then a retry works."""
    thermostat = thermostats["pair_timeout"]
    flow = pair_now(page, home.url, thermostat)
    expect(flow.get_by_text(f"did not send a key within {PAIRING_TIMEOUT} seconds")).to_be_visible(
        timeout=PAIRING_BOUND_MS
    )

    thermostat.control("pairing-delay 0")
    flow.get_by_role("button", name="Submit").click()
    expect_created(flow, thermostat)


def test_i_already_have_a_key(
    page: Page, home: HomeAssistant, thermostats: dict[str, Thermostat]
) -> None:
    """A blank key and a wrong key are refused in the form; the right one adds the thermostat."""
    thermostat = thermostats["key"]
    flow = open_network_form(page, home.url)
    enter_address(flow, thermostat.host, thermostat.port)
    flow.get_by_text("I already have a key").click()

    submit_key(flow, "   ")
    expect(flow.get_by_text("Enter the key; it cannot be blank.")).to_be_visible()
    submit_key(flow, "")  # empty and spaces alike: one message, the flow's
    expect(flow.get_by_text("Enter the key; it cannot be blank.")).to_be_visible()
    submit_key(flow, "not-the-key")
    expect(flow.get_by_text("The thermostat rejected this key")).to_be_visible()
    flow.get_by_role("button", name="Submit").click()  # "Enter a key", chosen already
    expect(flow.get_by_role("textbox", name="Key")).to_have_value("not-the-key")

    submit_key(flow, thermostat.key)
    expect_created(flow, thermostat)


def test_unreachable_and_mistyped_addresses(
    page: Page, home: HomeAssistant, thermostats: dict[str, Thermostat]
) -> None:
    """A mistyped host is an error on the field; nothing answering brings the address back."""
    thermostat = thermostats["address"]
    flow = open_network_form(page, home.url)
    enter_address(flow, "192.168..5", thermostat.port)
    expect(flow.get_by_text("This is not a valid IP address or host name.")).to_be_visible()
    enter_address(flow, "a" * 64 + ".lan", thermostat.port)
    expect(flow.get_by_text("This is not a valid IP address or host name.")).to_be_visible()

    enter_address(flow, thermostat.host, free_port(thermostat.host))
    flow.get_by_text("I already have a key").click()
    submit_key(flow, thermostat.key)
    expect(flow.get_by_text("Could not connect to the thermostat")).to_be_visible()
    expect(flow.get_by_text("Thermostat on the network")).to_be_visible()
    expect(flow.get_by_role("textbox", name="Host")).to_have_value(thermostat.host)

    enter_address(flow, thermostat.host, thermostat.port)
    flow.get_by_text("I already have a key").click()
    expect(flow.get_by_role("textbox", name="Key")).to_have_value(thermostat.key)
    flow.get_by_role("button", name="Submit").click()
    expect_created(flow, thermostat)


def test_the_same_thermostat_twice(
    page: Page, home: HomeAssistant, thermostats: dict[str, Thermostat]
) -> None:
    """Adding a thermostat that is already set up says so."""
    thermostat = thermostats["duplicate"]
    add_with_key(page, home.url, thermostat)
    flow = open_network_form(page, home.url)
    enter_address(flow, thermostat.host, thermostat.port)
    expect(flow.get_by_text("This thermostat is already configured.")).to_be_visible()


def test_take_over_from_trane_local(
    page: Page, home: HomeAssistant, thermostats: dict[str, Thermostat]
) -> None:
    """A Trane Local entry's thermostat is taken over with its key, no pairing."""
    thermostat = thermostats["trane"]
    flow = start_adding(page, home.url)
    flow.get_by_text("Take over a thermostat from Trane Local").click()
    expect(flow.get_by_text("Take over from Trane Local")).to_be_visible()
    flow.get_by_role("button", name="Submit").click()  # the only entry, already chosen
    expect(flow.get_by_text("The thermostat now runs under this integration")).to_be_visible()
    expect_created(flow, thermostat)


def test_reauthenticate_after_the_key_was_revoked(
    page: Page, home: HomeAssistant, thermostats: dict[str, Thermostat]
) -> None:
    """The thermostat stops taking the key: the card asks for attention; a new key fixes it."""
    thermostat = thermostats["reauth"]
    add_with_key(page, home.url, thermostat)
    thermostat.control("revoke key-after-reset")

    # Settings > Devices & services shows the thermostat among "Discovered", to reconfigure.
    open_page(page, f"{home.url}/config/integrations/dashboard")
    expect(page.get_by_text(thermostat.title, exact=True)).to_be_visible()
    page.get_by_role("button", name="Reconfigure").click()
    flow = dialog(page)
    expect(flow.get_by_text("The thermostat rejected its key")).to_be_visible()
    flow.get_by_text("Enter a key", exact=True).click()
    submit_key(flow, "key-after-reset")
    expect(
        flow.get_by_text(
            flow_ending(
                "Re-authentication was successful",
                "The new key works; the thermostat is connected again.",
            )
        )
    ).to_be_visible()


def test_reconfigure_the_address(
    page: Page, home: HomeAssistant, thermostats: dict[str, Thermostat]
) -> None:
    """A new address is checked with the stored key before it is saved."""
    thermostat = thermostats["reconfigure"]
    add_with_key(page, home.url, thermostat)

    entry = entry_row(page, home.url, thermostat)
    entry.get_by_role("button", name="Menu").first.click()  # the entry's, above its devices'
    page.get_by_role("menuitem", name="Reconfigure").click()
    flow = dialog(page)
    expect(flow.get_by_text("Change the thermostat's address")).to_be_visible()
    enter_address(flow, thermostat.host, free_port(thermostat.host))
    expect(flow.get_by_text("Could not connect to the thermostat")).to_be_visible()
    enter_address(flow, thermostat.host, thermostat.port)
    expect(
        flow.get_by_text(
            flow_ending("Reconfiguration was successful", "The thermostat's address was updated.")
        )
    ).to_be_visible()


def test_trust_a_new_certificate_from_the_repair(
    page: Page, home: HomeAssistant, thermostats: dict[str, Thermostat]
) -> None:
    """A new certificate holds the connection and raises a repair; trusting it reconnects."""
    thermostat = thermostats["repair"]
    add_with_key(page, home.url, thermostat)
    fingerprint = thermostat.control("new-certificate")

    open_page(page, f"{home.url}/config/repairs")
    page.get_by_text(f"{thermostat.title} presents a new certificate").click()
    flow = dialog(page)
    flow.get_by_text("Trust the new certificate").click()
    expect(flow.get_by_text(fingerprint)).to_be_visible()
    flow.get_by_role("button", name="Submit").click()
    expect(flow.get_by_text("The issue is repaired!")).to_be_visible()

    open_page(page, f"{home.url}/config/repairs")
    expect(page.get_by_text(f"{thermostat.title} presents a new certificate")).to_be_hidden(
        timeout=EXPECT_TIMEOUT_MS
    )
