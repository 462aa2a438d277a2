"""A thermostat found by DHCP, added in the real frontend: the discovered card, then Pair now.

The DHCP packet is handed to Home Assistant as its DHCP watcher would (the test hooks), for a
thermostat listening on a loopback address; everything after that is Home Assistant's and ours.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .instance import HomeAssistant, Thermostat
from .ui import dialog, entry_row, expect_created, open_page

pytestmark = pytest.mark.timeout(120)

TRANE_MAC = "0002310a0b0e"


def test_a_discovered_thermostat_is_paired_from_its_card(
    page: Page, home: HomeAssistant, thermostats: dict[str, Thermostat]
) -> None:
    """Trane's MAC prefix and the TLS service on the port: a card named without an address."""
    thermostat = thermostats["discovered"]
    open_page(page, f"{home.url}/config/integrations/dashboard")
    expect(page.get_by_role("button", name="Add integration")).to_be_visible()
    page.evaluate(
        """([ip, port, mac]) => document.querySelector("home-assistant").hass.callService(
            "steamloop_test_hooks", "dhcp_packet",
            {ip: ip, port: port, macaddress: mac, hostname: "xl1050"})""",
        [thermostat.host, thermostat.port, TRANE_MAC],
    )

    discovered = (
        page.locator("ha-integration-card, ha-config-flow-card")
        .filter(has_text="Steamloop")
        .filter(has=page.get_by_role("button", name="Add"))
    )
    expect(discovered).to_be_visible()
    expect(discovered).to_contain_text("Thermostat")
    expect(discovered).not_to_contain_text(thermostat.host)
    discovered.get_by_role("button", name="Add").click()
    flow = dialog(page)
    expect(flow.get_by_text("Thermostat found")).to_be_visible()
    expect(flow).not_to_contain_text(thermostat.host)
    flow.get_by_text("Pair now").click()
    expect_created(flow, thermostat)

    # The entry is there, named without its address, and loaded.
    row = entry_row(page, home.url, thermostat)
    expect(row).to_be_visible()
    expect(row).not_to_contain_text(thermostat.host)
