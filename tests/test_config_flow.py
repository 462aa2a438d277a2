"""Every path of the config flow, against the simulated thermostat."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.data_entry_flow import EVENT_DATA_ENTRY_FLOW_PROGRESSED, FlowResultType
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.steamloop import helpers
from custom_components.steamloop.client import ClientIdentity, PairingResult
from custom_components.steamloop.compat import vol
from custom_components.steamloop.const import (
    CONF_FINGERPRINT,
    CONF_SECRET_KEY,
    CONF_SERIAL_URL,
    DOMAIN,
    TRANE_DOMAIN,
)
from custom_components.steamloop.flow_pairing import ACKNOWLEDGED_KEYS
from simulator import Simulator

from .conftest import KEY, MAC
from .virtual_time import Clock

pytestmark = pytest.mark.usefixtures("test_client_identity", "mock_setup_entry")


@pytest.fixture
def mock_setup_entry() -> Iterator[AsyncMock]:
    """Keep created entries from setting up: these tests are about the flow."""
    with patch("custom_components.steamloop.async_setup_entry", return_value=True) as mock:
        yield mock


@pytest.fixture
def neighbours(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Give the host a neighbour table in which the simulator's address has a MAC."""
    table = tmp_path / "arp"
    table.write_text(
        "IP address       HW type     Flags       HW address            Mask     Device\n"
        f"127.0.0.1        0x1         0x2         {MAC.upper()}     *        lo\n"
    )
    monkeypatch.setattr(helpers, "NEIGHBOUR_TABLE", table)
    return table


def _defaults(result: ConfigFlowResult) -> dict[str, object]:
    """Return the default of each field of a form."""
    return {
        str(key): key.default()
        for key in result["data_schema"].schema
        if key.default is not vol.UNDEFINED
    }


def _suggested(result: ConfigFlowResult) -> dict[str, object]:
    """Return the suggested value of each field of a form."""
    return {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description and "suggested_value" in key.description
    }


async def _progress_done(hass: HomeAssistant, clock: Clock, flow_id: str) -> None:
    """Move virtual time until the flow's progress step has ended."""
    ended = async_capture_events(hass, EVENT_DATA_ENTRY_FLOW_PROGRESSED)
    await clock.until(lambda: any(e.data["flow_id"] == flow_id for e in ended), limit=30)


async def _start_network(hass: HomeAssistant, sim: Simulator) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["network", "serial"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "network"}
    )
    assert result["step_id"] == "network"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: " 127.0.0.1 ", CONF_PORT: sim.port}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "credentials"
    return result["flow_id"]


async def test_key_path(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock, neighbours: Path
) -> None:
    """A wrong key is refused with a translated error; the right one creates the entry."""
    flow_id = await _start_network(hass, thermostat)
    result = await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "key"})
    assert result["step_id"] == "key"

    result = await clock.wait(
        hass.config_entries.flow.async_configure(flow_id, {CONF_SECRET_KEY: "wrong"})
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "key_rejected"
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(flow_id, {"next": "key"})
    assert result["step_id"] == "key"

    result = await clock.wait(
        hass.config_entries.flow.async_configure(flow_id, {CONF_SECRET_KEY: KEY})
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # Named without its address; known by its MAC.
    assert result["title"] == "Thermostat"
    assert result["result"].unique_id == MAC
    assert result["data"] == {
        CONF_HOST: "127.0.0.1",
        CONF_PORT: thermostat.port,
        CONF_SECRET_KEY: KEY,
        CONF_FINGERPRINT: thermostat.fingerprint,
    }


async def test_key_path_cannot_connect(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    """A thermostat that refuses connections gives cannot_connect, and the user can retry."""
    flow_id = await _start_network(hass, thermostat)
    await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "key"})
    await thermostat.refuse()
    with caplog.at_level(logging.DEBUG, logger="custom_components.steamloop"):
        result = await clock.wait(
            hass.config_entries.flow.async_configure(flow_id, {CONF_SECRET_KEY: f" {KEY} "})
        )
    # The failure is logged for debugging, without the address.
    assert "Checking the key failed: thermostat:" in caplog.text
    assert "127.0.0.1" not in caplog.text
    # Back at the address, filled in, to correct it or try again.
    assert result["step_id"] == "network"
    assert result["errors"] == {"base": "cannot_connect"}
    assert _defaults(result) == {CONF_HOST: "127.0.0.1", CONF_PORT: thermostat.port}

    await thermostat.accept()
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOST: "127.0.0.1", CONF_PORT: thermostat.port}
    )
    result = await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "key"})
    assert _suggested(result) == {CONF_SECRET_KEY: f" {KEY} "}
    result = await clock.wait(
        hass.config_entries.flow.async_configure(flow_id, {CONF_SECRET_KEY: f" {KEY} "})
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # Not on our network segment: known by the certificate it presented, not by its address.
    assert result["result"].unique_id == thermostat.fingerprint


async def test_pair_path(hass: HomeAssistant, thermostat: Simulator, clock: Clock) -> None:
    """Pairing waits in a progress step, then stores the key the thermostat handed out."""
    key = thermostat.start_pairing("paired-key")
    flow_id = await _start_network(hass, thermostat)
    result = await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "pair"})
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert result["progress_action"] == "pair"
    assert "Remote Connection > Pair" in result["description_placeholders"]["path"]

    await thermostat.wait_for_pairing()
    await clock.settle()
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_SECRET_KEY] == key
    assert result["data"][CONF_FINGERPRINT] == thermostat.fingerprint


