"""Offline checks for the rules hassfest and the HACS action enforce on this repository.

Those validators need the network (a Docker image, the GitHub API); these checks read the same
files and return readable problems, so a broken manifest fails the tests before it fails a release.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from awesomeversion import AwesomeVersion
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version
from PIL import Image

MANIFEST_REQUIRED = (
    "domain",
    "name",
    "codeowners",
    "documentation",
    "integration_type",
    "iot_class",
    "issue_tracker",
    "version",
)
MANIFEST_KNOWN = {
    *MANIFEST_REQUIRED,
    "after_dependencies",
    "bluetooth",
    "categories",
    "config_flow",
    "connectivity",
    "dependencies",
    "dhcp",
    "homekit",
    "import_executor",
    "loggers",
    "mqtt",
    "quality_scale",
    "requirements",
    "single_config_entry",
    "ssdp",
    "usb",
    "zeroconf",
}
IOT_CLASSES = {
    "assumed_state",
    "calculated",
    "cloud_polling",
    "cloud_push",
    "local_polling",
    "local_push",
}
INTEGRATION_TYPES = {
    "device",
    "entity",
    "hardware",
    "helper",
    "hub",
    "service",
    "system",
    "virtual",
}
# The HACS action's hacs.json schema: each key and the type it must have (country aside).
HACS_TYPES: dict[str, type] = {
    "content_in_root": bool,
    "filename": str,
    "hacs": str,
    "hide_default_branch": bool,
    "homeassistant": str,
    "name": str,
    "persistent_directory": str,
    "render_readme": bool,
    "zip_release": bool,
}
HACS_KNOWN = {*HACS_TYPES, "country"}
# HACS takes ISO 3166-1 alpha-2 codes, or ALL.
_COUNTRY = re.compile(r"^(?:[A-Z]{2}|ALL)$")
TRANSLATION_SECTIONS = {
    "config",
    "device",
    "entity",
    "exceptions",
    "issues",
    "options",
    "selector",
    "services",
    "title",
}
_HTML = re.compile(r"<[a-zA-Z/][^>]*>")
_URL = re.compile(r"https?://")
_QUOTED_PLACEHOLDER = re.compile(r"""(['"])\{[a-z_]+\}\1""")


def check_manifest(
    manifest: dict[str, Any],
    folder_name: str,
    *,
    categories: frozenset[str] | None = None,
    connectivity: frozenset[str] | None = None,
) -> list[str]:
    """Return the problems hassfest (and HACS) would report for a custom integration's manifest.

    categories and connectivity are the values Home Assistant knows (2026.11 on); without
    them only the shape of those keys is checked.
    """
    problems = [f"manifest: missing '{key}'" for key in MANIFEST_REQUIRED if key not in manifest]
    problems += [f"manifest: unknown key '{key}'" for key in manifest if key not in MANIFEST_KNOWN]
    keys = list(manifest)
    expected = [k for k in ("domain", "name") if k in manifest]
    expected += sorted(k for k in keys if k not in {"domain", "name"})
    if keys != expected:
        problems.append(
            f"manifest: keys must be ordered domain, name, then alphabetically: {expected}"
        )
    if manifest.get("domain") != folder_name:
        problems.append(f"manifest: domain must equal the folder name '{folder_name}'")
    if "iot_class" in manifest and manifest["iot_class"] not in IOT_CLASSES:
        problems.append(f"manifest: invalid iot_class '{manifest['iot_class']}'")
    if manifest.get("integration_type", "hub") not in INTEGRATION_TYPES:
        problems.append(f"manifest: invalid integration_type '{manifest['integration_type']}'")
    if "version" in manifest and not AwesomeVersion(str(manifest["version"])).valid:
        problems.append(f"manifest: version '{manifest['version']}' is not a valid version")
    for owner in manifest.get("codeowners", []):
        if not str(owner).startswith("@"):
            problems.append(f"manifest: codeowner '{owner}' must start with @")
    for key in ("documentation", "issue_tracker"):
        if key in manifest and not str(manifest[key]).startswith("https://"):
            problems.append(f"manifest: {key} must be an https URL")
    for requirement in manifest.get("requirements", []):
        try:
            Requirement(requirement)
        except InvalidRequirement:
            problems.append(f"manifest: requirement '{requirement}' is not a valid pip requirement")
    if "config_flow" in manifest and not isinstance(manifest["config_flow"], bool):
        problems.append("manifest: config_flow must be a boolean")
    problems += _check_vocabulary(manifest, "categories", categories)
    problems += _check_vocabulary(manifest, "connectivity", connectivity)
    return problems


def _check_vocabulary(
    manifest: dict[str, Any], key: str, known: frozenset[str] | None
) -> list[str]:
    """Return the problems of a manifest list drawn from Home Assistant's vocabulary."""
    if key not in manifest:
        return []
    values = manifest[key]
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values) or not values:
        return [f"manifest: {key} must be a non-empty list of strings"]
    if known is None:
        return []
    return [f"manifest: unknown {key} '{v}'" for v in values if v not in known]


def check_hacs(hacs: dict[str, Any]) -> list[str]:
    """Return the problems the HACS action's schema would report for hacs.json."""
    problems = (
        [] if isinstance(hacs.get("name"), str) and hacs["name"] else ["hacs.json: 'name' missing"]
    )
    problems += [f"hacs.json: unknown key '{key}'" for key in hacs if key not in HACS_KNOWN]
    problems += [
        f"hacs.json: '{key}' must be a {kind.__name__}"
        for key, kind in HACS_TYPES.items()
        if key in hacs and key != "name" and not isinstance(hacs[key], kind)
    ]
    for key in ("homeassistant", "hacs"):
        if isinstance(hacs.get(key), str) and not AwesomeVersion(hacs[key]).valid:
            problems.append(f"hacs.json: '{key}' is not a valid version")
    if "country" in hacs:
        country = hacs["country"]
        codes = [country] if isinstance(country, str) else country
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            problems.append("hacs.json: 'country' must be a string or a list of strings")
        else:
            problems += [
                f"hacs.json: country '{c}' is not an ISO 3166 code"
                for c in codes
                if not _COUNTRY.match(c.upper())
            ]
    if hacs.get("zip_release") and "filename" not in hacs:
        problems.append("hacs.json: zip_release needs 'filename'")
    return problems


def check_requirements(
    requirements: list[str], constraints: str, installed: dict[str, str]
) -> list[str]:
    """Return how requirements conflict with a release's package_constraints.txt.

    Home Assistant installs a custom integration's requirements under those constraints, so a
    conflict means the integration never loads. An exact pin of the release must satisfy the
    requirement; a range is checked through the version the release's environment installed
    (`installed`, by canonical name), which satisfies it by construction.
    """
    pinned: dict[str, list[Requirement]] = {}
    for line in constraints.splitlines():
        text = line.split("#", 1)[0].strip()
        if text:
            constraint = Requirement(text)
            pinned.setdefault(canonicalize_name(constraint.name), []).append(constraint)
    problems: list[str] = []
    for text in requirements:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        for constraint in pinned.get(name, []):
            exact = [s.version for s in constraint.specifier if s.operator in {"==", "==="}]
            if exact and not requirement.specifier.contains(exact[0], prereleases=True):
                problems.append(f"{text} conflicts with the release's {constraint}")
        version = installed.get(name)
        if version is None:
            problems.append(f"{text}: not installed in the release's environment")
            continue
        try:
            parsed = Version(version)
        except InvalidVersion:
            problems.append(f"{text}: installed version {version} is not a version")
            continue
        if not requirement.specifier.contains(parsed, prereleases=True):
            problems.append(f"{text}: the release's environment has {version}")
    return problems


def _strings(node: Any, path: str) -> list[tuple[str, str]]:
    if isinstance(node, dict):
        return [pair for key, value in node.items() for pair in _strings(value, f"{path}.{key}")]
    return [(path, node)]


def check_translations(translations: dict[str, Any]) -> list[str]:
    """Return the problems hassfest's translation checks would report for translations/en.json."""
    problems = [
        f"translations: unknown section '{key}'"
        for key in translations
        if key not in TRANSLATION_SECTIONS
    ]
    for path, value in _strings(translations, "en"):
        if not isinstance(value, str) or not value.strip():
            problems.append(f"translations: {path} must be a non-empty string")
            continue
        if _HTML.search(value):
            problems.append(f"translations: {path} contains HTML")
        if _URL.search(value):
            problems.append(f"translations: {path} contains a URL (use a placeholder)")
        if _QUOTED_PLACEHOLDER.search(value):
            problems.append(f"translations: {path} quotes a placeholder")
    for flow in ("config", "options"):
        for step_id, step in translations.get(flow, {}).get("step", {}).items():
            data = step.get("data", {})
            for key in step.get("data_description", {}):
                if key not in data:
                    problems.append(
                        f"translations: {flow}.step.{step_id}.data_description.{key} has no data"
                    )
            problems += [
                f"translations: {flow}.step.{step_id}.data.{key} has no data_description"
                for key in data
                if key not in step.get("data_description", {})
            ]
    return problems


def check_brand(brand: Path) -> list[str]:
    """Return the problems with the local brand images (HACS' brands check wants icon.png)."""
    problems: list[str] = []
    for name, size in (("icon.png", 256), ("icon@2x.png", 512), ("dark_icon.png", 256)):
        path = brand / name
        if not path.is_file():
            problems.append(f"brand: {name} missing")
            continue
        with Image.open(path) as image:
            if image.format != "PNG":
                problems.append(f"brand: {name} is not a PNG")
            if image.size != (size, size):
                problems.append(f"brand: {name} must be {size}x{size}, is {image.size}")
    if not (brand / "logo.png").is_file():
        problems.append("brand: logo.png missing")
    return problems


def check_repository(
    root: Path,
    *,
    categories: frozenset[str] | None = None,
    connectivity: frozenset[str] | None = None,
) -> list[str]:
    """Return every problem in the repository's integration, HACS and brand files."""
    problems: list[str] = []
    # HACS installs the first directory under custom_components/ (in the repository's order).
    folders = sorted(
        p for p in (root / "custom_components").iterdir() if p.is_dir() and p.name != "__pycache__"
    )
    if len(folders) != 1:
        problems.append("HACS wants exactly one directory in custom_components")
    if folders and not (folders[0] / "manifest.json").is_file():
        problems.append(f"HACS would install custom_components/{folders[0].name}: no manifest.json")
    hacs_file = root / "hacs.json"
    problems += (
        check_hacs(json.loads(hacs_file.read_text()))
        if hacs_file.exists()
        else ["hacs.json missing"]
    )
    if not (root / "README.md").is_file():
        problems.append("README.md missing")
    for folder in folders[:1]:
        if not (folder / "manifest.json").is_file():
            continue
        problems += check_manifest(
            json.loads((folder / "manifest.json").read_text()),
            folder.name,
            categories=categories,
            connectivity=connectivity,
        )
        translations = folder / "translations" / "en.json"
        if translations.is_file():
            problems += check_translations(json.loads(translations.read_text()))
        else:
            problems.append("translations/en.json missing")
        problems += check_brand(folder / "brand")
    return problems
