"""Heating and cooling running time: counted while connected, reset at midnight, restored."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import restore_state as rs
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.steamloop.client import ClientIdentity
from simulator import Simulator

from .conftest import setup_entry
from .virtual_time import Clock

PREFIX = "sensor.thermostat_"
HEATING_TODAY = f"{PREFIX}heating_time_today"
HEATING_TOTAL = f"{PREFIX}heating_time_total"
COOLING_TODAY = f"{PREFIX}cooling_time_today"
COOLING_TOTAL = f"{PREFIX}cooling_time_total"
# Virtual time moves in steps, and an event takes a moment to arrive: a few seconds either way.
STEP = 30.0
TOLERANCE = 5 / 3600
# Between the minute writes a running counter may lag by up to one interval.
LAG = 60 / 3600


@pytest.fixture(autouse=True)
async def chicago(hass: HomeAssistant) -> None:
    """Use a North American time zone, where these thermostats are sold."""
    await hass.config.async_set_time_zone("America/Chicago")


def _hours(hass: HomeAssistant, entity_id: str) -> float:
    return float(hass.states.get(entity_id).state)


async def _start(clock: Clock, at: str) -> None:
    clock.freezer.move_to(at)


async def _heating(hass: HomeAssistant, thermostat: Simulator, clock: Clock, status: int) -> None:
    """Switch the system's heating and wait until Home Assistant shows it."""
    thermostat.set_heating(status)
    shown = {0: "off", 1: "idle", 2: "running"}[status]
    await clock.until(lambda: hass.states.get(f"{PREFIX}heating").state == shown, limit=5, step=0.1)


