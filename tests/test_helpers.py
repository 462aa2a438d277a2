"""Helpers: MAC learning, and action error mapping."""

from __future__ import annotations

from pathlib import Path

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from custom_components.steamloop import helpers
from custom_components.steamloop.client import (
    ConnectError,
    InvalidCommandError,
    NotConfirmedError,
    NotReadyError,
    SteamloopError,
)
from custom_components.steamloop.helpers import async_learn_mac, steamloop_action
from custom_components.steamloop.repairs import CertificateChangedRepairFlow


@pytest.mark.parametrize(
    ("error", "kind", "key"),
    [
        (InvalidCommandError("bad"), ServiceValidationError, "invalid_command"),
        (NotReadyError("down"), HomeAssistantError, "not_connected"),
        (ConnectError("write failed"), HomeAssistantError, "not_connected"),
        (NotConfirmedError("no report"), HomeAssistantError, "not_confirmed"),
        (SteamloopError("odd"), HomeAssistantError, "command_failed"),
    ],
)
async def test_action_errors_are_translated(
    error: SteamloopError, kind: type[HomeAssistantError], key: str
) -> None:
    """A client error raised by an action becomes a translated Home Assistant error."""

    @steamloop_action
    async def action() -> None:
        raise error

    with pytest.raises(kind) as caught:
        await action()
    assert caught.value.translation_key == key
    assert caught.value.__cause__ is error


async def test_learn_mac_by_name_and_without_a_table(
    hass: HomeAssistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A host name is resolved (from the hosts file) first; a missing table means no MAC."""
    table = tmp_path / "arp"
    table.write_text(
        "IP address HW type Flags HW address Mask Device\n"
        "127.0.0.1 0x1 0x2 AA:BB:CC:DD:EE:01 * lo\n"
    )
    monkeypatch.setattr(helpers, "NEIGHBOUR_TABLE", table)
    assert await async_learn_mac(hass, "localhost") == "aa:bb:cc:dd:ee:01"
    monkeypatch.setattr(helpers, "NEIGHBOUR_TABLE", tmp_path / "missing")
    assert await async_learn_mac(hass, "127.0.0.1") is None


@pytest.mark.parametrize("step", ["init", "trust", "repair"])
async def test_repair_of_a_removed_entry_aborts(hass: HomeAssistant, step: str) -> None:
    """Every step of the certificate repair aborts once the entry is gone."""
    flow = CertificateChangedRepairFlow("removed", "ab" * 32)
    flow.hass = hass
    result = await getattr(flow, f"async_step_{step}")()
    assert result["type"] == "abort"
    assert result["reason"] == "entry_removed"


async def test_learn_mac_of_a_name_that_does_not_resolve(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A host name the resolver cannot resolve has no MAC to learn."""

    async def unresolvable(*_args: object, **_kwargs: object) -> None:
        raise OSError

    monkeypatch.setattr(hass.loop, "getaddrinfo", unresolvable)
    assert await async_learn_mac(hass, "thermostat.invalid") is None


def test_an_address_key_names_host_and_port_or_the_serial_path() -> None:
    """The flow's per-address key (never a unique id)."""
    assert helpers.fallback_unique_id({"host": "10.0.0.2"}) == "10.0.0.2:7878"
    assert helpers.fallback_unique_id({"serial_url": "/dev/ttyUSB0"}) == "serial:/dev/ttyUSB0"
