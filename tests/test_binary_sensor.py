"""The connectivity binary sensor."""

from __future__ import annotations

import pytest
from homeassistant.const import Platform

from .conftest import PlatformSnapshot

pytestmark = pytest.mark.usefixtures("us_units")


async def test_snapshot(platform_snapshot: PlatformSnapshot) -> None:
    """The connectivity sensor: registry entry and state."""
    await platform_snapshot(Platform.BINARY_SENSOR)
