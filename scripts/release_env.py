"""Build the test environment of a newer Home Assistant release next to the locked one.

    python scripts/release_env.py <release> <venv> <uv> <base python>

uv.lock holds the oldest supported release (through the pytest-homeassistant-custom-component
release that pins it), so a newer one cannot be locked there. Its environment is derived instead,
and written down in envs/<release>.txt (committed, like uv.lock, so a fresh machine installs the
same versions):

- the packages are the development groups of pyproject.toml, with homeassistant == <release> and
  the test plugin release envs/releases.txt names for it (the one that pins it);
- the release's own package_constraints.txt (read from its wheel) and its exact requirements
  decide every package it pins, as they do on a user's installation; the requirements of the
  built-in integrations it always loads (ALWAYS_LOADED) are the release's own manifests';
- pyproject.toml's [tool.uv] override-dependencies apply as they do to uv.lock;
- everything else keeps the version uv.lock has, unless the release needs it newer.

envs/<release>.txt is resolved again only when one of those inputs changes (its header holds
their digest); otherwise the environment is synced from it as it is.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tomllib
from importlib.metadata import Distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
_DIGEST = re.compile(r"^# inputs: ([0-9a-f]{64})$", re.MULTILINE)
PLUGIN = "pytest-homeassistant-custom-component"
# The built-in integrations whose requirements pyproject.toml installs (see its comments), so that
# Home Assistant's web UI finishes loading; each release asks for its own versions.
ALWAYS_LOADED = ("frontend", "conversation", "tts", "ffmpeg", "camera", "assist_pipeline")


def plugin_release(release: str) -> str:
    """Return the test plugin release envs/releases.txt names for a Home Assistant release."""
    for line in (ROOT / "envs" / "releases.txt").read_text().splitlines():
        fields = line.split("#", 1)[0].split()
        if fields and fields[0] == release:
            if len(fields) != 2:  # noqa: PLR2004 - release, plugin
                sys.exit(f"envs/releases.txt: {line!r} is not '<release> <plugin release>'")
            return fields[1]
    sys.exit(f"{release} is not in envs/releases.txt")


def _run(*args: str | Path) -> str:
    """Run a command, returning its output; fail with its output."""
    command = [str(a) for a in args]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        sys.exit(f"{' '.join(map(str, args))} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def _site_packages(venv: Path) -> Path:
    """Return the venv's site-packages directory."""
    return next((venv / "lib").glob("python3*/site-packages"))


def _homeassistant(venv: Path) -> Distribution | None:
    """Return the distribution of homeassistant installed in the venv, if any."""
    found = Distribution.discover(name="homeassistant", path=[str(_site_packages(venv))])
    return next(iter(found), None)


def _requirements_from(lines: list[str]) -> list[Requirement]:
    """Parse requirement lines, skipping comments and blanks."""
    parsed = (line.split("#", 1)[0].strip() for line in lines)
    return [Requirement(line) for line in parsed if line]


def main(release: str, venv: Path, uv: Path, base_python: str) -> None:
    """Resolve (if needed) and sync the release's environment."""
    python = venv / "bin" / "python"
    if not python.exists():
        _run(uv, "venv", "--quiet", "--python", base_python, venv)
    homeassistant = _homeassistant(venv)
    if homeassistant is None or homeassistant.version != release:
        _run(
            uv,
            "pip",
            "install",
            "--quiet",
            "--python",
            python,
            "--no-deps",
            f"homeassistant=={release}",
        )
        homeassistant = _homeassistant(venv)
    if homeassistant is None:
        sys.exit(f"homeassistant {release} did not install into {venv}")
    constraints_text = (
        _site_packages(venv) / "homeassistant" / "package_constraints.txt"
    ).read_text()
    pinned_by_release = {
        canonicalize_name(r.name)
        for r in [
            *_requirements_from(constraints_text.splitlines()),
            *(Requirement(r) for r in homeassistant.requires or []),
        ]
    }
    release_pins = [
        str(r)
        for r in _requirements_from(constraints_text.splitlines())
        if any(spec.operator == "==" for spec in r.specifier)
    ]
    components = _site_packages(venv) / "homeassistant" / "components"
    always_loaded = [
        Requirement(entry)
        for component in ALWAYS_LOADED
        for entry in json.loads((components / component / "manifest.json").read_text()).get(
            "requirements", []
        )
    ]
    pinned_by_release |= {canonicalize_name(r.name) for r in always_loaded}
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wanted = [f"homeassistant=={release}", *map(str, always_loaded)]
    for group in pyproject.get("dependency-groups", {}).values():
        for entry in group:
            requirement = Requirement(entry)
            name = canonicalize_name(requirement.name)
            if name == PLUGIN:
                # The plugin release that pins this Home Assistant release.
                wanted.append(f"{PLUGIN}=={plugin_release(release)}")
                continue
            # The release decides the version of what it pins (the frontend, for one).
            wanted.append(requirement.name if name in pinned_by_release else entry)
    overrides = pyproject.get("tool", {}).get("uv", {}).get("override-dependencies", [])
    locked = _run(
        uv,
        "export",
        "--quiet",
        "--frozen",
        "--all-groups",
        "--no-hashes",
        "--no-emit-project",
        "--no-header",
        "--no-annotate",
        "--directory",
        ROOT,
    )
    kept = [
        str(r)
        for r in _requirements_from(locked.splitlines())
        if canonicalize_name(r.name) not in pinned_by_release | {"homeassistant"}
    ]
    inputs = {
        "requirements.in": "\n".join(wanted) + "\n",
        "constraints.txt": constraints_text,
        # Preferences, not constraints: what the release needs newer may move.
        "preferred.txt": "\n".join(kept) + "\n",
        # The release's pins win over the test plugin's: the same when the plugin pins this release,
        # older when it is the newest plugin on a release newer than any plugin pins.
        "overrides.txt": "\n".join([f"homeassistant=={release}", *release_pins, *overrides]) + "\n",
    }
    digest = hashlib.sha256(repr(sorted(inputs.items())).encode()).hexdigest()
    locked_file = ROOT / "envs" / f"{release}.txt"
    current = locked_file.read_text() if locked_file.exists() else ""
    if (match := _DIGEST.search(current)) is None or match.group(1) != digest:
        work = venv / "steamloop-inputs"
        work.mkdir(exist_ok=True)
        for name, text in inputs.items():
            (work / name).write_text(text)
        # uv prefers the versions already in the output file: seed it with the locked ones.
        output = work / "resolved.txt"
        output.write_text(inputs["preferred.txt"])
        _run(
            uv,
            "pip",
            "compile",
            "--quiet",
            "--no-header",
            "--no-annotate",
            "--python",
            python,
            work / "requirements.in",
            "--output-file",
            output,
            "--constraint",
            work / "constraints.txt",
            "--override",
            work / "overrides.txt",
        )
        resolved = output.read_text()
        locked_file.write_text(
            f"# Home Assistant {release}'s test environment, written by scripts/setup"
            " (scripts/release_env.py).\n"
            f"# inputs: {digest}\n{resolved}"
        )
        print(f"scripts/setup: resolved envs/{release}.txt again (commit it)", flush=True)
    _run(uv, "pip", "sync", "--quiet", "--python", python, locked_file)
    # The project is on the path as in the locked environment (custom_components, tests, ...).
    (_site_packages(venv) / "steamloop-project.pth").write_text(f"{ROOT}\n")


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4])
