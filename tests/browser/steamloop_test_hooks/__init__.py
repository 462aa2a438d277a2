"""What only the browser tests' Home Assistant needs: shorter waits and a Trane Local entry.

Loaded from the test instance's configuration.yaml, never shipped:

    steamloop_test_hooks:
      pairing_timeout: 8        # seconds the pairing step waits instead of 120
      default_port: 40123       # the port a migrated Trane Local thermostat is reached on
      trane_host: 127.0.0.9     # add a (disabled) Trane Local entry for this host ...
      trane_key: some-key       # ... with this key

and offers the action ``steamloop_test_hooks.dhcp_packet`` (ip, macaddress, hostname, port): what
Home Assistant's DHCP watcher does for a packet our manifest matches, which it would do itself were
the thermostats not on loopback addresses (it ignores those). `port` is where the flow asks for
the thermostat's TLS service instead of 7878.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from homeassistant.config_entries import (
    SOURCE_DHCP,
    SOURCE_USER,
    ConfigEntry,
    ConfigEntryDisabler,
    DiscoveryKey,
)
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import discovery_flow
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.loader import async_get_integration

DOMAIN = "steamloop_test_hooks"


async def async_setup(hass: HomeAssistant, config: dict[str, Any]) -> bool:
    """Shorten the pairing wait and add the Trane Local entry to migrate."""
    conf = config[DOMAIN]
    integration = await async_get_integration(hass, "steamloop")
    flow = await integration.async_get_platform("config_flow")
    flow.PAIRING_TIMEOUT = float(conf["pairing_timeout"])
    flow.DEFAULT_PORT = int(conf["default_port"])

    async def dhcp_packet(call: ServiceCall) -> None:
        flow.DISCOVERY_PORT = int(call.data["port"])
        info = DhcpServiceInfo(
            ip=call.data["ip"],
            hostname=call.data["hostname"],
            macaddress=call.data["macaddress"],
        )
        discovery_flow.async_create_flow(
            hass,
            "steamloop",
            {"source": SOURCE_DHCP},
            info,
            discovery_key=DiscoveryKey(domain="dhcp", key=info.macaddress, version=1),
        )

    hass.services.async_register(DOMAIN, "dhcp_packet", dhcp_packet)
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
