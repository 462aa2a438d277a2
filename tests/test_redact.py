"""The one redactor: keys, every address an entry has had, MACs in any notation, discovery keys."""

from __future__ import annotations

import pytest
from homeassistant.config_entries import DiscoveryKey
from homeassistant.const import CONF_HOST, CONF_PORT
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.steamloop.client import BASE_REDACTOR, Redactor, mac_notations
from custom_components.steamloop.const import (
    CONF_PAST_HOSTS,
    CONF_SECRET_KEY,
    CONF_SERIAL_URL,
    DOMAIN,
)
from custom_components.steamloop.redact import entry_diagnostics, entry_redactor, moved

R = "**REDACTED**"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Thermostat 192.168.1.20: Connection refused", f"Thermostat {R}: Connection refused"),
        ("('10.0.0.7', 7878)", f"('{R}', 7878)"),
        ("mac AA:BB:CC:DD:EE:FF and aa-bb-cc-dd-ee-ff", f"mac {R} and {R}"),
        ("unique aabbccddeeff, cisco aabb.ccdd.eeff", f"unique {R}, cisco {R}"),
        ("other mac 00:02:31:01:02:03 and 0002.3101.0203", f"other mac {R} and {R}"),
        ("bad key s3cret-Key!", f"bad key {R}"),
        ("could not open port /dev/ttyUSB0: busy", f"could not open port {R}: busy"),
        ("v6 fe80::1%eth0 and 2001:db8:0:0:0:0:0:1 and ::1", f"v6 {R} and {R} and {R}"),
        ("host thermo-upstairs.example.lan is gone", f"host {R} is gone"),
        ("old host THERMO-OLD.lan", f"old host {R}"),
        ('{"secret_key": "other"}', f'{{"secret_key": "{R}"}}'),
        ("version 1.2.3 and 1.2.3.4.5 stay", "version 1.2.3 and 1.2.3.4.5 stay"),
        ("at 12:30:45 on 2026-12-04, 72.00 F", "at 12:30:45 on 2026-12-04, 72.00 F"),
    ],
)
def test_entry_redactor_masks_wherever_it_occurs(text: str, shown: str) -> None:
    """Key, every host the entry had, serial path, MACs and IP addresses are masked anywhere."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="aa:bb:cc:dd:ee:ff",
        data={
            CONF_SECRET_KEY: "s3cret-Key!",
            CONF_HOST: "thermo-upstairs.example.lan",
            CONF_PORT: 7878,
            CONF_PAST_HOSTS: ["thermo-old.lan", "/dev/ttyUSB0"],
        },
    )
    assert entry_redactor(entry)(text) == shown


def test_redactor_walks_nested_data_and_masks_named_fields() -> None:
    """Every string of nested data is redacted; fields named in `keys` are masked whole."""
    redact = Redactor(["key"])
    assert redact.data(
        {"a": ["key", ("1.2.3.4", 5)], "b": None, "c": {"host": "x"}}, frozenset({"host"})
    ) == {
        "a": [R, [R, 5]],
        "b": None,
        "c": {"host": R},
    }
    assert redact.with_secrets("key") is redact
    assert redact.with_secrets("other")("other key") == f"{R} {R}"


def test_mac_notations() -> None:
    """A MAC is known in every notation; anything else has none."""
    assert mac_notations("AA:BB:CC:DD:EE:FF") == [
        "aa:bb:cc:dd:ee:ff",
        "aa-bb-cc-dd-ee-ff",
        "aabb.ccdd.eeff",
        "aabbccddeeff",
    ]
    assert mac_notations("thermostat") == []
    assert BASE_REDACTOR("no secrets here") == "no secrets here"


def test_diagnostics_entry_holds_no_discovery_key_or_address() -> None:
    """The entry part of a download: discovery keys as plain data, their MAC masked."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Thermostat",
        unique_id="f" * 64,
        data={CONF_SERIAL_URL: "/dev/ttyUSB1", CONF_SECRET_KEY: "k", CONF_PAST_HOSTS: ["10.1.1.1"]},
        discovery_keys={"dhcp": (DiscoveryKey(domain="dhcp", key="0002310a0b0c", version=1),)},
    )
    shown = repr(entry_diagnostics(entry, entry_redactor(entry)))
    for secret in ("0002310a0b0c", "ttyUSB1", "10.1.1.1", "f" * 64):
        assert secret not in shown
    assert "'discovery_keys': {'dhcp': [{'domain': 'dhcp', 'key': '**REDACTED**'" in shown


def test_moved_remembers_every_replaced_address() -> None:
    """A new host or serial path keeps the old one in past_hosts, once."""
    data = {CONF_HOST: "a.lan", CONF_PORT: 7878}
    data = moved(data, {CONF_HOST: "10.0.0.2"})
    data = moved(data, {CONF_HOST: "a.lan"})
    data = moved(data, {CONF_HOST: "10.0.0.3", CONF_PORT: 7879})
    assert data == {CONF_HOST: "10.0.0.3", CONF_PORT: 7879, CONF_PAST_HOSTS: ["a.lan", "10.0.0.2"]}
    assert moved({CONF_HOST: "x"}, {CONF_SECRET_KEY: "k"}) == {CONF_HOST: "x", CONF_SECRET_KEY: "k"}
