"""Load the queries kept as .cypher files in the top-level ``cypher`` package."""

from __future__ import annotations

from functools import cache
from importlib import resources

from core.errors import RingscopeError


@cache
def load_query(name: str, dialect: str = "falkordb") -> str:
    """The query ``cypher/<name>.cypher``, or its dialect variant ``cypher/<dialect>/<name>.cypher``.

    Header comment lines (``//``) are dropped; values always travel as parameters.
    """
    root = resources.files("cypher")
    for candidate in (root / dialect / f"{name}.cypher", root / f"{name}.cypher"):
        if candidate.is_file():
            lines = candidate.read_text(encoding="utf-8").splitlines()
            return "\n".join(ln for ln in lines if not ln.lstrip().startswith("//")).strip()
    raise RingscopeError(f"no Cypher query named {name!r} in cypher/ (dialect {dialect})")


@cache
def query_bytes(name: str) -> bytes:
    """``load_query(name)`` encoded, for commands sent as bytes."""
    return load_query(name).encode()
