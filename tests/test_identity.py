"""A thermostat is known by what it is, not where it is, and named without an address.

Unique ids from the MAC or the certificate (never the address), so adding one thermostat can never
rewrite another's entry; titles, devices and entity ids without addresses; older entries upgraded
with every entity id kept; and no address the entry ever had in a log line or a download.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.config_entries import (
    SOURCE_DHCP,
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlowResult,
    DiscoveryKey,
)
from homeassistant.const import CONF_HOST, CONF_PORT, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import discovery_flow
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.steamloop.compat import linked_to
from custom_components.steamloop.const import (
    CONF_FINGERPRINT,
    CONF_PAST_HOSTS,
    CONF_SECRET_KEY,
    CONF_SERIAL_URL,
    DOMAIN,
)
from simulator import Simulator
from simulator.testing import SimulatorFactory

from .conftest import KEY, MAC, setup_entry
from .virtual_time import Clock

pytestmark = pytest.mark.usefixtures("test_client_identity")

# What an entry set up by 0.2.0 registered: each entity's unique id (after the entry's unique id)
# and the entity id Home Assistant gave it from the device named "Thermostat 127.0.0.1".
ENTITIES_0_2_0 = {
    "connected_since": "sensor.thermostat_127_0_0_1_connected_since",
    "cooling_runtime_today": "sensor.thermostat_127_0_0_1_cooling_time_today",
    "cooling_runtime_total": "sensor.thermostat_127_0_0_1_cooling_time_total",
    "cooling_status": "sensor.thermostat_127_0_0_1_cooling",
    "disconnects": "sensor.thermostat_127_0_0_1_disconnects",
    "emergency_heat": "switch.thermostat_127_0_0_1_emergency_heat",
    "heating_runtime_today": "sensor.thermostat_127_0_0_1_heating_time_today",
    "heating_runtime_total": "sensor.thermostat_127_0_0_1_heating_time_total",
    "heating_status": "sensor.thermostat_127_0_0_1_heating",
    "indoor_humidity": "sensor.thermostat_127_0_0_1_humidity",
    "last_disconnect_reason": "sensor.thermostat_127_0_0_1_last_disconnect_reason",
    "zone_1_climate": "climate.living_room",
    "zone_1_hold": "select.living_room_hold",
    "zone_1_temperature": "sensor.living_room_temperature",
    "zone_2_climate": "climate.bedroom",
    "zone_2_hold": "select.bedroom_hold",
    "zone_2_temperature": "sensor.bedroom_temperature",
}
ZONES_0_2_0 = {"1": "Living Room", "2": "Bedroom"}


@pytest.fixture
def no_setup() -> Iterator[AsyncMock]:
    """Keep created entries from setting up, for tests about the flow alone."""
    with patch("custom_components.steamloop.async_setup_entry", return_value=True) as mock:
        yield mock


async def _add(hass: HomeAssistant, clock: Clock, host: str, port: int, key: str) -> str:
    """Add a thermostat through the user flow with a key; return the result's type or reason."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    flow_id = result["flow_id"]
    await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "network"})
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOST: host, CONF_PORT: port}
    )
    assert result["type"] is FlowResultType.MENU, result
    await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "key"})
    result = await clock.wait(
        hass.config_entries.flow.async_configure(flow_id, {CONF_SECRET_KEY: key})
    )
    return str(result.get("reason") or result["type"])


async def _start_reconfigure(hass: HomeAssistant, entry: ConfigEntry) -> ConfigFlowResult:
    return await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )


@pytest.mark.usefixtures("no_setup")
async def test_adding_a_thermostat_never_takes_over_another_entry(
    hass: HomeAssistant,
    thermostat: Simulator,
    simulator_factory: SimulatorFactory,
    clock: Clock,
) -> None:
    """A thermostat moved away; another one gets its old address: both entries stand.

    The first thermostat's MAC cannot be learnt (not on our segment). It is reconfigured to its
    new address; then a second thermostat, with its own certificate and key, is added at the
    first one's old address. That adds a second entry and leaves the first alone.
    """
    assert await _add(hass, clock, "127.0.0.1", thermostat.port, KEY) == "create_entry"
    (first,) = hass.config_entries.async_entries(DOMAIN)

    moved = await simulator_factory(zones=2, secret_key=KEY)  # same certificate, same key
    result = await _start_reconfigure(hass, first)
    result = await clock.wait(
        hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: "localhost", CONF_PORT: moved.port}
        )
    )
    assert result["reason"] == "reconfigure_successful"

    await thermostat.use_server_certificate()  # now another thermostat at the old address
    thermostat.set_secret_key("second-key")
    assert await _add(hass, clock, "127.0.0.1", thermostat.port, "second-key") == "create_entry"

    assert first.data[CONF_HOST] == "localhost"
    assert first.data[CONF_PORT] == moved.port
    assert first.data[CONF_SECRET_KEY] == KEY
    assert first.state is not ConfigEntryState.SETUP_ERROR
    (second,) = (e for e in hass.config_entries.async_entries(DOMAIN) if e is not first)
    assert second.unique_id == thermostat.fingerprint != first.unique_id
    assert (second.title, first.title) == ("Thermostat 2", "Thermostat")
    # The first thermostat, added again at its new address, is found by what it is.
    assert await _add(hass, clock, "127.0.0.1", moved.port, KEY) == "already_configured"
    assert len(hass.config_entries.async_entries(DOMAIN)) == 2
    assert first.data[CONF_HOST] == "127.0.0.1"
    assert first.data[CONF_PAST_HOSTS] == ["127.0.0.1", "localhost"]


