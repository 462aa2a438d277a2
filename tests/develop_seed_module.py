"""scripts/develop_seed.py as a module, for the tests that drive a real Home Assistant process."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

PATH = Path(__file__).resolve().parent.parent / "scripts" / "develop_seed.py"


def load_develop_seed() -> ModuleType:
    """Import scripts/develop_seed.py (scripts/ is not a package) by its path."""
    spec = importlib.util.spec_from_file_location("steamloop_develop_seed", PATH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
