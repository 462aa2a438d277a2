"""Constants for the steamloop integration."""

from typing import Final

DOMAIN: Final = "steamloop"
