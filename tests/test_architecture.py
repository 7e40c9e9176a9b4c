"""The layer rules of README's architecture section, checked on the source.

Only ``graph/`` talks to drivers (redis, falkordb, neo4j): everything else reaches Redis and the
graph through the ports of ``core/ports.py``, wired by ``ringscope/bootstrap.py``. ``graph/``
and ``core/`` never import the layers around them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DRIVERS = {"redis", "falkordb", "neo4j"}
OUTSIDE_GRAPH = ("core", "ingest", "detection", "gnn", "api", "ringscope", "investigator_ui")
OUTER = {"ingest", "detection", "gnn", "api", "ringscope", "investigator_ui"}


def imports(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports (at the top, in functions, under TYPE_CHECKING)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
    return found


def offenders(packages: tuple[str, ...] | set[str], banned: set[str]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for package in sorted(packages)
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, name in imports(path)
        if name.split(".")[0] in banned
    ]


def test_drivers_are_imported_only_by_the_adapters_in_graph() -> None:
    assert offenders(OUTSIDE_GRAPH, DRIVERS) == []


@pytest.mark.parametrize("inner", ["core", "graph"])
def test_inner_layers_do_not_import_the_outer_ones(inner: str) -> None:
    assert offenders((inner,), OUTER) == []


def test_the_rule_sees_a_driver_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    import redis.asyncio as aioredis\n    return aioredis\n")
    assert imports(module) == [(2, "redis.asyncio")]


def test_only_the_bootstrap_builds_adapters() -> None:
    """No module outside graph/ and ringscope/bootstrap.py calls a class that graph/ defines."""
    adapters = {
        node.name
        for path in (ROOT / "graph").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef)
    }
    built: list[str] = []
    for package in OUTSIDE_GRAPH:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == ROOT / "ringscope" / "bootstrap.py":
                continue
            tree = ast.parse(path.read_text())
            from_graph = {
                alias.asname or alias.name
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("graph")
                for alias in node.names
            }
            built += [
                f"{path.relative_to(ROOT)}:{node.lineno} builds {node.func.id}"
                for node in ast.walk(tree)
                if isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in adapters & from_graph
            ]
    assert built == []
