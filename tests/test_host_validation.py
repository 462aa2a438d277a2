"""Host strings no resolver takes: refused by the flow, and by setup without retrying."""

from __future__ import annotations

import logging
import socket

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component import plugins
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.steamloop.client import ConnectError, TlsTransport
from custom_components.steamloop.const import CONF_SECRET_KEY, DOMAIN
from custom_components.steamloop.helpers import valid_host


@pytest.mark.parametrize(
    "host",
    ["192.168.1.5", "thermostat", "thermostat.lan.", "my_thermostat.local", "ünï.example", "::1"],
)
def test_valid_hosts(host: str) -> None:
    """Addresses and names, international ones included, are taken."""
    assert valid_host(host)


@pytest.mark.parametrize(
    "host", ["192.168..5", f"{'a' * 64}.lan", "", ".", "exa mple", "-x", "x-", "a." * 130]
)
def test_invalid_hosts(host: str) -> None:
    """Empty labels, long labels, spaces and stray hyphens are refused."""
    assert not valid_host(host)


@pytest.mark.usefixtures("socket_enabled", "test_client_identity")
async def test_connecting_to_a_name_getaddrinfo_cannot_encode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The transport turns getaddrinfo's UnicodeError into a ConnectError.

    The test harness's getaddrinfo refuses every name; the real one is used here, which fails on
    encoding such a name before any lookup.
    """
    monkeypatch.setattr(socket, "getaddrinfo", plugins._real_getaddrinfo)
    with pytest.raises(ConnectError, match="not a valid host name"):
        await TlsTransport("192.168..5", 7878).connect()


async def test_an_entry_with_such_a_host_fails_setup_without_retrying(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """An existing entry with a mistyped host: one translated error, and no retry loop."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={CONF_HOST: "192.168..5", CONF_PORT: 7878, CONF_SECRET_KEY: "key"},
    )
    entry.add_to_hass(hass)
    with caplog.at_level(logging.DEBUG):
        assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.error_reason_translation_key == "invalid_host"
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "not a valid IP address or host name" in errors[0].getMessage()
    assert "192.168" not in caplog.text
