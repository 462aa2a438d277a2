"""The one redactor: what must never reach a log line, an error or a diagnostics download.

A :class:`Redactor` masks, wherever they occur in a text:

- every ``"secret_key": …`` value of a frame (also one cut off inside the value, or not JSON);
- any IPv4 address, any IPv6 address (``::`` shortened or all eight groups, with a zone), and any
  MAC address written with ``:``, ``-`` or Cisco's dots;
- the literal strings it was given (case-insensitive): the key, host names, serial paths, and
  MACs, which are added in every notation (``aa:bb:…``, ``aa-bb-…``, ``aabb.ccdd.eeff`` and the bare
  ``aabbccddeeff`` Home Assistant's DHCP discovery keys use).

The client masks its own frames and errors with it; the integration builds one per config entry
from everything the entry holds or has held (``custom_components/steamloop/redact.py``), so logs,
errors and diagnostics share one set of rules. This module imports nothing from Home Assistant.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

REDACTED: Final = "**REDACTED**"

_HEX = "[0-9a-f]"
_KEY_FIELD: Final = r"""(?P<field>"secret_key"\s*:\s*)(?:"(?:[^"\\]|\\.?)*"?|[^,}\]\s]*)"""
_ADDRESSES: Final = (
    # IPv4
    r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])",
    # MAC with : or - (the same separator throughout), and Cisco's aabb.ccdd.eeff
    rf"(?<!{_HEX})(?:{_HEX}{{2}}(?P<sep>[:-])(?:{_HEX}{{2}}(?P=sep)){{4}}{_HEX}{{2}})(?![0-9a-f])",
    rf"(?<![0-9a-f.])(?:{_HEX}{{4}}\.){{2}}{_HEX}{{4}}(?![0-9a-f.])",
    # IPv6: all eight groups, or shortened with "::" (a MAC's six groups or a time are neither)
    (
        rf"(?<![\w:.])(?:(?:{_HEX}{{1,4}}:){{7}}{_HEX}{{1,4}}"
        rf"|(?:{_HEX}{{1,4}}:){{0,6}}{_HEX}{{0,4}}::(?:{_HEX}{{1,4}}:?){{0,6}})"
        r"(?:%[\w.-]+)?(?![\w:])"
    ),
)
_MAC_DIGITS: Final = 12


def mac_notations(mac: str) -> list[str]:
    """Return the ways a MAC address is written, or [] when `mac` is not one."""
    digits = re.sub(r"[^0-9a-f]", "", mac.lower())
    if len(digits) != _MAC_DIGITS or len(mac) not in (12, 14, 17):
        return []
    pairs = [digits[i : i + 2] for i in range(0, _MAC_DIGITS, 2)]
    quads = [digits[i : i + 4] for i in range(0, _MAC_DIGITS, 4)]
    return [":".join(pairs), "-".join(pairs), ".".join(quads), digits]


class Redactor:
    """Masks keys, addresses and the given literals wherever they occur in a text."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        """Mask `secrets` (MACs in every notation) on top of the patterns every text gets."""
        self._secrets = frozenset(secret for secret in secrets if secret)
        literals: set[str] = set()
        for secret in self._secrets:
            literals.add(secret)
            literals.update(mac_notations(secret))
        ordered = sorted(literals, key=len, reverse=True)
        parts = [_KEY_FIELD, *(re.escape(literal) for literal in ordered)]
        parts += [f"(?:{pattern})" for pattern in _ADDRESSES]
        self._pattern = re.compile("|".join(parts), re.IGNORECASE)

    def with_secrets(self, *secrets: str | None) -> Redactor:
        """Return a redactor that also masks `secrets`."""
        added = {secret for secret in secrets if secret} - self._secrets
        return Redactor(self._secrets | added) if added else self

    def __call__(self, text: str) -> str:
        """Return text with everything sensitive replaced by **REDACTED**."""
        return self._pattern.sub(_replace, text)

    def data(self, value: Any, keys: frozenset[str] = frozenset()) -> Any:
        """Return a copy of nested mappings and sequences, every string redacted.

        The value of a mapping key in `keys` is replaced by **REDACTED** whole.
        """
        if isinstance(value, str):
            return self(value)
        if isinstance(value, Mapping):
            return {
                key: REDACTED if key in keys and item else self.data(item, keys)
                for key, item in value.items()
            }
        if isinstance(value, list | tuple | set | frozenset):
            return [self.data(item, keys) for item in value]
        return value


def _replace(match: re.Match[str]) -> str:
    field = match.group("field")
    return f'{field}"{REDACTED}"' if field is not None else REDACTED


# The patterns alone: what the client masks before it knows any literal.
BASE: Final = Redactor()
