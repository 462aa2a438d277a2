"""The differences between the supported Home Assistant releases that the tests see.

Each release runs with the pytest-homeassistant-custom-component release that pins it
(envs/releases.txt); the newest Home Assistant has none yet and runs the newest plugin, which
needs the two shims below on it. Each shim applies only where the release needs it, so they are
no-ops elsewhere. pyproject.toml loads this module first (`-p tests.ha_compat`). Each difference
names the release that brought it: dropping a release is deleting the lines it no longer needs.
(The integration's own differences are in custom_components/steamloop/compat.py; the snapshot
serializer's in tests/conftest.py.)
"""

from __future__ import annotations

# Since 2026.11, importing homeassistant aliases httpx (and voluptuous) to its replacements and
# must happen before anything imports httpx; the plugin imports respx, which imports httpx.
import homeassistant  # noqa: F401
from homeassistant.components import logger
from homeassistant.const import MAJOR_VERSION, MINOR_VERSION

# 2026.8 tries the HTTP settings of configuration.yaml and goes back to its defaults unless they
# are confirmed (websocket http/config); before it they are final at once.
HTTP_SETTINGS_NEED_CONFIRMING = (MAJOR_VERSION, MINOR_VERSION) >= (2026, 8)

# 2026.10's frontend words a finished re-authentication or reconfiguration itself ("Reconfiguration
# was successful"); before it, the dialog shows the integration's own message for the reason.
FRONTEND_WORDS_FLOW_ENDINGS = (MAJOR_VERSION, MINOR_VERSION) >= (2026, 10)


def flow_ending(frontend: str, ours: str) -> str:
    """Return the text a finished flow's dialog shows on this release."""
    return frontend if FRONTEND_WORDS_FLOW_ENDINGS else ours


# 2026.11 moved the helper the plugin imports from the logger component into its helpers.
if not hasattr(logger, "_clear_logger_overwrites"):
    from homeassistant.components.logger import helpers

    logger._clear_logger_overwrites = helpers._clear_logger_overwrites  # type: ignore[attr-defined]
