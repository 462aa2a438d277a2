"""The client package stays free of Home Assistant: it imports only the stdlib and its own deps.

The check reads the source with ast instead of importing it, so a lazy or conditional import is
caught as well.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "custom_components" / "steamloop" / "client"
OWN_PACKAGE = "custom_components.steamloop.client"
THIRD_PARTY = frozenset({"orjson", "serialx", "steamloop"})
DYNAMIC_IMPORTERS = frozenset({"import_module", "__import__"})


def allowed(module: str) -> bool:
    """Return whether an absolute module name may be imported by the client."""
    top = module.partition(".")[0]
    if top in sys.stdlib_module_names or top in THIRD_PARTY:
        return True
    return module == OWN_PACKAGE or module.startswith(OWN_PACKAGE + ".")


def forbidden_imports(source: str, filename: str = "<module>") -> list[str]:
    """Return 'line: module' for every import the client may not make."""
    problems: list[str] = []
    for node in ast.walk(ast.parse(source, filename)):
        names: list[object] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level > 1:
                names = ["." * node.level + (node.module or "")]
            elif node.level == 0 and node.module:
                names = [node.module]
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in DYNAMIC_IMPORTERS and node.args:
                first = node.args[0]
                names = [first.value if isinstance(first, ast.Constant) else "<dynamic>"]
        problems.extend(
            f"{getattr(node, 'lineno', '?')}: {name}"
            for name in names
            if not isinstance(name, str) or name.startswith(".") or not allowed(name)
        )
    return problems


def client_modules() -> list[Path]:
    """Every Python file of the client package."""
    return sorted(CLIENT.rglob("*.py"))


def test_client_modules_found() -> None:
    """The walk sees the package, so the check below is not vacuous."""
    names = {path.name for path in client_modules()}
    assert {"errors.py", "models.py", "codec.py", "state.py"} <= names


@pytest.mark.parametrize("path", client_modules(), ids=lambda path: path.name)
def test_client_module_imports(path: Path) -> None:
    """No client module imports Home Assistant or anything outside its allowed set."""
    assert forbidden_imports(path.read_text(encoding="utf-8"), str(path)) == []


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("import homeassistant", True),
        ("from homeassistant.core import HomeAssistant", True),
        ("def f():\n    import homeassistant.helpers", True),
        ("if True:\n    from homeassistant import const", True),
        ("import voluptuous", True),
        ("from .. import const", True),
        ("from ..const import DOMAIN", True),
        ("from custom_components.steamloop import const", True),
        ("import importlib\nimportlib.import_module('homeassistant')", True),
        ("__import__('aiohttp')", True),
        ("import importlib\nimportlib.import_module(name)", True),
        ("import asyncio, ssl, orjson", False),
        ("from serialx import open_serial_connection", False),
        ("from steamloop.certs import CERT_SETS", False),
        ("from . import codec", False),
        ("from .errors import ProtocolError", False),
        ("from custom_components.steamloop.client.codec import decode", False),
        ("from __future__ import annotations", False),
        ("import importlib\nimportlib.import_module('json')", False),
    ],
)
def test_checker_bites(source: str, flagged: bool) -> None:
    """The checker flags what it should and nothing else."""
    assert bool(forbidden_imports(source)) is flagged
