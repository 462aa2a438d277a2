"""The integration uses only public Home Assistant APIs: no private attribute of another class.

A private name (``_x``) that our own code never defines can only come from someone else's class
(Home Assistant's, a library's): reading it, on ``self`` or on any other object, ties us to an
implementation detail that a release may rename without notice. Overriding a documented hook
(``_async_update_data``, ``_handle_coordinator_update``) defines the name, and ``_attr_*`` are
Home Assistant's documented entity attributes, so both are allowed. So are the few names below
that their owners document for callers despite the underscore.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

COMPONENT = Path(__file__).resolve().parent.parent / "custom_components" / "steamloop"

# Documented for callers despite the underscore: ConfigFlow's helpers for flows (the developer
# docs' config flow and reauth/reconfigure pages use them), and NamedTuple's ``_asdict``.
DOCUMENTED: frozenset[str] = frozenset(
    {
        "_abort_if_unique_id_configured",
        "_async_abort_entries_match",
        "_async_current_entries",
        "_get_reauth_entry",
        "_get_reconfigure_entry",
        "_asdict",
    }
)


def _private(name: str) -> bool:
    return (
        name.startswith("_")
        and not name.startswith("__")
        and not name.startswith("_attr_")
        and name not in DOCUMENTED
    )


def _defined(trees: list[ast.Module]) -> set[str]:
    """Return every name our code defines: functions, classes, assigned names and attributes."""
    names: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store | ast.Del):
                names.add(node.attr)
            elif isinstance(node, ast.alias):
                names.add(node.asname or node.name.rsplit(".", 1)[-1])
    return names


def foreign_private_uses(sources: dict[str, str]) -> list[str]:
    """Return ``file:line: .name`` for every private attribute read that our code never defines."""
    trees = {name: ast.parse(text, filename=name) for name, text in sources.items()}
    ours = _defined(list(trees.values()))
    found: list[str] = []
    for name, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and _private(node.attr) and node.attr not in ours:
                found.append(f"{name}:{node.lineno}: .{node.attr}")
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"getattr", "hasattr", "setattr", "delattr"}
                and len(node.args) > 1
                and isinstance(attr := node.args[1], ast.Constant)
                and isinstance(attr.value, str)
                and _private(attr.value)
                and attr.value not in ours
            ):
                # getattr(obj, "_x") reads it all the same.
                found.append(f"{name}:{node.lineno}: {attr.value!r}")
    return sorted(found)


def test_no_private_attribute_of_another_project_is_used() -> None:
    """Nothing in custom_components/ reads a private attribute it did not define itself."""
    sources = {
        str(path.relative_to(COMPONENT)): path.read_text()
        for path in sorted(COMPONENT.rglob("*.py"))
    }
    assert foreign_private_uses(sources) == []


@pytest.mark.parametrize(
    "source",
    [
        # The coordinator's listener registry, read through our own subclass.
        "class C(DataUpdateCoordinator):\n    def f(self):\n        return self._listeners\n",
        "def f(hass):\n    return hass._stopped\n",
        "def f(entry):\n    return getattr(entry, '_on_unload')\n",
    ],
)
def test_reading_a_private_attribute_is_caught(source: str) -> None:
    """The check finds a private Home Assistant attribute read on self or on an HA object."""
    assert foreign_private_uses({"x.py": source}) != []


def test_our_own_private_names_and_hooks_pass() -> None:
    """Our own private attributes, overridden hooks and ``_attr_*`` are not reported."""
    source = (
        "class E(CoordinatorEntity):\n"
        "    _attr_name = None\n"
        "    def __init__(self):\n"
        "        self._seen = 1\n"
        "    def _handle_coordinator_update(self):\n"
        "        super()._handle_coordinator_update()\n"
        "        return self._seen, other._seen, self._attr_unique_id\n"
    )
    assert foreign_private_uses({"x.py": source}) == []
