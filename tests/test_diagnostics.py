"""The diagnostics download: state and link statistics, never a secret or an address."""

from __future__ import annotations

from datetime import datetime

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from simulator import Simulator

from .conftest import KEY, MAC, all_unavailable
from .virtual_time import Clock

pytestmark = pytest.mark.usefixtures("us_units")

LIVING = "climate.living_room"


async def test_diagnostics(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    thermostat: Simulator,
    snapshot: SnapshotAssertion,
) -> None:
    """Diagnostics carry state and link statistics, never the key, host or MAC."""
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    text = repr(diagnostics)
    assert "test-key" not in text
    assert "127.0.0.1" not in text
    assert "aa:bb:cc:dd:ee:ff" not in text
    assert diagnostics["link"]["state"] == "ready"
    assert diagnostics["link"]["stats"]["connects"] == 1
    assert set(diagnostics["state"]["zones"]) == {"1", "2"}
    # Readable: names beside the codes, wall-clock times beside the loop's seconds.
    assert diagnostics["state"]["zones"]["2"]["mode"] == "3"
    assert diagnostics["state"]["zones"]["2"]["mode_name"] == "heat"
    frame = diagnostics["capture"]["frames"][0]
    assert abs((datetime.fromisoformat(frame["at"]) - dt_util.utcnow()).total_seconds()) < 60
    volatile = props(
        "entry_id", "created_at", "modified_at", "fingerprint", "connected_since", "port", "t", "at"
    )
    assert diagnostics == snapshot(exclude=volatile)


async def test_diagnostics_after_an_outage_name_no_address_or_key(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    thermostat: Simulator,
    clock: Clock,
) -> None:
    """The last error and the disconnect reason say what happened, not where the thermostat is."""
    await thermostat.refuse()
    thermostat.reset_clients()
    await clock.until(lambda: all_unavailable(hass, LIVING), limit=5)
    await clock.advance(5)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    assert diagnostics["link"]["last_error"] is not None
    assert diagnostics["link"]["stats"]["last_disconnect_reason"] is not None
    text = repr(diagnostics)
    for secret in ("127.0.0.1", KEY, MAC, MAC.replace(":", "")):
        assert secret not in text
