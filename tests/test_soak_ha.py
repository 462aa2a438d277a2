"""The short form of the Home Assistant-level soak (scripts/soak-ha runs the week): 0 violations."""

from __future__ import annotations

import os

from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util.unit_system import US_CUSTOMARY_SYSTEM
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.steamloop.client import ClientIdentity
from custom_components.steamloop.const import CONF_FINGERPRINT, CONF_SECRET_KEY, DOMAIN
from simulator.testing import SimulatorFactory

from .soak_ha import HOST, SCRIPT, Home, Soak
from .virtual_time import Clock

# scripts/soak-ha sets these; the suite's short form is one simulated day, seeded.
DAYS = float(os.environ.get("STEAMLOOP_SOAK_DAYS", "1"))
SEED = int(os.environ.get("STEAMLOOP_SOAK_SEED", "20"))

# Two thermostats apart in every way a user could tell: title, key, MAC, zones and their names.
THERMOSTATS = (
    ("Upstairs", "soak-8d1f5e-secret", "aa:bb:cc:dd:ee:ff", ("Den", "Nursery", "Studio", "Loft")),
    ("Downstairs", "soak-27c0b4-secret", "aa:bb:cc:00:11:22", ("Hall", "Garage", "Cellar", "Gym")),
)


async def test_soak(
    hass: HomeAssistant,
    simulator_factory: SimulatorFactory,
    test_client_identity: ClientIdentity,
    clock: Clock,
) -> None:
    """A seeded simulated day (or week) of two thermostats' faults, calendars and users breaks no
    invariant."""
    hass.config.units = US_CUSTOMARY_SYSTEM
    assert await async_setup_component(hass, "script", {"script": SCRIPT})
    homes = []
    for index, (title, key, mac, names) in enumerate(THERMOSTATS):
        thermostat = await simulator_factory(zones=2 + index, secret_key=key, mode="strict")
        thermostat.wait_timeout = None
        for zone_id, name in zip(thermostat.plant.zones, names, strict=False):
            thermostat.set_zone_name(zone_id, name)
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=title,
            unique_id=mac,
            data={
                CONF_HOST: HOST,
                CONF_PORT: thermostat.port,
                CONF_SECRET_KEY: key,
                CONF_FINGERPRINT: thermostat.fingerprint,
            },
        )
        homes.append(Home(title, thermostat, entry, mac, key, names))
    report = await Soak(hass, clock, homes, SEED).run(DAYS)
    print("\n" + "\n".join(report.lines()))  # noqa: T201 - the soak's report
    assert not report.violations, "\n".join(report.violations)
