"""The package's rooms import downward only, and no module imports itself back.

The order below is the architecture (CONTRIBUTING.md, "Module map"): a room may import
from rooms before it in the list, never after; a lower room that needs a higher one's
judgement takes a function as an argument.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from helpers import ROOT

PACKAGE = ROOT / "pytest_llmseed"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "records", "hooks", "files"),
    ("config",),
    ("exchange",),
    ("providers",),
    ("redaction",),
    ("context",),
    ("cassettes",),
    ("interception",),
    ("goldens",),
    ("report",),
    ("review",),
    ("finish",),
    ("fixture",),
    ("session",),
    ("plugin", "cli", "__init__"),
)
RANK = {room: rank for rank, rooms in enumerate(LAYERS) for room in rooms}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path, name: str, modules: set[str]) -> set[str]:
    """The package's modules ``path`` imports (at any depth of the file, lazily too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            for alias in node.names:
                full = f"{module}.{alias.name}"
                found.add(full if full in modules else module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in modules and m != name}


def _graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(paths)
    return {name: _imports(path, name, modules) for name, path in paths.items()}


def _room(module: str) -> str:
    parts = module.split(".")
    return "__init__" if len(parts) == 1 else parts[1]


GRAPH = _graph()


def test_every_room_has_a_place_in_the_order() -> None:
    assert {_room(m) for m in GRAPH} <= set(RANK)


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_a_module_imports_only_its_own_room_or_rooms_below(module: str) -> None:
    upward = [
        target
        for target in GRAPH[module]
        if "." in target.removeprefix("pytest_llmseed.")  # a package's empty __init__ aside
        and RANK[_room(target)] > RANK[_room(module)]
    ]
    assert upward == [], f"{module} imports from a higher room"


def test_no_import_cycles() -> None:
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(GRAPH[node]):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, path)
        path.pop()
        state[node] = 2

    for node in sorted(GRAPH):
        if node not in state:
            visit(node, [])
    assert cycles == []


def test_at_most_ten_modules_at_the_top() -> None:
    top = [p.name for p in PACKAGE.glob("*.py")]
    assert len(top) <= 10, sorted(top)