async def test_pair_timeout_then_retry(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock
) -> None:
    """Nobody presses Pair: a translated timeout, and submitting tries again."""
    thermostat.start_pairing("paired-key")
    thermostat.reply_delay = 1000.0  # the key never comes within the 120 s deadline
    flow_id = await _start_network(hass, thermostat)
    result = await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "pair"})
    assert result["type"] is FlowResultType.SHOW_PROGRESS

    await thermostat.wait_for_logins(1, accepted=None)
    await clock.advance(121, step=10)
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pair_failed"
    assert result["errors"] == {"base": "pair_timeout"}

    thermostat.reply_delay = 0.0
    result = await hass.config_entries.flow.async_configure(flow_id, {"next": "pair"})
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    await thermostat.wait_for_pairing()
    await clock.settle()
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_pair_with_an_empty_key_from_the_thermostat(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock
) -> None:
    """A thermostat handing out no usable key gives a translated error, and ways on."""
    flow_id = await _start_network(hass, thermostat)
    thermostat.start_pairing("")
    result = await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "pair"})
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    await clock.advance(1)
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["step_id"] == "pair_failed"
    assert result["errors"] == {"base": "pair_refused"}
    assert _defaults(result) == {"next": "pair"}


async def test_pair_refused_until_the_deadline_then_retry(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock
) -> None:
    """A thermostat that never leaves its normal screen is reported as refusing to pair."""
    flow_id = await _start_network(hass, thermostat)
    result = await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "pair"})
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    await clock.advance(121, step=1)
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["step_id"] == "pair_failed"
    assert result["errors"] == {"base": "pair_refused"}
    assert len(thermostat.logins) > 20  # one every 5 s

    key = thermostat.start_pairing("second-try")
    result = await hass.config_entries.flow.async_configure(flow_id, {"next": "pair"})
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    await thermostat.wait_for_pairing()
    await clock.settle()
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_SECRET_KEY] == key


async def test_pair_progress_tells_refusing_or_silent_and_the_time_left(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock
) -> None:
    """While waiting, the dialog is told every 5 s (half-way between two tries) the time left and
    what the thermostat does."""
    seen: list[dict[str, object]] = []

    @callback
    def progressed(event: Event) -> None:
        seen.append(dict(event.data))

    hass.bus.async_listen(EVENT_DATA_ENTRY_FLOW_PROGRESSED, progressed)
    flow_id = await _start_network(hass, thermostat)
    result = await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "pair"})
    assert result["progress_action"] == "pair"
    assert result["description_placeholders"]["remaining"] == "120"

    # Not on its pairing screen: each try is refused, and the dialog says so.
    await clock.until(lambda: any(event.get("refresh") for event in seen), limit=10)
    assert any(not login.accepted for login in thermostat.logins)
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert result["progress_action"] == "pair_refusing"
    remaining = int(result["description_placeholders"]["remaining"])
    assert remaining < 120

    # On its pairing screen, but no key yet (Pair not pressed): silent, no longer "refusing".
    thermostat.pairing_delay = 30.0
    thermostat.start_pairing("late-key")
    await clock.advance(15, step=1)
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["progress_action"] == "pair_silent"
    assert int(result["description_placeholders"]["remaining"]) <= remaining - 15

    await clock.advance(30, step=1)
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_SECRET_KEY] == "late-key"


