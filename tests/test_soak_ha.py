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

from .soak_ha import HOST, KEY, MAC, SCRIPT, Soak
from .virtual_time import Clock

# scripts/soak-ha sets these; the suite's short form is one simulated day, seeded.
DAYS = float(os.environ.get("STEAMLOOP_SOAK_DAYS", "1"))
SEED = int(os.environ.get("STEAMLOOP_SOAK_SEED", "20"))


async def test_soak(
    hass: HomeAssistant,
    simulator_factory: SimulatorFactory,
    test_client_identity: ClientIdentity,
    clock: Clock,
) -> None:
    """A seeded simulated day (or week) of faults, calendars and users breaks no invariant."""
    hass.config.units = US_CUSTOMARY_SYSTEM
    assert await async_setup_component(hass, "script", {"script": SCRIPT})
    thermostat = await simulator_factory(zones=2, secret_key=KEY, mode="strict")
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"Thermostat {HOST}",
        unique_id=MAC,
        data={
            CONF_HOST: HOST,
            CONF_PORT: thermostat.port,
            CONF_SECRET_KEY: KEY,
            CONF_FINGERPRINT: thermostat.fingerprint,
        },
    )
    thermostat.wait_timeout = None
    report = await Soak(hass, clock, thermostat, entry, SEED).run(DAYS)
    print("\n" + "\n".join(report.lines()))  # noqa: T201 - the soak's report
    assert not report.violations, "\n".join(report.violations)
