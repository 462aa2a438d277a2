"""Constants for the steamloop integration."""

from __future__ import annotations

import logging
from typing import Final

DOMAIN: Final = "steamloop"
LOGGER = logging.getLogger(__package__)

MANUFACTURER: Final = "Trane"
DEFAULT_PORT: Final = 7878
TRANE_DOMAIN: Final = "trane"

# Entry data keys. host/port/secret_key match Home Assistant's own trane integration.
CONF_SECRET_KEY: Final = "secret_key"  # noqa: S105 - the name of a field, not a secret
CONF_FINGERPRINT: Final = "fingerprint"
CONF_SERIAL_URL: Final = "serial_url"
# Every host and serial path the entry had before its current one, so none of them can leak.
CONF_PAST_HOSTS: Final = "past_hosts"
# The Trane Local entry a new entry takes over at its first setup (then dropped from the data).
CONF_TAKE_OVER: Final = "take_over"

# How long a first-ever setup waits for the first full state before retrying later
# (ConfigEntryNotReady); an entry that has connected before does not wait at all.
SETUP_TIMEOUT: Final = 20.0

ISSUE_CERTIFICATE_CHANGED: Final = "certificate_changed"
ISSUE_UNREACHABLE: Final = "unreachable"
ISSUE_TAKEN_OVER: Final = "taken_over"
# How long the thermostat stays unreachable before a repair issue says so (one INFO line says it
# at once; an hour is past a router's reboot or a power cut the thermostat rides out).
UNREACHABLE_ISSUE_AFTER: Final = 3600.0

# Version of the stored structure (zones, names, modes) an entry is set up from at start.
STORAGE_VERSION: Final = 1
