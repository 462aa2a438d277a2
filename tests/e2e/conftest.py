"""The e2e marker; these tests run Home Assistant as a process, not the harness's instance."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Register the e2e marker (select with -m e2e, skip with -m 'not e2e')."""
    config.addinivalue_line(
        "markers", "e2e: starts Home Assistant and the simulator as real processes"
    )


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the suite's autouse fixture, which would build an in-process Home Assistant."""
