"""Every path of the config flow, against the simulated thermostat."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.config_entries import SOURCE_DHCP, SOURCE_USER
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.steamloop import helpers
from custom_components.steamloop.client import ClientIdentity
from custom_components.steamloop.const import (
    CONF_FINGERPRINT,
    CONF_SECRET_KEY,
    CONF_SERIAL_URL,
    DOMAIN,
    TRANE_DOMAIN,
)
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
    assert result["errors"] == {"base": "invalid_auth"}

    result = await clock.wait(
        hass.config_entries.flow.async_configure(flow_id, {CONF_SECRET_KEY: KEY})
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Thermostat 127.0.0.1"
    assert result["result"].unique_id == MAC
    assert result["data"] == {
        CONF_HOST: "127.0.0.1",
        CONF_PORT: thermostat.port,
        CONF_SECRET_KEY: KEY,
        CONF_FINGERPRINT: thermostat.fingerprint,
    }


async def test_key_path_cannot_connect(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock
) -> None:
    """A thermostat that refuses connections gives cannot_connect, and the user can retry."""
    flow_id = await _start_network(hass, thermostat)
    await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "key"})
    await thermostat.refuse()
    result = await clock.wait(
        hass.config_entries.flow.async_configure(flow_id, {CONF_SECRET_KEY: KEY})
    )
    assert result["errors"] == {"base": "cannot_connect"}

    await thermostat.accept()
    result = await clock.wait(
        hass.config_entries.flow.async_configure(flow_id, {CONF_SECRET_KEY: KEY})
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # Not on our network segment: the address is the documented fallback identity.
    assert result["result"].unique_id == f"127.0.0.1:{thermostat.port}"


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
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    await thermostat.wait_for_pairing()
    await clock.settle()
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize(
    ("prepare", "error"),
    [
        ("empty_key", "pair_refused"),
        ("refuse", "cannot_connect"),
    ],
)
async def test_pair_failures(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock, prepare: str, error: str
) -> None:
    """A thermostat handing out no usable key, or not answering, gives a translated error."""
    flow_id = await _start_network(hass, thermostat)
    if prepare == "refuse":
        await thermostat.refuse()
    else:
        thermostat.start_pairing("")
    result = await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "pair"})
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    await clock.advance(11, step=1)
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["step_id"] == "pair_failed"
    assert result["errors"] == {"base": error}


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


async def test_dhcp_follows_a_known_thermostat(hass: HomeAssistant) -> None:
    """A DHCP lease for a known MAC updates the host; an unknown MAC is not ours."""
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=MAC, data={CONF_HOST: "192.0.2.1", CONF_PORT: 7878}
    )
    entry.add_to_hass(hass)
    info = DhcpServiceInfo(ip="192.0.2.7", hostname="thermostat", macaddress="aabbccddeeff")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=info
    )
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == "192.0.2.7"

    other = DhcpServiceInfo(ip="192.0.2.8", hostname="x", macaddress="001122334455")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=other
    )
    assert result["reason"] == "unknown_device"


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
    assert result["result"].unique_id == f"serial:{path}"
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
    assert result["menu_options"] == ["network", "serial", "migrate"]
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
    assert result["description_placeholders"] == {"title": "Thermostat (127.0.0.1)"}
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

    # Another thermostat (another MAC) at an address: refused.
    neighbours.write_text(neighbours.read_text().replace(MAC.upper(), "00:11:22:33:44:55"))
    result = await entry.start_reconfigure_flow(hass)
    result = await clock.wait(
        hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: thermostat.port}
        )
    )
    assert result["reason"] == "wrong_device"


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
    assert result["reason"] == "wrong_device"


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
