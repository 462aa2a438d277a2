"""DHCP discovery: Trane's MAC prefix, the TLS service asked first, known thermostats followed.

The flow asks port 7878 of the discovered address; here that port is the simulator's free port
(``config_flow.DISCOVERY_PORT``), so parallel runs never collide.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from fnmatch import fnmatch
from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.config_entries import SOURCE_DHCP, SOURCE_IGNORE, DiscoveryKey
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import discovery_flow
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.loader import async_get_dhcp
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.steamloop import config_flow
from custom_components.steamloop.const import (
    CONF_FINGERPRINT,
    CONF_PAST_HOSTS,
    CONF_SECRET_KEY,
    DOMAIN,
)
from simulator import Simulator

from .conftest import KEY
from .virtual_time import Clock

pytestmark = pytest.mark.usefixtures("test_client_identity", "mock_setup_entry")

TRANE_MAC = "00:02:31:0a:0b:0c"


@pytest.fixture
def mock_setup_entry() -> Iterator[AsyncMock]:
    """Keep created entries from setting up: these tests are about the flow."""
    with patch("custom_components.steamloop.async_setup_entry", return_value=True) as mock:
        yield mock


@pytest.fixture
def discovery_port(thermostat: Simulator, monkeypatch: pytest.MonkeyPatch) -> int:
    """Ask the simulator's free port where the flow would ask 7878."""
    monkeypatch.setattr(config_flow, "DISCOVERY_PORT", thermostat.port)
    return thermostat.port


def _packet(mac: str = TRANE_MAC, ip: str = "127.0.0.1") -> DhcpServiceInfo:
    return DhcpServiceInfo(ip=ip, hostname="xl1050-0a0b0c", macaddress=mac.replace(":", ""))


async def _discover(hass: HomeAssistant, clock: Clock, packet: DhcpServiceInfo) -> None:
    """Start the flow as Home Assistant's DHCP watcher does, discovery key and all."""
    discovery_flow.async_create_flow(
        hass,
        DOMAIN,
        {"source": SOURCE_DHCP},
        packet,
        discovery_key=DiscoveryKey(domain="dhcp", key=packet.macaddress, version=1),
    )
    await clock.settle()
    await hass.async_block_till_done()


async def test_the_manifest_matches_trane_and_known_devices(hass: HomeAssistant) -> None:
    """Home Assistant reads our matchers: Trane's MAC prefix, and the devices we registered."""
    ours = [matcher for matcher in await async_get_dhcp(hass) if matcher["domain"] == DOMAIN]
    assert {"domain": DOMAIN, "registered_devices": True} in ours
    prefixes = [matcher["macaddress"] for matcher in ours if "macaddress" in matcher]
    assert any(fnmatch(TRANE_MAC.replace(":", "").upper(), prefix) for prefix in prefixes)
    assert not any(fnmatch("AABBCCDDEEFF", prefix) for prefix in prefixes)


async def test_a_discovered_thermostat_is_confirmed_then_paired(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock, discovery_port: int
) -> None:
    """Trane's prefix and a thermostat on 7878: a discovered flow, named without its address."""
    key = thermostat.start_pairing("paired-key")
    await _discover(hass, clock, _packet())
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["step_id"] == "discovery_confirm"
    assert flow["context"]["title_placeholders"] == {"name": "Thermostat"}
    # Nothing was logged in to: only the TLS service was asked.
    assert not thermostat.logins

    result = await hass.config_entries.flow.async_configure(flow["flow_id"])
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["pair", "key"]
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"next_step_id": "pair"}
    )
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    await thermostat.wait_for_pairing()
    await clock.settle()
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(flow["flow_id"])
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Thermostat"
    assert result["result"].unique_id == TRANE_MAC
    assert result["data"] == {
        CONF_HOST: "127.0.0.1",
        CONF_PORT: discovery_port,
        CONF_SECRET_KEY: key,
        CONF_FINGERPRINT: thermostat.fingerprint,
    }


