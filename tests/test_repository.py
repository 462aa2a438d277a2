"""The repository passes our offline copy of the hassfest and HACS rules, and those rules bite."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import homeassistant
import pytest
import yaml
from PIL import Image

from .repo_rules import (
    check_brand,
    check_hacs,
    check_manifest,
    check_repository,
    check_translations,
)

ROOT = Path(__file__).resolve().parent.parent
COMPONENT = ROOT / "custom_components" / "steamloop"
MANIFEST = json.loads((COMPONENT / "manifest.json").read_text())


def _vocabulary(name: str) -> frozenset[str] | None:
    """Return the slugs Home Assistant knows for a manifest key (2026.11 on), if it has them."""
    path = Path(homeassistant.__file__).parent / "generated" / f"integration_{name}.json"
    if not path.is_file():
        return None
    slugs: set[str] = set()
    for item in json.loads(path.read_text()):
        slugs.add(item["slug"])
        slugs.update(f"{item['slug']}.{sub['slug']}" for sub in item.get("subcategories", []))
    return frozenset(slugs)


def test_repository_is_valid() -> None:
    """Manifest, hacs.json, translations and brand images all pass, against this release's
    vocabulary of categories and connectivity where it has one."""
    problems = check_repository(
        ROOT, categories=_vocabulary("categories"), connectivity=_vocabulary("connectivity")
    )
    assert problems == []


def test_hacs_installs_the_first_directory(tmp_path: Path) -> None:
    """HACS takes the first directory under custom_components/, so a second one is an error."""
    shutil.copytree(ROOT / "custom_components", tmp_path / "custom_components")
    (tmp_path / "custom_components" / "a_helper").mkdir()
    problems = check_repository(tmp_path)
    assert "HACS wants exactly one directory in custom_components" in problems
    assert "HACS would install custom_components/a_helper: no manifest.json" in problems


def _without(key: str) -> dict[str, Any]:
    broken = dict(MANIFEST)
    del broken[key]
    return broken


@pytest.mark.parametrize(
    ("manifest", "problem"),
    [
        (_without("version"), "manifest: missing 'version'"),
        (_without("codeowners"), "manifest: missing 'codeowners'"),
        ({**MANIFEST, "colour": "red"}, "manifest: unknown key 'colour'"),
        ({"name": MANIFEST["name"], **_without("name")}, "manifest: keys must be ordered"),
        ({**MANIFEST, "domain": "trane"}, "manifest: domain must equal the folder name"),
        ({**MANIFEST, "iot_class": "push"}, "manifest: invalid iot_class"),
        ({**MANIFEST, "version": "not a version"}, "manifest: version"),
        ({**MANIFEST, "codeowners": ["nobody"]}, "manifest: codeowner"),
        ({**MANIFEST, "requirements": ["steamloop>>1"]}, "manifest: requirement"),
        ({**MANIFEST, "categories": "climate"}, "manifest: categories must be a non-empty list"),
        ({**MANIFEST, "connectivity": []}, "manifest: connectivity must be a non-empty list"),
    ],
)
def test_broken_manifest_is_caught(manifest: dict[str, Any], problem: str) -> None:
    """Each deliberately broken manifest is reported."""
    problems = check_manifest(manifest, "steamloop")
    assert any(p.startswith(problem) for p in problems), problems


@pytest.mark.parametrize(
    ("hacs", "problem"),
    [
        ({}, "hacs.json: 'name' missing"),
        ({"name": "x", "render_readmes": True}, "hacs.json: unknown key 'render_readmes'"),
        ({"name": "x", "zip_release": True}, "hacs.json: zip_release needs 'filename'"),
        (
            {"name": "x", "homeassistant": "soon"},
            "hacs.json: 'homeassistant' is not a valid version",
        ),
        ({"name": "x", "homeassistant": 2026.10}, "hacs.json: 'homeassistant' must be a str"),
        (
            {"name": "x", "persistent_directory": True},
            "hacs.json: 'persistent_directory' must be a str",
        ),
        ({"name": "x", "render_readme": "yes"}, "hacs.json: 'render_readme' must be a bool"),
        ({"name": "x", "filename": 1, "zip_release": True}, "hacs.json: 'filename' must be a str"),
        (
            {"name": "x", "country": 49},
            "hacs.json: 'country' must be a string or a list of strings",
        ),
        (
            {"name": "x", "country": ["DE", "Europe"]},
            "hacs.json: country 'Europe' is not an ISO 3166 code",
        ),
    ],
)
def test_broken_hacs_is_caught(hacs: dict[str, Any], problem: str) -> None:
    """Each deliberately broken hacs.json is reported."""
    assert problem in check_hacs(hacs)


def test_broken_translations_are_caught() -> None:
    """HTML, URLs, quoted placeholders and orphan descriptions are reported."""
    translations = {
        "config": {
            "step": {
                "user": {
                    "description": "See <b>https://example.invalid</b> for '{host}'",
                    "data": {"host": "Host"},
                    "data_description": {"port": "Port"},
                }
            }
        },
        "bogus": {"x": "y"},
    }
    problems = check_translations(copy.deepcopy(translations))
    assert "translations: unknown section 'bogus'" in problems
    assert "translations: en.config.step.user.description contains HTML" in problems
    assert (
        "translations: en.config.step.user.description contains a URL (use a placeholder)"
        in problems
    )
    assert "translations: en.config.step.user.description quotes a placeholder" in problems
    assert "translations: config.step.user.data_description.port has no data" in problems
    assert "translations: config.step.user.data.host has no data_description" in problems


def test_broken_brand_is_caught(tmp_path: Path) -> None:
    """A missing or non-square icon is reported."""
    shutil.copytree(COMPONENT / "brand", tmp_path / "brand")
    Image.new("RGBA", (256, 200)).save(tmp_path / "brand" / "icon.png")
    (tmp_path / "brand" / "logo.png").unlink()
    problems = check_brand(tmp_path / "brand")
    assert "brand: icon.png must be 256x256, is (256, 200)" in problems
    assert "brand: logo.png missing" in problems


def test_valid_hacs_variants_pass() -> None:
    """What the HACS schema accepts is not reported."""
    for hacs in (
        {"name": "x", "country": "de"},
        {"name": "x", "country": ["US", "CA"], "render_readme": True},
        {"name": "x", "persistent_directory": "userfiles", "homeassistant": "2026.10.4"},
        {"name": "x", "zip_release": True, "filename": "steamloop.zip"},
    ):
        assert check_hacs(hacs) == [], hacs


def test_unknown_categories_are_caught() -> None:
    """Against a release's vocabulary, a made-up category or connectivity is reported."""
    problems = check_manifest(
        {**MANIFEST, "categories": ["climate.kettles"], "connectivity": ["telepathy"]},
        "steamloop",
        categories=frozenset({"climate", "climate.thermostats_heating"}),
        connectivity=frozenset({"network", "serial"}),
    )
    assert problems == [
        "manifest: unknown categories 'climate.kettles'",
        "manifest: unknown connectivity 'telepathy'",
    ]


def test_workflows_run_the_validators_and_the_suite() -> None:
    """The public repository's CI: hassfest, the HACS action for an integration, scripts/test."""
    workflows = ROOT / ".github" / "workflows"
    steps = [
        step
        for path in sorted(workflows.glob("*.yml"))
        for job in yaml.safe_load(path.read_text())["jobs"].values()
        for step in job["steps"]
    ]
    uses = {step.get("uses", "").split("@")[0]: step for step in steps}
    assert "home-assistant/actions/hassfest" in uses
    assert uses["hacs/action"]["with"]["category"] == "integration"
    assert any(step.get("run") == ".ci/run" for step in steps)
    assert "exec scripts/test" in (ROOT / ".ci" / "run").read_text()