async def test_pair_failed_offers_a_key_or_the_address(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock
) -> None:
    """After a failed pairing the user may enter a key instead, or go back to the address."""
    flow_id = await _start_network(hass, thermostat)
    thermostat.start_pairing("")
    await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "pair"})
    await clock.advance(1)
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["step_id"] == "pair_failed"
    result = await hass.config_entries.flow.async_configure(flow_id, {"next": "address"})
    assert result["step_id"] == "network"
    assert result["errors"] == {}
    assert _defaults(result) == {CONF_HOST: "127.0.0.1", CONF_PORT: thermostat.port}

    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOST: "127.0.0.1", CONF_PORT: thermostat.port}
    )
    result = await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "pair"})
    await clock.advance(1)
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(flow_id)
    result = await hass.config_entries.flow.async_configure(flow_id, {"next": "key"})
    assert result["step_id"] == "key"
    result = await clock.wait(
        hass.config_entries.flow.async_configure(flow_id, {CONF_SECRET_KEY: KEY})
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_pair_cannot_connect_goes_back_to_the_address(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock
) -> None:
    """Nothing answers at the address: the address form comes back with the error."""
    flow_id = await _start_network(hass, thermostat)
    await thermostat.refuse()
    result = await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "pair"})
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    await clock.advance(1)
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["step_id"] == "network"
    assert result["errors"] == {"base": "cannot_connect"}


async def test_fast_pairing_is_announced_to_a_late_subscriber(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock
) -> None:
    """A key that comes before the frontend subscribed to progress events is announced again
    once it has subscribed; once only, so it fetches the finished flow once."""
    key = thermostat.start_pairing("quick-key")
    flow_id = await _start_network(hass, thermostat)
    result = await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "pair"})
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    await thermostat.wait_for_pairing()
    await clock.advance(2)

    # The frontend subscribes only now, after the progress has ended.
    announced = async_capture_events(hass, EVENT_DATA_ENTRY_FLOW_PROGRESSED)
    await clock.advance(1)
    assert [event.data["flow_id"] for event in announced] == [flow_id]
    await clock.advance(10)
    assert len(announced) == 1

    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_SECRET_KEY] == key


async def test_no_second_announcement_to_a_subscriber_in_time(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock
) -> None:
    """A frontend subscribed in time sees the end once, however long it takes to fetch."""
    announced = async_capture_events(hass, EVENT_DATA_ENTRY_FLOW_PROGRESSED)
    thermostat.start_pairing("quick-key")
    flow_id = await _start_network(hass, thermostat)
    await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "pair"})
    await thermostat.wait_for_pairing()
    await clock.advance(30, step=1)
    assert [event.data["flow_id"] for event in announced] == [flow_id]
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_announcing_stops_after_a_minute_or_when_the_dialog_closes(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock
) -> None:
    """Late subscribers are looked for during a minute, and not after the dialog closed."""
    thermostat.start_pairing("quick-key")
    first = await _start_network(hass, thermostat)
    await hass.config_entries.flow.async_configure(first, {"next_step_id": "pair"})
    await thermostat.wait_for_pairing()
    await clock.advance(65, step=0.5)
    late = async_capture_events(hass, EVENT_DATA_ENTRY_FLOW_PROGRESSED)
    await clock.advance(5)
    assert late == []

    # Another dialog for the thermostat gets the same key (still unclaimed) after a login.
    second = await _start_network(hass, thermostat)
    await hass.config_entries.flow.async_configure(second, {"next_step_id": "pair"})
    await _progress_done(hass, clock, second)
    hass.config_entries.flow.async_abort(second)
    after = async_capture_events(hass, EVENT_DATA_ENTRY_FLOW_PROGRESSED)
    await clock.advance(5)
    assert after == []
    hass.config_entries.flow.async_abort(first)


