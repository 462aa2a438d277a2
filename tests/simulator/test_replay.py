"""A user's diagnostics download, replayed by the simulator, shows the same entities again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from homeassistant.const import CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.json import JSONEncoder
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.steamloop.diagnostics import async_get_config_entry_diagnostics
from simulator import CaptureError, Simulator, load_capture, replay_frames
from simulator.__main__ import main
from simulator.testing import THERMOSTAT_KEY, SimulatorFactory
from tests.conftest import setup_entry
from tests.virtual_time import Clock

# Entities about the link itself (when it came up, how often it dropped) describe this session,
# not the thermostat, so a replay cannot and need not reproduce them.
LINK_ENTITIES = ("connected_since", "disconnects", "last_disconnect_reason")
# Running time is counted by Home Assistant as time passes, not reported by the thermostat.
COUNTED_ENTITIES = ("_runtime_today", "_runtime_total")


def entity_states(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, tuple[str, Any]]:
    """Return state and attributes of the entry's entities that describe the thermostat."""
    registry = er.async_get(hass)
    states: dict[str, tuple[str, Any]] = {}
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        if any(entity.unique_id.endswith(key) for key in LINK_ENTITIES + COUNTED_ENTITIES):
            continue
        state = hass.states.get(entity.entity_id)
        assert state is not None, entity.entity_id
        states[entity.entity_id] = (state.state, dict(state.attributes))
    return states


async def test_a_diagnostics_download_replays_as_the_same_thermostat(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    thermostat: Simulator,
    simulator_factory: SimulatorFactory,
    clock: Clock,
    tmp_path: Path,
) -> None:
    """Changes, lenient frames and unknown events of a session: its download, served by the
    simulator, brings every entity back to the state it had when the download was taken."""
    entry = init_integration
    thermostat.set_indoor_temperature("1", 70.25)
    thermostat.set_zone_name("2", "Den")
    thermostat.set_setpoints("2", heat=65, hold_type=1)
    thermostat.set_fan_mode(3)
    thermostat.set_humidity(38)
    thermostat.set_cooling(2)
    thermostat.send_raw(
        b'{"Event":{"IndoorTemperatureUpdated":{"zone_id":2,"indoor_temperature":66.5},'
        b'"HeatingStatusUpdated":{"heating_active":"1"}},"Sequence":3}\x00'
    )
    thermostat.send_event("OutdoorTemperatureUpdated", {"outdoor_temperature": "41"})
    await clock.advance(1)
    before = entity_states(hass, entry)
    assert before

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    capture = diagnostics["capture"]
    assert capture["unknown_events"] == {"OutdoorTemperatureUpdated": 1}
    assert {"rx", "tx"} <= {frame["dir"] for frame in capture["frames"]}
    assert THERMOSTAT_KEY not in json.dumps(diagnostics)
    download = tmp_path / "config_entry-steamloop.json"
    download.write_text(json.dumps({"home_assistant": {}, "data": diagnostics}))

    assert await hass.config_entries.async_unload(entry.entry_id)
    await thermostat.stop()
    # The same test PKI, so the same server certificate: the pinned fingerprint still matches.
    replaying = await simulator_factory(zones=0, secret_key=THERMOSTAT_KEY)
    replaying.replay = load_capture(download)
    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_PORT: replaying.port})
    await setup_entry(hass, entry, clock)
    # An entry seen before is set up at once from its stored structure; the replay follows.
    await clock.until(lambda: entity_states(hass, entry) == before, limit=15)
    assert len(replaying.logins) == 1
    assert entry.runtime_data.supervisor.capture.unknown_events == {"OutdoorTemperatureUpdated": 1}


async def test_a_download_taken_after_hours_still_replays(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    thermostat: Simulator,
    simulator_factory: SimulatorFactory,
    clock: Clock,
    tmp_path: Path,
) -> None:
    """150 minutes of one temperature report a minute push the login and burst out of the ring:
    the download keeps them apart, and replays to the same entities."""
    entry = init_integration
    thermostat.set_zone_name("2", "Den")
    thermostat.set_setpoints("2", heat=65)
    thermostat.set_setpoints("2", cool=80, hold_type=1)
    for minute in range(150):
        thermostat.set_indoor_temperature("1", 68 + minute % 7)
        await clock.advance(60, step=30)
    before = entity_states(hass, entry)
    # Straight from the platform: the test's access token expired hours ago.
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert "LoginResponse" not in json.dumps(diagnostics["capture"]["frames"])
    download = tmp_path / "config_entry-steamloop.json"
    download.write_text(json.dumps({"data": diagnostics}, cls=JSONEncoder))

    assert await hass.config_entries.async_unload(entry.entry_id)
    await thermostat.stop()
    replaying = await simulator_factory(zones=0, secret_key=THERMOSTAT_KEY)
    replaying.replay = load_capture(download)
    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_PORT: replaying.port})
    await setup_entry(hass, entry, clock)
    await clock.until(lambda: entity_states(hass, entry) == before, limit=15)


def test_replay_keeps_the_thermostat_side_from_the_last_login() -> None:
    """Only what the thermostat sent after its last login reply is replayed, replies left out."""
    frames = [
        {"t": 1.0, "dir": "tx", "frame": '{"Request":{"Login":{"secret_key":"**REDACTED**"}}}'},
        {"t": 1.1, "dir": "rx", "frame": '{"Response":{"LoginResponse":{"status":"1"}}}'},
        {"t": 1.2, "dir": "rx", "frame": '{"Event":{"ZoneAdded":{"zone_id":"old"}}}'},
        {"t": 9.0, "dir": "rx", "frame": '{"Response":{"LoginResponse":{"status":"1"}}}'},
        {"t": 9.1, "dir": "rx", "frame": '{"Event":{"ZoneAdded":{"zone_id":"1"}}}'},
        {"t": 9.2, "dir": "rx", "frame": "not json"},
        {"t": 9.3, "dir": "tx", "frame": '{"Heartbeat":{}}'},
        {"t": 9.4, "dir": "rx", "frame": '{"Response":{"Error":{"error_type":"1"}}}'},
        {"t": 9.5, "dir": "rx", "frame": '{"Heartbeat":{}}'},
    ]
    assert replay_frames({"capture": {"frames": frames}}) == [
        b'{"Event":{"ZoneAdded":{"zone_id":"1"}}}\x00',
        b"not json\x00",
        b'{"Heartbeat":{}}\x00',
    ]
    # Without a login reply in the window, everything the thermostat sent is replayed.
    assert len(replay_frames({"frames": frames[2:3]})) == 1


@pytest.mark.parametrize(
    "content", ["[]", "{}", '{"data": {"capture": {"frames": [1]}}}', "not json"]
)
def test_replay_of_something_else_is_a_clear_error(tmp_path: Path, content: str) -> None:
    """A file that holds no capture is refused with a message saying what was expected."""
    path = tmp_path / "capture.json"
    path.write_text(content)
    with pytest.raises(CaptureError):
        load_capture(path)
    with pytest.raises(SystemExit) as exited:
        main(["--replay", str(path)])
    assert exited.value.code == 2
    with pytest.raises(CaptureError, match="cannot read"):
        load_capture(tmp_path / "missing.json")


def test_replay_is_listed_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    """--replay FILE is part of the command line."""
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "--replay FILE" in capsys.readouterr().out
