"""What only the browser tests' Home Assistant needs: shorter waits and a Trane Local entry.

Loaded from the test instance's configuration.yaml, never shipped:

    steamloop_test_hooks:
      pairing_timeout: 8        # seconds the pairing step waits instead of 120
      default_port: 40123       # the port a migrated Trane Local thermostat is reached on
      trane_host: 127.0.0.9     # add a (disabled) Trane Local entry for this host ...
      trane_key: some-key       # ... with this key
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntry, ConfigEntryDisabler
from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_integration

DOMAIN = "steamloop_test_hooks"


async def async_setup(hass: HomeAssistant, config: dict[str, Any]) -> bool:
    """Shorten the pairing wait and add the Trane Local entry to migrate."""
    conf = config[DOMAIN]
    integration = await async_get_integration(hass, "steamloop")
    flow = await integration.async_get_platform("config_flow")
    flow.PAIRING_TIMEOUT = float(conf["pairing_timeout"])
    flow.DEFAULT_PORT = int(conf["default_port"])
    if not hass.config_entries.async_entries("trane"):
        await hass.config_entries.async_add(
            ConfigEntry(
                data={"host": conf["trane_host"], "secret_key": conf["trane_key"]},
                disabled_by=ConfigEntryDisabler.USER,
                discovery_keys=MappingProxyType({}),
                domain="trane",
                minor_version=1,
                options=None,
                source=SOURCE_USER,
                subentries_data=None,
                title=f"Thermostat ({conf['trane_host']})",
                unique_id=None,
                version=1,
            )
        )
    return True