async def test_a_key_acknowledged_before_the_dialog_closed_is_kept(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock, neighbours: Path
) -> None:
    """The user closes the dialog while the thermostat is switching to the new key: pairing
    again uses that key instead of waiting for a thermostat that has left pairing mode."""
    key = thermostat.start_pairing("kept-key")
    thermostat.ignore_goodbye = True  # our TLS close goes unanswered: the close takes seconds
    flow_id = await _start_network(hass, thermostat)
    await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "pair"})
    await thermostat.wait_for_pairing()
    await clock.advance(1)
    hass.config_entries.flow.async_abort(flow_id)
    await hass.async_block_till_done()
    assert not thermostat.pairing
    thermostat.ignore_goodbye = False
    thermostat.wake()

    flow_id = await _start_network(hass, thermostat)
    result = await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "pair"})
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    await _progress_done(hass, clock, flow_id)
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_SECRET_KEY] == key
    assert thermostat.paired_keys == [key]
    assert [login.pairing for login in thermostat.logins] == [True, False]
    assert not hass.data[ACKNOWLEDGED_KEYS]


async def test_a_kept_key_that_stopped_working_means_pairing_again(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock
) -> None:
    """A kept key the thermostat no longer takes (paired with another client since) is dropped."""
    flow_id = await _start_network(hass, thermostat)
    hass.data[ACKNOWLEDGED_KEYS] = {
        f"127.0.0.1:{thermostat.port}": PairingResult("stale-key", thermostat.fingerprint)
    }
    key = thermostat.start_pairing("fresh-key")
    await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "pair"})
    await clock.wait(thermostat.wait_for_pairing())
    await clock.settle()
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_SECRET_KEY] == key


@pytest.mark.parametrize("blank", ["", "   ", "\t \n"])
async def test_a_blank_key_is_refused(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock, blank: str
) -> None:
    """A blank key would be a pairing login: refused before anything is sent, typing kept."""
    flow_id = await _start_network(hass, thermostat)
    await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "key"})
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_SECRET_KEY: blank})
    assert result["step_id"] == "key"
    assert result["errors"] == {CONF_SECRET_KEY: "empty_key"}
    assert thermostat.connections == 0
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_a_wrong_key_stays_in_the_form(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock
) -> None:
    """After a rejected key: another key (what was typed shown), pairing, or the address."""
    flow_id = await _start_network(hass, thermostat)
    await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "key"})
    result = await clock.wait(
        hass.config_entries.flow.async_configure(flow_id, {CONF_SECRET_KEY: "test-kye"})
    )
    assert result["step_id"] == "key_rejected"
    assert result["errors"] == {"base": "invalid_auth"}
    options = result["data_schema"].schema["next"].config["options"]
    assert options == ["key", "pair", "address"]
    # The form shown again (a reload of the dialog) is the same choice.
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["step_id"] == "key_rejected"

    result = await hass.config_entries.flow.async_configure(flow_id, {"next": "address"})
    assert result["step_id"] == "network"
    assert _defaults(result) == {CONF_HOST: "127.0.0.1", CONF_PORT: thermostat.port}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOST: "127.0.0.1", CONF_PORT: thermostat.port}
    )
    result = await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "key"})
    assert _suggested(result) == {CONF_SECRET_KEY: "test-kye"}
    result = await clock.wait(
        hass.config_entries.flow.async_configure(flow_id, {CONF_SECRET_KEY: "test-kye"})
    )
    # Pair now, from the rejected key: the thermostat's pairing screen gives a new key.
    thermostat.start_pairing("paired-key")
    result = await hass.config_entries.flow.async_configure(flow_id, {"next": "pair"})
    assert result["step_id"] == "pair"
    await thermostat.wait_for_pairing()
    await clock.settle()
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_SECRET_KEY] == "paired-key"


MISTYPED_HOSTS = ["192.168..5", f"{'a' * 64}.lan", "exa mple", "-thermostat", "", "."]


