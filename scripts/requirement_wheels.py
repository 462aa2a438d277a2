"""Download the wheels of the manifest's requirements into an environment, for the e2e test.

    <venv>/bin/python scripts/requirement_wheels.py <pip>

The end-to-end test lets Home Assistant install the integration's requirements itself, under its
constraints, the way it does on a user's installation; it does so offline, from these wheels, so
that the test needs no network. They are the versions the environment has (the requirements and
what they require), fetched once with pip into <venv>/steamloop-wheels.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "custom_components" / "steamloop" / "manifest.json"


def closure(requirements: list[str]) -> dict[str, str]:
    """Return name -> installed version for the requirements and everything they require."""
    found: dict[str, str] = {}
    todo = [Requirement(r) for r in requirements]
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in found or (requirement.marker and not requirement.marker.evaluate()):
            continue
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            sys.exit(f"{name} is not installed in {sys.prefix}")
        found[name] = dist.version
        todo += [Requirement(r) for r in dist.requires or []]
    return found


def main(pip: str) -> None:
    """Fetch the wheels that are not there yet."""
    wheels = Path(sys.prefix) / "steamloop-wheels"
    wheels.mkdir(exist_ok=True)
    present = {
        (canonicalize_name(name), version)
        for name, version, *_ in (p.name.split("-") for p in wheels.glob("*.whl"))
    }
    pins = closure(json.loads(MANIFEST.read_text()).get("requirements", []))
    missing = [f"{n}=={v}" for n, v in pins.items() if (n, v) not in present]
    if not missing:
        return
    version = f"{sys.version_info.major}{sys.version_info.minor}"
    machine = platform.machine()
    platforms = [f"manylinux_2_{minor}_{machine}" for minor in range(17, 40)]
    command = [
        pip,
        "download",
        "--quiet",
        "--no-deps",
        "--only-binary=:all:",
        "--dest",
        str(wheels),
    ]
    command += ["--python-version", version, "--implementation", "cp", "--abi", f"cp{version}"]
    command += [arg for tag in platforms for arg in ("--platform", tag)]
    subprocess.run([*command, *missing], check=True)  # noqa: S603 - pip, with our pins


if __name__ == "__main__":
    main(sys.argv[1])
