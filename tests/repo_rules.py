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
    "config_flow",
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
HACS_KNOWN = {
    "name",
    "content_in_root",
    "zip_release",
    "filename",
    "hide_default_branch",
    "country",
    "homeassistant",
    "hacs",
    "persistent_directory",
    "render_readme",
}
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


def check_manifest(manifest: dict[str, Any], folder_name: str) -> list[str]:
    """Return the problems hassfest (and HACS) would report for a custom integration's manifest."""
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
    return problems


def check_hacs(hacs: dict[str, Any]) -> list[str]:
    """Return the problems the HACS action's schema would report for hacs.json."""
    problems = (
        [] if isinstance(hacs.get("name"), str) and hacs["name"] else ["hacs.json: 'name' missing"]
    )
    problems += [f"hacs.json: unknown key '{key}'" for key in hacs if key not in HACS_KNOWN]
    for key in ("homeassistant", "hacs"):
        if key in hacs and not AwesomeVersion(str(hacs[key])).valid:
            problems.append(f"hacs.json: '{key}' is not a valid version")
    for key in ("content_in_root", "zip_release", "hide_default_branch", "persistent_directory"):
        if key in hacs and not isinstance(hacs[key], bool):
            problems.append(f"hacs.json: '{key}' must be a boolean")
    if hacs.get("zip_release") and "filename" not in hacs:
        problems.append("hacs.json: zip_release needs 'filename'")
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


def check_repository(root: Path) -> list[str]:
    """Return every problem in the repository's integration, HACS and brand files."""
    integrations = sorted(
        p
        for p in (root / "custom_components").iterdir()
        if p.is_dir() and (p / "manifest.json").exists()
    )
    problems = (
        []
        if len(integrations) == 1
        else ["HACS wants exactly one integration in custom_components"]
    )
    hacs_file = root / "hacs.json"
    problems += (
        check_hacs(json.loads(hacs_file.read_text()))
        if hacs_file.exists()
        else ["hacs.json missing"]
    )
    if not (root / "README.md").is_file():
        problems.append("README.md missing")
    for folder in integrations:
        problems += check_manifest(json.loads((folder / "manifest.json").read_text()), folder.name)
        translations = folder / "translations" / "en.json"
        if translations.is_file():
            problems += check_translations(json.loads(translations.read_text()))
        else:
            problems.append("translations/en.json missing")
        problems += check_brand(folder / "brand")
    return problems