@pytest.mark.parametrize("host", MISTYPED_HOSTS)
async def test_a_mistyped_host_is_a_form_error(
    hass: HomeAssistant, thermostat: Simulator, host: str
) -> None:
    """A host no resolver takes is an error on the host field; what was typed stays."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "network"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: host, CONF_PORT: thermostat.port}
    )
    assert result["step_id"] == "network"
    assert result["errors"] == {CONF_HOST: "invalid_host"}
    assert _defaults(result) == {CONF_HOST: host.strip(), CONF_PORT: thermostat.port}
    assert thermostat.connections == 0


async def test_a_mistyped_host_in_reconfigure_and_migration(
    hass: HomeAssistant, thermostat: Simulator, mock_config_entry: MockConfigEntry
) -> None:
    """Reconfigure and migration refuse a host no resolver takes, with a translated error."""
    mock_config_entry.add_to_hass(hass)
    result = await mock_config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "192.168..5", CONF_PORT: thermostat.port}
    )
    assert result["errors"] == {CONF_HOST: "invalid_host"}
    assert _defaults(result)[CONF_HOST] == "192.168..5"

    trane = MockConfigEntry(
        domain=TRANE_DOMAIN, title="Thermostat", data={CONF_HOST: "10..1", CONF_SECRET_KEY: KEY}
    )
    trane.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "migrate"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"entry": trane.entry_id}
    )
    assert result["errors"] == {"base": "invalid_host"}
    assert thermostat.connections == 0


async def test_pair_cancelled_by_closing_the_dialog(
    hass: HomeAssistant, thermostat: Simulator
) -> None:
    """Closing the dialog cancels pairing: the socket closes, nothing is left running."""
    thermostat.start_pairing("paired-key")
    thermostat.reply_delay = 1000.0
    flow_id = await _start_network(hass, thermostat)
    result = await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "pair"})
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    await thermostat.wait_for_clients(1)

    hass.config_entries.flow.async_abort(flow_id)
    await hass.async_block_till_done()
    await thermostat.wait_for_clients(0)
    assert not hass.config_entries.flow.async_progress()
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_duplicate_host_is_refused(
    hass: HomeAssistant, thermostat: Simulator, mock_config_entry: MockConfigEntry
) -> None:
    """The same address twice is refused before anything is sent."""
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "network"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: thermostat.port}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_same_thermostat_at_new_address_updates_entry(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock, neighbours: Path
) -> None:
    """Adding a known thermostat (same MAC) again just updates its address."""
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=MAC, data={CONF_HOST: "192.0.2.1", CONF_PORT: 7878}
    )
    entry.add_to_hass(hass)
    flow_id = await _start_network(hass, thermostat)
    await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "key"})
    result = await clock.wait(
        hass.config_entries.flow.async_configure(flow_id, {CONF_SECRET_KEY: KEY})
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == "127.0.0.1"
    assert entry.data[CONF_PORT] == thermostat.port


async def test_serial_path(hass: HomeAssistant, thermostat: Simulator, clock: Clock) -> None:
    """With advanced mode, a thermostat on a serial line is added with a key."""
    path = await thermostat.open_pty()
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "serial"}
    )
    assert result["step_id"] == "serial"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SERIAL_URL: path}
    )
    flow_id = result["flow_id"]
    await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "key"})
    result = await clock.wait(
        hass.config_entries.flow.async_configure(flow_id, {CONF_SECRET_KEY: KEY})
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_SERIAL_URL] == path
    # A serial line presents nothing to know the thermostat by: a random id, no path in it.
    assert re.fullmatch("[0-9a-f]{32}", str(result["result"].unique_id))
    assert result["data"][CONF_FINGERPRINT] is None


async def test_migrate_from_trane(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock, socket_enabled: None
) -> None:
    """A Trane Local entry is offered; taking it over copies host and key without pairing."""
    trane = MockConfigEntry(
        domain=TRANE_DOMAIN,
        title="Thermostat (127.0.0.1)",
        data={CONF_HOST: "127.0.0.1", CONF_SECRET_KEY: KEY},
    )
    trane.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["menu_options"] == ["network", "migrate", "serial"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "migrate"}
    )
    assert result["step_id"] == "migrate"
    flow_id = result["flow_id"]

    # The trane entry has no port: the thermostat's standard one is used (here, the simulator's).
    with patch("custom_components.steamloop.config_flow.DEFAULT_PORT", thermostat.port):
        await thermostat.refuse()
        result = await clock.wait(
            hass.config_entries.flow.async_configure(flow_id, {"entry": trane.entry_id})
        )
        assert result["errors"] == {"base": "cannot_connect"}

        await thermostat.accept()
        result = await clock.wait(
            hass.config_entries.flow.async_configure(flow_id, {"entry": trane.entry_id})
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["description"] == "migrated"
    assert result["description_placeholders"] == {
        "title": "Thermostat (127.0.0.1)",
        "kept": "-",
        "renamed": "-",
    }
    assert result["data"][CONF_SECRET_KEY] == KEY
    assert thermostat.paired_keys == []


async def test_reauth_with_key(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock, mock_config_entry: MockConfigEntry
) -> None:
    """Re-authentication with a new key updates the entry."""
    mock_config_entry.add_to_hass(hass)
    thermostat.set_secret_key("new-key")
    result = await mock_config_entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "reauth_confirm"
    flow_id = result["flow_id"]
    await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "key"})
    result = await clock.wait(
        hass.config_entries.flow.async_configure(flow_id, {CONF_SECRET_KEY: "new-key"})
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert mock_config_entry.data[CONF_SECRET_KEY] == "new-key"


async def test_reauth_with_a_rejected_key_offers_pairing(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock, mock_config_entry: MockConfigEntry
) -> None:
    """A rejected key in re-authentication leads to another key or pairing (no address here)."""
    mock_config_entry.add_to_hass(hass)
    thermostat.set_secret_key("new-key")
    result = await mock_config_entry.start_reauth_flow(hass)
    flow_id = result["flow_id"]
    await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "key"})
    result = await clock.wait(
        hass.config_entries.flow.async_configure(flow_id, {CONF_SECRET_KEY: "old-key"})
    )
    assert result["step_id"] == "key_rejected"
    assert result["data_schema"].schema["next"].config["options"] == ["key", "pair"]
    result = await hass.config_entries.flow.async_configure(flow_id, {"next": "key"})
    result = await clock.wait(
        hass.config_entries.flow.async_configure(flow_id, {CONF_SECRET_KEY: "new-key"})
    )
    assert result["reason"] == "reauth_successful"


async def test_reauth_by_pairing(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock, mock_config_entry: MockConfigEntry
) -> None:
    """Re-authentication by pairing again stores the new key and certificate."""
    mock_config_entry.add_to_hass(hass)
    key = thermostat.start_pairing("repaired")
    result = await mock_config_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "pair"}
    )
    await thermostat.wait_for_pairing()
    await clock.settle()
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["reason"] == "reauth_successful"
    assert mock_config_entry.data[CONF_SECRET_KEY] == key


async def test_reauth_refuses_a_different_thermostat(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock, mock_config_entry: MockConfigEntry
) -> None:
    """A key that works on a thermostat with another certificate is not stored: another device."""
    mock_config_entry.add_to_hass(hass)
    pinned = mock_config_entry.data[CONF_FINGERPRINT]
    await thermostat.use_server_certificate()
    result = await mock_config_entry.start_reauth_flow(hass)
    flow_id = result["flow_id"]
    await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "key"})
    result = await clock.wait(
        hass.config_entries.flow.async_configure(flow_id, {CONF_SECRET_KEY: KEY})
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_device"
    assert mock_config_entry.data[CONF_FINGERPRINT] == pinned


async def test_reauth_after_a_certificate_repair_accepts_the_new_certificate(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock, mock_config_entry: MockConfigEntry
) -> None:
    """Pairing again from the certificate repair pins the certificate the user was told about."""
    mock_config_entry.add_to_hass(hass)
    new = await thermostat.use_server_certificate()
    ir.async_create_issue(
        hass,
        DOMAIN,
        f"certificate_changed_{mock_config_entry.entry_id}",
        is_fixable=True,
        severity=ir.IssueSeverity.ERROR,
        translation_key="certificate_changed",
    )
    result = await mock_config_entry.start_reauth_flow(hass)
    flow_id = result["flow_id"]
    await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "key"})
    result = await clock.wait(
        hass.config_entries.flow.async_configure(flow_id, {CONF_SECRET_KEY: KEY})
    )
    assert result["reason"] == "reauth_successful"
    assert mock_config_entry.data[CONF_FINGERPRINT] == new.fingerprint


async def test_reconfigure(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock, pki: object, neighbours: Path
) -> None:
    """A new address is checked with the stored key; a different thermostat is refused."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=MAC,
        data={
            CONF_HOST: "127.0.0.1",
            CONF_PORT: 1,
            CONF_SECRET_KEY: KEY,
            CONF_FINGERPRINT: thermostat.fingerprint,
        },
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    flow_id = result["flow_id"]

    result = await clock.wait(
        hass.config_entries.flow.async_configure(
            flow_id, {CONF_HOST: "127.0.0.1", CONF_PORT: thermostat.port}
        )
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_PORT] == thermostat.port

    # Another thermostat (another MAC) at an address: said on the form, to correct the address.
    neighbours.write_text(neighbours.read_text().replace(MAC.upper(), "00:11:22:33:44:55"))
    result = await entry.start_reconfigure_flow(hass)
    result = await clock.wait(
        hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: thermostat.port}
        )
    )
    assert result["step_id"] == "reconfigure"
    assert result["errors"] == {"base": "wrong_device"}

    # A thermostat that refuses the stored key: another one, or this one reset; not "pair again".
    thermostat.set_secret_key("after-a-factory-reset")
    result = await clock.wait(
        hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: thermostat.port}
        )
    )
    assert result["errors"] == {"base": "other_thermostat"}
    assert entry.data[CONF_PORT] == thermostat.port