async def test_a_discovered_thermostat_with_a_key(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock, discovery_port: int
) -> None:
    """The confirm step also leads to entering a key the user has."""
    await _discover(hass, clock, _packet())
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    await hass.config_entries.flow.async_configure(flow["flow_id"], {"next_step_id": "key"})
    result = await clock.wait(
        hass.config_entries.flow.async_configure(flow["flow_id"], {CONF_SECRET_KEY: KEY})
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == TRANE_MAC


async def test_nothing_on_7878_means_no_flow(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock, discovery_port: int
) -> None:
    """The same prefix with nothing listening (a Nexia bridge, say) aborts without a flow."""
    await thermostat.refuse()
    await _discover(hass, clock, _packet())
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert not hass.config_entries.async_entries(DOMAIN)


@pytest.fixture
async def not_tls(monkeypatch: pytest.MonkeyPatch, socket_enabled: None) -> AsyncIterator[int]:
    """Serve something that is not the thermostat's TLS service on a free loopback port."""
    del socket_enabled

    async def answer(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    monkeypatch.setattr(config_flow, "DISCOVERY_PORT", port)
    yield port
    server.close()
    await server.wait_closed()


@pytest.mark.usefixtures("not_tls")
async def test_something_else_on_7878_means_no_flow(hass: HomeAssistant, clock: Clock) -> None:
    """A service on the port that is not the thermostat's TLS aborts quietly too."""
    await _discover(hass, clock, _packet())
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


async def test_a_known_thermostat_is_followed_without_a_flow_or_a_stored_mac(
    hass: HomeAssistant, clock: Clock
) -> None:
    """Its new IP is stored, its old one remembered, and its entry keeps no discovery key."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=TRANE_MAC,
        minor_version=2,
        data={CONF_HOST: "192.0.2.1", CONF_PORT: 7878, CONF_SECRET_KEY: KEY},
    )
    entry.add_to_hass(hass)
    await _discover(hass, clock, _packet(ip="192.0.2.7"))
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert entry.data[CONF_HOST] == "192.0.2.7"
    assert entry.data[CONF_PAST_HOSTS] == ["192.0.2.1"]
    assert dict(entry.discovery_keys) == {}
    # The same lease again changes nothing.
    await _discover(hass, clock, _packet(ip="192.0.2.7"))
    assert entry.data[CONF_PAST_HOSTS] == ["192.0.2.1"]
    assert dict(entry.discovery_keys) == {}


async def test_a_thermostat_known_by_its_certificate_is_followed(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock, discovery_port: int
) -> None:
    """An entry whose MAC was never learnt is found by the certificate on 7878, and followed."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=thermostat.fingerprint,
        minor_version=2,
        data={
            CONF_HOST: "192.0.2.1",
            CONF_PORT: 7878,
            CONF_SECRET_KEY: KEY,
            CONF_FINGERPRINT: thermostat.fingerprint,
        },
    )
    entry.add_to_hass(hass)
    await _discover(hass, clock, _packet())
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert entry.data[CONF_HOST] == "127.0.0.1"
    assert entry.data[CONF_PORT] == discovery_port
    assert dict(entry.discovery_keys) == {}


async def test_an_ignored_or_pending_device_is_not_asked_again(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock, discovery_port: int
) -> None:
    """A device the user ignored, or one whose card is already shown, starts no second flow."""
    await _discover(hass, clock, _packet())
    await _discover(hass, clock, _packet(ip="127.0.0.1"))
    assert len(hass.config_entries.flow.async_progress_by_handler(DOMAIN)) == 1
    connections = thermostat.connections

    other = "00:02:31:0a:0b:0d"
    MockConfigEntry(domain=DOMAIN, source=SOURCE_IGNORE, unique_id=other).add_to_hass(hass)
    await _discover(hass, clock, _packet(mac=other))
    assert len(hass.config_entries.flow.async_progress_by_handler(DOMAIN)) == 1
    assert thermostat.connections == connections