async def test_runtime_accumulates_across_runs(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """Only the time the system runs is counted, heating and cooling apart, growing as it runs."""
    for entity_id in (HEATING_TODAY, HEATING_TOTAL, COOLING_TODAY, COOLING_TOTAL):
        state = hass.states.get(entity_id)
        assert state.state == "0.0"
        assert state.attributes["unit_of_measurement"] == "h"
        assert state.attributes["device_class"] == "duration"
        assert state.attributes["state_class"] == "total_increasing"

    await _heating(hass, thermostat, clock, 2)
    await clock.advance(1800, step=STEP)
    # No event for half an hour: the minute writes show it growing.
    assert _hours(hass, HEATING_TODAY) == pytest.approx(0.5, abs=LAG + TOLERANCE)
    await _heating(hass, thermostat, clock, 1)
    assert _hours(hass, HEATING_TODAY) == pytest.approx(0.5, abs=TOLERANCE)

    await clock.advance(1800, step=STEP)
    assert _hours(hass, HEATING_TODAY) == pytest.approx(0.5, abs=TOLERANCE)

    thermostat.set_cooling(2)
    await clock.until(lambda: hass.states.get(f"{PREFIX}cooling").state == "running", limit=5)
    await clock.advance(900, step=STEP)
    thermostat.set_cooling(0)
    await clock.until(lambda: hass.states.get(f"{PREFIX}cooling").state == "off", limit=5)

    await _heating(hass, thermostat, clock, 2)
    await clock.advance(900, step=STEP)
    await _heating(hass, thermostat, clock, 0)
    assert _hours(hass, HEATING_TODAY) == pytest.approx(0.75, abs=2 * TOLERANCE)
    assert _hours(hass, HEATING_TOTAL) == pytest.approx(0.75, abs=2 * TOLERANCE)
    assert _hours(hass, COOLING_TODAY) == pytest.approx(0.25, abs=TOLERANCE)
    assert _hours(hass, COOLING_TOTAL) == pytest.approx(0.25, abs=TOLERANCE)


async def test_no_counting_while_disconnected(
    hass: HomeAssistant, init_integration: MockConfigEntry, thermostat: Simulator, clock: Clock
) -> None:
    """Time offline is not counted, even though the system was running when the link dropped."""
    await _heating(hass, thermostat, clock, 2)
    await clock.advance(600, step=STEP)
    await thermostat.refuse()
    thermostat.reset_clients()
    await clock.until(lambda: hass.states.get(HEATING_TOTAL).state == STATE_UNAVAILABLE, limit=5)

    await clock.advance(1800, step=STEP)
    assert hass.states.get(HEATING_TOTAL).state == STATE_UNAVAILABLE

    await thermostat.accept()
    await clock.until(lambda: hass.states.get(HEATING_TOTAL).state != STATE_UNAVAILABLE, limit=30)
    assert _hours(hass, HEATING_TOTAL) == pytest.approx(600 / 3600, abs=TOLERANCE)
    # Still running after the re-sync: counting carries on from the reconnection.
    await clock.advance(600, step=STEP)
    await _heating(hass, thermostat, clock, 1)
    assert _hours(hass, HEATING_TOTAL) == pytest.approx(1200 / 3600, abs=2 * TOLERANCE)
    assert _hours(hass, HEATING_TODAY) == pytest.approx(1200 / 3600, abs=2 * TOLERANCE)


async def test_today_resets_at_local_midnight(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    test_client_identity: ClientIdentity,
    thermostat: Simulator,
    clock: Clock,
) -> None:
    """A run across midnight counts on each side for today; the total keeps all of it."""
    await _start(clock, "2026-12-01T23:50:00-06:00")
    await setup_entry(hass, mock_config_entry, clock)
    await _heating(hass, thermostat, clock, 2)
    await clock.advance(1200, step=STEP)
    await _heating(hass, thermostat, clock, 1)
    assert _hours(hass, HEATING_TODAY) == pytest.approx(600 / 3600, abs=2 * TOLERANCE)
    assert _hours(hass, HEATING_TOTAL) == pytest.approx(1200 / 3600, abs=2 * TOLERANCE)


async def _restart(
    hass: HomeAssistant, entry: MockConfigEntry, clock: Clock, *, at: str | None = None
) -> None:
    """Stop as Home Assistant does (states saved to storage), optionally wait, start again."""
    restore = rs.async_get(hass)
    await restore.async_dump_states()
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    if at is not None:
        clock.freezer.move_to(at)
    await restore.async_load()
    await setup_entry(hass, entry, clock)
    await _connected(hass, clock)


async def _connected(hass: HomeAssistant, clock: Clock) -> None:
    """Wait for the link: a thermostat set up before starts unavailable until it answers."""
    await clock.until(lambda: hass.states.get(HEATING_TOTAL).state != STATE_UNAVAILABLE, limit=30)


async def test_restored_after_restart(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    test_client_identity: ClientIdentity,
    thermostat: Simulator,
    clock: Clock,
) -> None:
    """Counted time survives a restart on the same day, and counting carries on from it."""
    await _start(clock, "2026-12-01T12:00:00-06:00")
    await setup_entry(hass, mock_config_entry, clock)
    await _heating(hass, thermostat, clock, 2)
    await clock.advance(900, step=STEP)
    await _heating(hass, thermostat, clock, 1)

    await _restart(hass, mock_config_entry, clock, at="2026-12-01T18:00:00-06:00")
    assert _hours(hass, HEATING_TODAY) == pytest.approx(0.25, abs=TOLERANCE)
    assert _hours(hass, HEATING_TOTAL) == pytest.approx(0.25, abs=TOLERANCE)

    await _heating(hass, thermostat, clock, 2)
    await clock.advance(900, step=STEP)
    await _heating(hass, thermostat, clock, 1)
    assert _hours(hass, HEATING_TODAY) == pytest.approx(0.5, abs=2 * TOLERANCE)
    assert _hours(hass, HEATING_TOTAL) == pytest.approx(0.5, abs=2 * TOLERANCE)


async def test_down_at_midnight_starts_today_at_zero(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    test_client_identity: ClientIdentity,
    thermostat: Simulator,
    clock: Clock,
) -> None:
    """Stopped before midnight, started the next morning: today is new, the total is kept."""
    await _start(clock, "2026-12-01T23:00:00-06:00")
    await setup_entry(hass, mock_config_entry, clock)
    await _heating(hass, thermostat, clock, 2)
    await clock.advance(900, step=STEP)
    await _heating(hass, thermostat, clock, 1)

    await _restart(hass, mock_config_entry, clock, at="2026-12-02T08:00:00-06:00")
    assert _hours(hass, HEATING_TODAY) == 0.0
    assert _hours(hass, HEATING_TOTAL) == pytest.approx(0.25, abs=TOLERANCE)


async def test_a_stored_value_that_is_not_a_number_starts_at_zero(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    test_client_identity: ClientIdentity,
    clock: Clock,
) -> None:
    """Damaged storage loses that one count, not the set-up."""
    await _start(clock, "2026-12-01T12:00:00-06:00")
    await setup_entry(hass, mock_config_entry, clock)
    restore = rs.async_get(hass)
    await restore.async_dump_states()
    for item in hass_storage[rs.STORAGE_KEY]["data"]:
        if item["state"]["entity_id"] == HEATING_TOTAL:
            item["extra_data"]["native_value"] = "bogus"
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    await restore.async_load()
    await setup_entry(hass, mock_config_entry, clock)
    await _connected(hass, clock)
    assert _hours(hass, HEATING_TOTAL) == 0.0


@pytest.mark.parametrize(
    ("zone", "evening"),
    [
        ("Africa/Cairo", "2027-04-29T23:40:00+02:00"),
        ("America/Santiago", "2027-09-04T23:40:00-04:00"),
    ],
)
async def test_a_day_whose_midnight_does_not_exist(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    test_client_identity: ClientIdentity,
    thermostat: Simulator,
    clock: Clock,
    zone: str,
    evening: str,
) -> None:
    """Clocks jump from 00:00 to 01:00: a run from 23:50 to 01:10 shows 10 min today, not 20."""
    await hass.config.async_set_time_zone(zone)
    await _start(clock, evening)
    await setup_entry(hass, mock_config_entry, clock)
    await clock.advance(600, step=STEP)
    await _heating(hass, thermostat, clock, 2)
    await clock.advance(1200, step=STEP)
    await _heating(hass, thermostat, clock, 1)
    assert _hours(hass, HEATING_TODAY) == pytest.approx(600 / 3600, abs=2 * TOLERANCE)
    assert _hours(hass, HEATING_TOTAL) == pytest.approx(1200 / 3600, abs=2 * TOLERANCE)


async def test_after_a_time_zone_change_midnight_is_the_new_zones(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    test_client_identity: ClientIdentity,
    thermostat: Simulator,
    clock: Clock,
) -> None:
    """Set up in Chicago, then the user picks New York: 23:30 to 01:30 there is 1.5 h today."""
    await _start(clock, "2026-12-01T12:00:00-06:00")
    await setup_entry(hass, mock_config_entry, clock)
    await hass.config.async_update(time_zone="America/New_York")
    await hass.async_block_till_done()
    await clock.advance(600, step=STEP)
    clock.freezer.move_to("2026-12-01T23:29:30-05:00")
    await clock.advance(STEP, step=STEP)
    await _heating(hass, thermostat, clock, 2)
    await clock.advance(7200, step=STEP)
    assert _hours(hass, HEATING_TODAY) == pytest.approx(1.5, abs=LAG + TOLERANCE)
    await _heating(hass, thermostat, clock, 1)
    assert _hours(hass, HEATING_TODAY) == pytest.approx(1.5, abs=2 * TOLERANCE)
    assert _hours(hass, HEATING_TOTAL) == pytest.approx(2.0, abs=2 * TOLERANCE)


async def test_a_time_zone_change_leaves_one_wake_up_per_sensor(
    hass: HomeAssistant, init_integration: MockConfigEntry, clock: Clock
) -> None:
    """Looking at the date again after a time zone change replaces the pending wake-up."""
    await hass.config.async_update(time_zone="America/New_York")
    await hass.config.async_update(time_zone="Europe/Berlin")
    await hass.async_block_till_done()
    wake_ups = [
        handle
        for handle in hass.loop._scheduled  # type: ignore[attr-defined]
        if not handle.cancelled()
        and handle._args
        and getattr(handle._args[-1], "name", None) == "steamloop new day"
    ]
    assert len(wake_ups) == 2  # heating and cooling time today