async def test_reconfigure_errors_and_fingerprint_check(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock
) -> None:
    """Without a MAC, the pinned certificate tells thermostats apart; errors are shown."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="127.0.0.1:1",
        data={
            CONF_HOST: "127.0.0.1",
            CONF_PORT: 1,
            CONF_SECRET_KEY: KEY,
            CONF_FINGERPRINT: "00" * 32,
        },
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    flow_id = result["flow_id"]
    result = await clock.wait(
        hass.config_entries.flow.async_configure(flow_id, {CONF_HOST: "127.0.0.1", CONF_PORT: 1})
    )
    assert result["errors"] == {"base": "cannot_connect"}
    result = await clock.wait(
        hass.config_entries.flow.async_configure(
            flow_id, {CONF_HOST: "127.0.0.1", CONF_PORT: thermostat.port}
        )
    )
    assert result["errors"] == {"base": "wrong_device"}
    assert entry.data[CONF_PORT] == 1


async def test_reconfigure_serial(hass: HomeAssistant, thermostat: Simulator, clock: Clock) -> None:
    """A serial entry is reconfigured with a new device path."""
    path = await thermostat.open_pty()
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="serial:/dev/old",
        data={CONF_SERIAL_URL: "/dev/old", CONF_SECRET_KEY: KEY},
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await clock.wait(
        hass.config_entries.flow.async_configure(result["flow_id"], {CONF_SERIAL_URL: path})
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_SERIAL_URL] == path


def test_identity_fixture_is_in_use(test_client_identity: ClientIdentity) -> None:
    """The flow presents the test CA's client certificate (the strict simulator demands it)."""
    assert test_client_identity.name == "test"