@pytest.mark.usefixtures("no_setup")
async def test_reconfigure_to_another_entrys_thermostat_is_refused(
    hass: HomeAssistant, thermostat: Simulator, simulator_factory: SimulatorFactory, clock: Clock
) -> None:
    """Pointing an entry at the address of a thermostat another entry holds changes nothing."""
    other = await simulator_factory(zones=1, secret_key=KEY)
    await other.use_server_certificate()
    assert await _add(hass, clock, "127.0.0.1", thermostat.port, KEY) == "create_entry"
    assert await _add(hass, clock, "localhost", other.port, KEY) == "create_entry"
    first, second = hass.config_entries.async_entries(DOMAIN)
    # The first entry's pinned certificate is cleared, as an entry made before pinning has none.
    hass.config_entries.async_update_entry(first, data={**first.data, CONF_FINGERPRINT: None})
    result = await _start_reconfigure(hass, first)
    result = await clock.wait(
        hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: other.port}
        )
    )
    assert result["errors"] == {"base": "already_configured"}
    assert first.data[CONF_PORT] == thermostat.port
    assert second.data[CONF_PORT] == other.port


def _register_0_2_0(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Fill the registries as 0.2.0 left them for an entry whose unique id was its address."""
    old = str(entry.unique_id)
    devices = dr.async_get(hass)
    thermostat = devices.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, old)}, name=entry.title
    )
    for zone_id, name in ZONES_0_2_0.items():
        devices.async_get_or_create(
            config_entry_id=entry.entry_id,
            identifiers={(DOMAIN, f"{old}_zone_{zone_id}")},
            **linked_to(thermostat.id, (DOMAIN, old)),
            name=name,
        )
    entities = er.async_get(hass)
    for suffix, entity_id in ENTITIES_0_2_0.items():
        platform, object_id = entity_id.split(".")
        entities.async_get_or_create(
            platform,
            DOMAIN,
            f"{old}_{suffix}",
            suggested_object_id=object_id,
            config_entry=entry,
            device_id=thermostat.id,
        )


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_an_upgraded_entry_keeps_every_entity_id(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock
) -> None:
    """An entry from 0.2.0 (address in its unique id and title) keeps every entity id."""
    old = f"127.0.0.1:{thermostat.port}"
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Thermostat 127.0.0.1",
        unique_id=old,
        version=1,
        minor_version=1,
        # What 0.2.0 let Home Assistant store from the thermostat's DHCP packets: its MAC.
        discovery_keys={"dhcp": (DiscoveryKey(domain="dhcp", key="aabbccddeeff", version=1),)},
        data={
            CONF_HOST: "127.0.0.1",
            CONF_PORT: thermostat.port,
            CONF_SECRET_KEY: KEY,
            CONF_FINGERPRINT: thermostat.fingerprint,
        },
    )
    entry.add_to_hass(hass)
    _register_0_2_0(hass, entry)
    await setup_entry(hass, entry, clock)
    await clock.until(
        lambda: hass.states.get("climate.living_room").state != STATE_UNAVAILABLE, limit=30
    )

    assert entry.state is ConfigEntryState.LOADED
    assert (entry.version, entry.minor_version) == (1, 2)
    assert entry.unique_id == thermostat.fingerprint
    assert entry.title == "Thermostat"
    assert dict(entry.discovery_keys) == {}
    entities = er.async_get(hass)
    for suffix, entity_id in ENTITIES_0_2_0.items():
        platform = entity_id.split(".")[0]
        new_unique_id = f"{thermostat.fingerprint}_{suffix}"
        assert entities.async_get_entity_id(platform, DOMAIN, new_unique_id) == entity_id
        assert hass.states.get(entity_id) is not None, entity_id
    # Nothing was registered twice (a second entity id would end in "_2").
    ours = er.async_entries_for_config_entry(entities, entry.entry_id)
    assert not [e.entity_id for e in ours if e.entity_id.endswith("_2")]
    assert not any(old in e.unique_id for e in ours)
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert sorted(d.name for d in devices) == ["Bedroom", "Living Room", "Thermostat"]
    assert not any(old in key for d in devices for _, key in d.identifiers)


async def test_an_upgraded_entry_without_a_certificate_moves_after_its_first_login(
    hass: HomeAssistant, thermostat: Simulator, clock: Clock
) -> None:
    """An entry that never pinned a certificate leaves its address once it has one."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Living room thermostat",
        unique_id=f"127.0.0.1:{thermostat.port}",
        minor_version=1,
        data={CONF_HOST: "127.0.0.1", CONF_PORT: thermostat.port, CONF_SECRET_KEY: KEY},
    )
    await setup_entry(hass, entry, clock)
    await clock.until(lambda: entry.unique_id == thermostat.fingerprint, limit=30)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.title == "Living room thermostat"  # a name the user chose stays
    assert hass.states.get("climate.living_room") is not None


