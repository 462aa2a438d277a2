"""Every language we ship says everything English says, with the same placeholders."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import async_get_translations

from .repo_rules import check_translations

TRANSLATIONS = Path(__file__).parent.parent / "custom_components" / "steamloop" / "translations"
# The thermostats sell in North America.
SHIPPED = ("es", "fr")
EN = json.loads((TRANSLATIONS / "en.json").read_text(encoding="utf-8"))
# Characters that only show up when a file was written in the wrong encoding.
_MOJIBAKE = re.compile("[\u00c3\u00c2\ufffd]")


def _flatten(node: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in node.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            flat |= _flatten(value, path)
        else:
            flat[path] = value
    return flat


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _load(language: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8")
    )
    return loaded


def test_the_shipped_languages_are_all_there() -> None:
    """English plus the languages of the thermostats' market, and nothing half-done."""
    assert sorted(path.stem for path in TRANSLATIONS.glob("*.json")) == sorted(("en", *SHIPPED))


@pytest.mark.parametrize("language", SHIPPED)
def test_every_english_key_is_translated(language: str) -> None:
    """Same keys as English, no extras, every string non-empty and cleanly encoded."""
    english = _flatten(EN)
    translated = _flatten(_load(language))
    assert sorted(set(english) - set(translated)) == [], "missing"
    assert sorted(set(translated) - set(english)) == [], "not in en.json"
    for path, text in translated.items():
        assert isinstance(text, str), path
        assert text.strip(), path
        assert not _MOJIBAKE.search(text), path


@pytest.mark.parametrize("language", SHIPPED)
def test_placeholders_match(language: str) -> None:
    """Each string keeps exactly the placeholders of its English original."""
    english = _flatten(EN)
    mismatched = {
        path: (sorted(_placeholders(english[path])), sorted(_placeholders(text)))
        for path, text in _flatten(_load(language)).items()
        if path in english and _placeholders(english[path]) != _placeholders(text)
    }
    assert mismatched == {}


@pytest.mark.parametrize("language", SHIPPED)
def test_translations_pass_the_same_rules_as_english(language: str) -> None:
    """No HTML, no URLs, no quoted placeholders, descriptions only for fields that exist."""
    assert check_translations(_load(language)) == []


@pytest.mark.parametrize("language", SHIPPED)
async def test_home_assistant_serves_them(hass: HomeAssistant, language: str) -> None:
    """Home Assistant loads each language's strings for our integration, as written."""
    translated = _flatten(_load(language))
    for category in EN:
        served = await async_get_translations(hass, language, category, ["steamloop"])
        for path, text in translated.items():
            if path.startswith(f"{category}."):
                assert served[f"component.steamloop.{path}"] == text