async def test_serial_cannot_connect_goes_back_to_the_device(
    hass: HomeAssistant, clock: Clock, tmp_path: Path
) -> None:
    """A serial device that cannot be opened brings back the device form, filled in."""
    missing = str(tmp_path / "ttyUSB9")
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "serial"}
    )
    flow_id = result["flow_id"]
    await hass.config_entries.flow.async_configure(flow_id, {CONF_SERIAL_URL: missing})
    await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "key"})
    result = await clock.wait(
        hass.config_entries.flow.async_configure(flow_id, {CONF_SECRET_KEY: KEY})
    )
    assert result["step_id"] == "serial"
    assert result["errors"] == {"base": "cannot_connect"}
    assert _defaults(result) == {CONF_SERIAL_URL: missing}


async def test_reauth_errors_stay_in_the_dialog(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock, mock_config_entry: MockConfigEntry
) -> None:
    """Re-authenticating has no address step: errors stay where they happen."""
    mock_config_entry.add_to_hass(hass)
    await thermostat.refuse()
    result = await mock_config_entry.start_reauth_flow(hass)
    flow_id = result["flow_id"]
    await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "key"})
    result = await clock.wait(
        hass.config_entries.flow.async_configure(flow_id, {CONF_SECRET_KEY: KEY})
    )
    assert result["step_id"] == "key"
    assert result["errors"] == {"base": "cannot_connect"}

    result = await mock_config_entry.start_reauth_flow(hass)
    flow_id = result["flow_id"]
    await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "pair"})
    await clock.advance(1)
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["step_id"] == "pair_failed"
    assert result["errors"] == {"base": "cannot_connect"}
    options = result["data_schema"].schema["next"].config["options"]
    assert options == ["pair", "key"]
