"""The steamloop integration: local control of Trane / American Standard thermostats."""

from __future__ import annotations

from homeassistant.const import CONF_HOST, EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError, ConfigEntryNotReady
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir

from .client import (
    AuthenticationError,
    CertificateMismatchError,
    ConnectError,
    Supervisor,
)
from .const import (
    CONF_FINGERPRINT,
    CONF_SECRET_KEY,
    DOMAIN,
    ISSUE_CERTIFICATE_CHANGED,
    MANUFACTURER,
    SETUP_TIMEOUT,
)
from .coordinator import (
    SteamloopConfigEntry,
    SteamloopCoordinator,
    async_create_certificate_issue,
)
from .helpers import build_transport, is_mac, valid_host

PLATFORMS = [Platform.CLIMATE, Platform.SELECT, Platform.SENSOR, Platform.SWITCH]


async def async_setup_entry(hass: HomeAssistant, entry: SteamloopConfigEntry) -> bool:
    """Connect to the thermostat, wait for its full state, then set up the platforms."""
    if CONF_HOST in entry.data and not valid_host(entry.data[CONF_HOST]):
        # Retrying cannot help an address no resolver takes; reconfiguring the entry can.
        raise ConfigEntryError(translation_domain=DOMAIN, translation_key="invalid_host")
    supervisor = Supervisor(
        build_transport(entry.data),
        entry.data[CONF_SECRET_KEY],
        expected_fingerprint=entry.data.get(CONF_FINGERPRINT),
    )
    coordinator = SteamloopCoordinator(hass, entry, supervisor)
    entry.async_on_unload(coordinator.async_start())
    entry.async_create_background_task(hass, supervisor.run(), f"{DOMAIN} {entry.title} supervisor")
    entry.async_on_unload(supervisor.stop)

    try:
        await supervisor.wait_ready(SETUP_TIMEOUT)
    except AuthenticationError as err:
        await supervisor.stop()
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="authentication_failed"
        ) from err
    except CertificateMismatchError as err:
        await supervisor.stop()
        async_create_certificate_issue(hass, entry, err.actual)
        raise ConfigEntryError(
            translation_domain=DOMAIN, translation_key="certificate_changed"
        ) from err
    except ConnectError as err:
        await supervisor.stop()
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="cannot_connect",
            translation_placeholders={"reason": str(err)},
        ) from err

    ir.async_delete_issue(hass, DOMAIN, f"{ISSUE_CERTIFICATE_CHANGED}_{entry.entry_id}")
    if entry.data.get(CONF_FINGERPRINT) is None and supervisor.fingerprint is not None:
        # Entries made with a key or migrated from trane pin the certificate seen first.
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_FINGERPRINT: supervisor.fingerprint}
        )

    async def _stop(_: Event) -> None:
        await supervisor.stop()

    entry.async_on_unload(hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, _stop))

    mac = entry.unique_id if is_mac(entry.unique_id) else None
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, coordinator.device_key)},
        connections={(dr.CONNECTION_NETWORK_MAC, mac)} if mac else set(),
        manufacturer=MANUFACTURER,
        name=entry.title,
    )
    coordinator.device_id = device.id
    entry.runtime_data = coordinator
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: SteamloopConfigEntry) -> bool:
    """Unload the platforms; the supervisor is stopped by the entry's unload callbacks."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: SteamloopConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user delete a zone device the thermostat no longer reports."""
    coordinator = entry.runtime_data
    if (DOMAIN, coordinator.device_key) in device.identifiers:
        return False
    return not any(
        (DOMAIN, coordinator.zone_key(zone_id)) in device.identifiers
        for zone_id in coordinator.data.zones
    )
