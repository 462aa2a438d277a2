"""Presets in the real frontend: the entry's Configure dialog, then a zone holding one.

The user sets the pairs where Home Assistant keeps an integration's options (the cog of the
entry), sees a pair the thermostat would not take refused with the reason, and then finds a zone
holding the pair saved once Away is chosen in its climate dialog.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from .instance import HomeAssistant, Thermostat
from .ui import add_with_key, dialog, entry_row

pytestmark = pytest.mark.timeout(120)


def open_presets(page: Page, home: HomeAssistant, thermostat: Thermostat) -> Locator:
    """Open the entry's Configure dialog; return it at the presets form."""
    entry_row(page, home.url, thermostat).get_by_role("button", name="Configure").first.click()
    flow = dialog(page)
    expect(flow.get_by_text("The temperatures each preset holds")).to_be_visible()
    return flow


def test_set_the_presets_then_hold_one(
    page: Page, home: HomeAssistant, thermostats: dict[str, Thermostat]
) -> None:
    """A pair closer than the deadband is refused in the form; Away then holds the saved pair."""
    thermostat = thermostats["presets"]
    add_with_key(page, home.url, thermostat)

    flow = open_presets(page, home, thermostat)
    away_heat = flow.get_by_role("spinbutton", name="Away: heat to")
    away_cool = flow.get_by_role("spinbutton", name="Away: cool to")
    expect(away_heat).to_have_value("62")
    expect(away_cool).to_have_value("82")
    away_cool.fill("63")
    flow.get_by_role("button", name="Submit").click()
    expect(flow.get_by_text("Cooling must be at least 3 °F above heating")).to_be_visible()
    expect(away_cool).to_have_value("63")  # what was typed is kept

    away_heat.fill("60")
    away_cool.fill("85")
    flow.get_by_role("button", name="Submit").click()
    expect(flow.get_by_text("Options successfully saved")).to_be_visible()  # the frontend's
    flow.get_by_role("button", name="Finish").click()
    expect(dialog(page)).to_have_count(0)

    flow = open_presets(page, home, thermostat)
    expect(flow.get_by_role("spinbutton", name="Away: heat to")).to_have_value("60")
    expect(flow.get_by_role("spinbutton", name="Away: cool to")).to_have_value("85")
    flow.get_by_role("button", name="Close").click()
    expect(dialog(page)).to_have_count(0)

    # A zone of this thermostat: its climate dialog, and Away from its preset menu.
    entry_row(page, home.url, thermostat).get_by_text("Living Room", exact=True).first.click()
    row = page.locator("hui-climate-entity-row").first
    expect(row).to_contain_text(
        "Auto"
    )  # the zone's page is drawn, with the zone following its schedule
    row.locator("state-badge").click()
    # The dialog's content is slotted into it, so it is found from the dialog's element.
    climate = page.locator("ha-more-info-dialog")
    climate.get_by_role("button", name="Preset None").click()
    climate.get_by_role("menuitem", name="Away").click()
    expect(climate.get_by_role("button", name="Preset Away")).to_be_visible()
    expect(climate.get_by_text("60", exact=True)).to_be_visible()
    expect(climate.get_by_text("85", exact=True)).to_be_visible()