@pytest.mark.usefixtures("no_setup")
async def test_an_upgraded_serial_entry_loses_its_path(hass: HomeAssistant) -> None:
    """A serial entry's unique id and title no longer carry its serial path."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Thermostat /dev/ttyUSB0",
        unique_id="serial:/dev/ttyUSB0",
        minor_version=1,
        data={CONF_SERIAL_URL: "/dev/ttyUSB0", CONF_SECRET_KEY: KEY},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert "ttyUSB0" not in str(entry.unique_id)
    assert entry.title == "Thermostat"


@pytest.mark.usefixtures("no_setup")
@pytest.mark.parametrize(
    ("title", "renamed"),
    [
        ("Thermostat 10.0.0.9", True),  # an IP it no longer has
        ("Thermostat thermo.example.lan", True),  # a host name
        ("Thermostat fe80::1", True),
        ("Thermostat Upstairs", False),  # a name the user chose
        ("Upstairs 10.0.0.9", False),
    ],
)
async def test_only_a_title_that_is_an_address_is_renamed(
    hass: HomeAssistant, title: str, *, renamed: bool
) -> None:
    """Upgrading renames "Thermostat <address>" titles and keeps every other."""
    MockConfigEntry(
        domain=DOMAIN, title="Thermostat", unique_id="a" * 32, minor_version=2
    ).add_to_hass(hass)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=title,
        unique_id=MAC,
        minor_version=1,
        data={CONF_HOST: "10.0.0.10", CONF_PORT: 7878, CONF_SECRET_KEY: KEY},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert entry.title == ("Thermostat 2" if renamed else title)
    assert entry.unique_id == MAC


@pytest.mark.usefixtures("no_setup")
async def test_an_upgrade_leaves_other_keys_alone_and_never_takes_an_id(
    hass: HomeAssistant,
) -> None:
    """Only keys derived from the old id move; a fingerprint another entry holds is not taken."""
    fingerprint = "b" * 64
    old = "192.0.2.1:7878"
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Hall",
        unique_id=old,
        minor_version=1,
        data={
            CONF_HOST: "192.0.2.1",
            CONF_PORT: 7878,
            CONF_SECRET_KEY: KEY,
            CONF_FINGERPRINT: fingerprint,
        },
    )
    entry.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, old), ("other", old)}
    )
    unrelated = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, "unrelated")}
    )
    entities = er.async_get(hass)
    foreign = entities.async_get_or_create(
        "sensor", DOMAIN, "something_else", config_entry=entry, device_id=device.id
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert entry.unique_id == fingerprint
    assert dr.async_get(hass).async_get(device.id).identifiers == {
        (DOMAIN, fingerprint),
        ("other", old),
    }
    assert entities.async_get(foreign.entity_id).unique_id == "something_else"
    assert dr.async_get(hass).async_get(unrelated.id).identifiers == {(DOMAIN, "unrelated")}

    taken = MockConfigEntry(
        domain=DOMAIN,
        unique_id="192.0.2.2:7878",
        minor_version=1,
        data={
            CONF_HOST: "192.0.2.2",
            CONF_PORT: 7878,
            CONF_SECRET_KEY: KEY,
            CONF_FINGERPRINT: fingerprint,
        },
    )
    taken.add_to_hass(hass)
    assert await hass.config_entries.async_setup(taken.entry_id)
    assert taken.unique_id == "192.0.2.2:7878"


def _info_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.steamloop") and record.levelno == logging.INFO
    ]


async def test_two_thermostats_are_named_apart_in_the_log(
    hass: HomeAssistant,
    thermostat: Simulator,
    simulator_factory: SimulatorFactory,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Each INFO line names its thermostat by its entry's title, with no address in it."""
    second = await simulator_factory(zones=1, secret_key="second-key")  # noqa: S106
    await second.use_server_certificate()
    assert await _add(hass, clock, "127.0.0.1", thermostat.port, KEY) == "create_entry"
    assert await _add(hass, clock, "127.0.0.1", second.port, "second-key") == "create_entry"
    entries = hass.config_entries.async_entries(DOMAIN)
    await clock.until(lambda: all(e.state is ConfigEntryState.LOADED for e in entries), limit=30)
    await clock.until(lambda: all(e.runtime_data.available for e in entries), limit=30)
    caplog.set_level(logging.INFO, logger="custom_components.steamloop")

    thermostat.close_clients()
    await clock.until(lambda: not entries[0].runtime_data.available, limit=5)
    second.close_clients()
    await clock.until(lambda: not entries[1].runtime_data.available, limit=5)
    await clock.until(lambda: all(e.runtime_data.available for e in entries), limit=15)

    lines = _info_lines(caplog)
    lost = [line.split(":")[0] for line in lines if " lost" in line]
    assert lost == ["Connection to Thermostat lost", "Connection to Thermostat 2 lost"]
    assert sorted(line for line in lines if "restored" in line) == [
        "Connection to Thermostat 2 restored",
        "Connection to Thermostat restored",
    ]
    # Their devices, and so their entity ids, read apart without an address.
    assert hass.states.get("sensor.thermostat_humidity") is not None
    assert hass.states.get("sensor.thermostat_2_humidity") is not None


