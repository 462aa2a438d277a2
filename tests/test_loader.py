"""Home Assistant finds and loads the integration."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_integration

from custom_components.steamloop.const import DOMAIN


async def test_integration_loads(hass: HomeAssistant) -> None:
    """The loader reads our manifest and imports the component as a custom integration."""
    integration = await async_get_integration(hass, DOMAIN)

    assert not integration.is_built_in
    assert integration.domain == DOMAIN
    assert integration.config_flow
    assert integration.iot_class == "local_push"
    assert integration.integration_type == "device"
    component = await integration.async_get_component()
    assert component.__name__ == "custom_components.steamloop"
