"""Helpers: redaction of secrets and addresses, MAC learning, and action error mapping."""

from __future__ import annotations

from pathlib import Path

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.steamloop import helpers
from custom_components.steamloop.client import (
    ConnectError,
    InvalidCommandError,
    NotConfirmedError,
    NotReadyError,
    SteamloopError,
)
from custom_components.steamloop.const import CONF_SECRET_KEY, CONF_SERIAL_URL, DOMAIN
from custom_components.steamloop.helpers import Redactor, async_learn_mac, steamloop_action
from custom_components.steamloop.repairs import CertificateChangedRepairFlow

R = "**REDACTED**"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Thermostat 192.168.1.20: Connection refused", f"Thermostat {R}: Connection refused"),
        ("('10.0.0.7', 7878)", f"('{R}', 7878)"),
        ("mac AA:BB:CC:DD:EE:FF and aa-bb-cc-dd-ee-ff", f"mac {R} and {R}"),
        ("unique aabbccddeeff", f"unique {R}"),
        ("bad key s3cret-Key!", f"bad key {R}"),
        ("could not open port /dev/ttyUSB0: busy", f"could not open port {R}: busy"),
        ("version 1.2.3 and 1.2.3.4.5 stay", "version 1.2.3 and 1.2.3.4.5 stay"),
    ],
)
def test_redactor_masks_wherever_it_occurs(text: str, shown: str) -> None:
    """Key, serial path, MAC and any IPv4 address are masked inside any text."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="aa:bb:cc:dd:ee:ff",
        data={CONF_SECRET_KEY: "s3cret-Key!", CONF_SERIAL_URL: "/dev/ttyUSB0"},
    )
    assert Redactor.for_entry(entry)(text) == shown


def test_redactor_walks_nested_data() -> None:
    """Every string of nested mappings and sequences is redacted; other values are kept."""
    redact = Redactor(["key"])
    assert redact.data({"a": ["key", ("1.2.3.4", 5)], "b": None}) == {
        "a": [R, [R, 5]],
        "b": None,
    }


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
