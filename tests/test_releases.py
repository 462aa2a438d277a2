"""Every supported Home Assistant release (envs/releases.txt) can install and load the integration.

The release list is the one place the supported range is declared: hacs.json asks for its first
line, the locked environment runs it, and scripts/setup builds an environment for each later one.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from importlib.metadata import Distribution, version
from pathlib import Path

import homeassistant.const
import pytest
from homeassistant import loader
from homeassistant.components.climate import ClimateEntity
from homeassistant.const import UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.steamloop import compat

from .releases import supported_releases
from .repo_rules import check_requirements

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = "pytest-homeassistant-custom-component"
MANIFEST = json.loads((ROOT / "custom_components" / "steamloop" / "manifest.json").read_text())


PLUGINS = supported_releases()
RELEASES = list(PLUGINS)


def _version(text: str) -> tuple[int, ...]:
    return tuple(map(int, text.split(".")))


def readme_releases() -> dict[str, str]:
    """Return release -> plugin release from the README's table of supported releases."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Supported Home Assistant releases", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| \*{0,2}(\d{4}\.\d+\.\d+)\*{0,2} \| (\S+) \|", section, re.MULTILINE)
    return dict(rows)


def site_packages(release: str) -> Path:
    """Return the site-packages of the release's environment, which scripts/setup builds."""
    venv = ROOT / (".venv" if release == RELEASES[0] else f".venv-{release}")
    found = sorted(venv.glob("lib/python3*/site-packages"))
    if not found:
        pytest.fail(
            f"no environment for Home Assistant {release} in {venv.name}: run scripts/setup"
        )
    return found[0]


def test_the_range_is_declared_once() -> None:
    """hacs.json, the README, the locked and the newer environments follow the release list."""
    # The policy (README): the current release and the five before it, one patch of each.
    assert len(RELEASES) >= 6, "the current release and the five before it"
    assert sorted(RELEASES, key=_version) == RELEASES
    months = [_version(r)[:2] for r in RELEASES]
    assert len(set(months)) == len(months), "one patch of each monthly release"
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert hacs["homeassistant"] == RELEASES[0]
    readme = (ROOT / "README.md").read_text()
    assert readme_releases() == PLUGINS
    assert f"Requires Home Assistant {RELEASES[0]} or newer" in readme
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    locked = {p["name"]: p["version"] for p in lock["package"]}
    assert locked["homeassistant"] == RELEASES[0]
    assert locked[PLUGIN] == PLUGINS[RELEASES[0]]
    for release in RELEASES[1:]:
        pins = (ROOT / "envs" / f"{release}.txt").read_text().splitlines()
        assert f"homeassistant=={release}" in pins
        assert f"{PLUGIN}=={PLUGINS[release]}" in pins
    # Each release's plugin is the one that pins it; a release newer than every plugin runs
    # the newest (with tests/ha_compat.py), so plugins never go backwards.
    plugins = [_version(p) for p in PLUGINS.values()]
    assert sorted(plugins) == plugins


def test_the_environment_runs_its_release_with_its_plugin() -> None:
    """This run's Home Assistant and test plugin are the pair envs/releases.txt names."""
    release = homeassistant.const.__version__
    assert PLUGINS[release] == version(PLUGIN)
    pinned = {
        canonicalize_name(r.name): str(r.specifier)
        for r in map(Requirement, Distribution.from_name(PLUGIN).requires or [])
    }
    if release == RELEASES[-1] and pinned["homeassistant"] != f"=={release}":
        return  # no plugin pins the newest release yet: it runs the newest one (ha_compat.py)
    assert pinned["homeassistant"] == f"=={release}"


@pytest.mark.parametrize("release", RELEASES)
def test_requirements_resolve_under_the_release_constraints(release: str) -> None:
    """The manifest's requirements install under the release's package_constraints.txt."""
    packages = site_packages(release)
    installed = {
        canonicalize_name(dist.name): dist.version
        for dist in Distribution.discover(path=[str(packages)])
    }
    assert installed["homeassistant"] == release
    constraints = (packages / "homeassistant" / "package_constraints.txt").read_text()
    assert check_requirements(MANIFEST["requirements"], constraints, installed) == []


@pytest.mark.parametrize("release", RELEASES)
def test_requirements_admit_what_the_release_trane_integration_pins(release: str) -> None:
    """An installation that also runs Home Assistant's own Trane integration keeps one steamloop.

    Home Assistant installs each integration's requirements on every start; a range of ours that
    excluded the version its `trane` pins would swap the package back and forth (2026.6 pins
    steamloop 1.2.0).
    """
    manifest = site_packages(release) / "homeassistant" / "components" / "trane" / "manifest.json"
    theirs = {
        canonicalize_name(r.name): r.specifier
        for r in map(Requirement, json.loads(manifest.read_text())["requirements"])
    }
    for ours in map(Requirement, MANIFEST["requirements"]):
        for spec in theirs.get(canonicalize_name(ours.name), []):
            assert spec.operator == "=="
            assert ours.specifier.contains(spec.version), f"{ours} excludes trane's {spec}"