async def _dhcp_renewal(hass: HomeAssistant, entry: MockConfigEntry, clock: Clock) -> None:
    """The thermostat's lease moves it to 127.0.0.1; Home Assistant's DHCP watcher tells us."""
    info = DhcpServiceInfo(ip="127.0.0.1", hostname="xl1050", macaddress=MAC.replace(":", ""))
    discovery_flow.async_create_flow(
        hass,
        DOMAIN,
        {"source": SOURCE_DHCP},
        info,
        discovery_key=DiscoveryKey(domain="dhcp", key=info.macaddress, version=1),
    )


async def _reconfigure(hass: HomeAssistant, entry: MockConfigEntry, clock: Clock) -> None:
    """The user gives the thermostat's new address."""
    result = await _start_reconfigure(hass, entry)
    result = await clock.wait(
        hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: entry.data[CONF_PORT]}
        )
    )
    assert result["reason"] == "reconfigure_successful"


@pytest.mark.parametrize("change", [_dhcp_renewal, _reconfigure], ids=["dhcp", "reconfigure"])
async def test_an_old_host_is_in_no_log_line_or_download(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    thermostat: Simulator,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
    change: object,
) -> None:
    """An entry added by host name moves to an IP: neither, nor its MAC, ever shows."""
    caplog.set_level(logging.DEBUG, logger="custom_components.steamloop")
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Thermostat localhost",  # as 0.2.0 named an entry added by host name
        unique_id=MAC,
        minor_version=1,
        data={
            CONF_HOST: "localhost",
            CONF_PORT: thermostat.port,
            CONF_SECRET_KEY: KEY,
            CONF_FINGERPRINT: thermostat.fingerprint,
        },
    )
    await setup_entry(hass, entry, clock)
    await clock.until(lambda: entry.runtime_data.available, limit=30)

    assert callable(change)
    await change(hass, entry, clock)
    await clock.until(lambda: entry.data[CONF_HOST] == "127.0.0.1", limit=5)
    await clock.until(
        lambda: entry.state is ConfigEntryState.LOADED and entry.runtime_data.available, limit=30
    )
    assert dict(entry.discovery_keys) == {}
    thermostat.close_clients()
    await clock.until(lambda: not entry.runtime_data.available, limit=5)
    await clock.until(lambda: entry.runtime_data.available, limit=15)
    download = json.dumps(await get_diagnostics_for_config_entry(hass, hass_client, entry))

    logged = "\n".join(
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.steamloop")
    )
    assert "Connection to Thermostat lost" in logged
    for secret in ("localhost", "127.0.0.1", "aabbccddeeff", MAC, MAC.replace(":", "-"), KEY):
        assert secret not in logged, secret
        assert secret not in download, secret
