"""What pytest-homeassistant-custom-component needs on a release newer than the one it pins.

The plugin's newest release pins the oldest supported Home Assistant. On later releases it needs
these two shims; each applies only where the release needs it, so this module is a no-op on the
release the plugin pins. pyproject.toml loads it first (`-p tests.ha_compat`). Delete it, and
that option, once a plugin release pins the newest supported release.
"""

from __future__ import annotations

# Since 2026.11, importing homeassistant aliases httpx (and voluptuous) to its replacements and
# must happen before anything imports httpx; the plugin imports respx, which imports httpx.
import homeassistant  # noqa: F401
from homeassistant.components import logger

# 2026.11 moved the helper the plugin imports from the logger component into its helpers.
if not hasattr(logger, "_clear_logger_overwrites"):
    from homeassistant.components.logger import helpers

    logger._clear_logger_overwrites = helpers._clear_logger_overwrites  # type: ignore[attr-defined]