def test_the_manifest_uses_only_keys_the_release_reads_or_ignores() -> None:
    """Every manifest key is one the release's loader knows, or one it ignores without a word.

    categories and connectivity are read from 2026.11 on; earlier loaders keep the manifest as a
    plain mapping and never look at them (the end-to-end test fails on any warning naming us).
    """
    unknown = set(MANIFEST) - set(loader.Manifest.__annotations__)
    assert unknown <= {"categories", "connectivity"}
    if homeassistant.const.__version__ == RELEASES[-1]:
        assert unknown == set()


def test_a_conflicting_pin_is_caught() -> None:
    """The exact pin the manifest once had is reported against a release that pins another."""
    constraints = "# pinned by the release\nserialx==1.15.1\nsteamloop>=1\n"
    installed = {"serialx": "1.15.1", "steamloop": "1.2.1"}
    assert check_requirements(["serialx==1.11.0"], constraints, installed) == [
        "serialx==1.11.0 conflicts with the release's serialx==1.15.1",
        "serialx==1.11.0: the release's environment has 1.15.1",
    ]
    assert check_requirements(["serialx>=1.11"], constraints, installed) == []
    assert check_requirements(["steamloop<1"], constraints, installed) == [
        "steamloop<1: the release's environment has 1.2.1"
    ]
    assert check_requirements(["orjson"], constraints, installed) == [
        "orjson: not installed in the release's environment"
    ]


_IMPORT_ALL = """
import importlib, logging, pkgutil, sys, warnings
if sys.argv[1] == "without-serialx":
    sys.modules["serialx"] = None
logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(name)s %(message)s")
logging.captureWarnings(True)
warnings.simplefilter("always")
import custom_components.steamloop as package
for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    importlib.import_module(module.name)
print("imported", len(sys.modules))
"""


@pytest.mark.parametrize("variant", ["as-installed", "without-serialx"])
def test_importing_every_module_logs_nothing_of_ours(variant: str) -> None:
    """No deprecation or warning names us at import, with or without serialx installed."""
    result = subprocess.run(  # noqa: S603 - our interpreter, our script
        [sys.executable, "-c", _IMPORT_ALL, variant],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("imported")
    ours = [line for line in result.stderr.splitlines() if "steamloop" in line]
    assert ours == []


def test_climate_names_on_releases_without_native_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before 2026.11 the plain names read what the native_* ones hold."""
    monkeypatch.setattr(compat, "NATIVE_CLIMATE_TEMPERATURES", False)

    @compat.native_climate_temperatures
    class Probe(ClimateEntity):
        _attr_native_temperature_unit = UnitOfTemperature.FAHRENHEIT
        native_current_temperature = 71.0
        native_target_temperature = 70.0
        native_target_temperature_low = 68.0
        native_target_temperature_high = 76.0

    probe = Probe()
    assert [
        getattr(probe, name)
        for name in (
            "temperature_unit",
            "current_temperature",
            "target_temperature",
            "target_temperature_low",
            "target_temperature_high",
        )
    ] == [UnitOfTemperature.FAHRENHEIT, 71.0, 70.0, 68.0, 76.0]


def test_climate_names_untouched_on_releases_with_native_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """From 2026.11 the class is left as written: Home Assistant serves the plain names."""
    monkeypatch.setattr(compat, "NATIVE_CLIMATE_TEMPERATURES", True)

    class Probe(ClimateEntity):
        _attr_native_temperature_unit = UnitOfTemperature.FAHRENHEIT

    before = dict(vars(Probe))
    assert compat.native_climate_temperatures(Probe) is Probe
    assert dict(vars(Probe)) == before


@pytest.mark.parametrize("per_entry", [True, False])
def test_zone_devices_link_to_the_thermostat(
    monkeypatch: pytest.MonkeyPatch, per_entry: bool
) -> None:
    """From 2026.8 a device names its parent by registry id; before, by identifier."""
    monkeypatch.setattr(compat, "DEVICE_LOOKUP_PER_ENTRY", per_entry)
    link = compat.linked_to("device-id", ("steamloop", "aa:bb"))
    assert link == (
        {"via_device_id": "device-id"} if per_entry else {"via_device": ("steamloop", "aa:bb")}
    )


async def test_devices_are_found_within_their_entry_before_2026_8(
    hass: HomeAssistant, device_registry: dr.DeviceRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the per-entry look-up, a device of another entry is not ours."""
    monkeypatch.setattr(compat, "DEVICE_LOOKUP_PER_ENTRY", False)
    ours, theirs = MockConfigEntry(domain="steamloop"), MockConfigEntry(domain="steamloop")
    ours.add_to_hass(hass)
    theirs.add_to_hass(hass)
    device = device_registry.async_get_or_create(
        config_entry_id=ours.entry_id, identifiers={("steamloop", "zone-1")}
    )
    assert (
        compat.device_by_identifier(device_registry, ("steamloop", "zone-1"), ours.entry_id)
        == device
    )
    assert (
        compat.device_by_identifier(device_registry, ("steamloop", "zone-1"), theirs.entry_id)
        is None
    )
    assert (
        compat.device_by_identifier(device_registry, ("steamloop", "zone-2"), ours.entry_id) is None
    )
