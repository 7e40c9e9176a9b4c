"""Fit query parameters into what FalkorDB's Bolt endpoint can take.

FalkorDB 4.16 turns a Bolt RUN message back into ``CYPHER name=value ... <query>`` text in a
4,096-byte buffer: a longer message overruns it and takes the server down. Strings are pasted
between single quotes without escaping and floats printed with six decimals (docs/bolt.md).
So, for that server, rows are sent in chunks measured in those printed bytes, and strings that
the pasting would corrupt (a quote or a backslash) are refused instead of sent.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

from core.errors import RingscopeError

FALKOR_BOLT_BUFFER = 4096
_MARGIN = 64  # the "CYPHER " prefix, separators and a little slack


class BoltParameterError(RingscopeError):
    """A value cannot travel through FalkorDB's Bolt endpoint unchanged."""


def printed_size(value: Any) -> int:
    """Bytes FalkorDB's Bolt endpoint prints ``value`` as (raises on values it would corrupt)."""
    if value is None:
        return 4
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return len(str(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise BoltParameterError(f"{value!r} cannot be sent through FalkorDB's Bolt endpoint")
        return len(f"{value:f}")
    if isinstance(value, str):
        if "'" in value or "\\" in value:
            raise BoltParameterError(
                f"{value[:40]!r} holds a quote or backslash, which FalkorDB's Bolt endpoint "
                "pastes into the query unescaped; use the native store (RINGSCOPE_STORE=falkordb)"
            )
        return len(value.encode()) + 2
    if isinstance(value, list | tuple):
        return 2 + sum(printed_size(v) + 2 for v in value)
    raise BoltParameterError(
        f"cannot send a {type(value).__name__} through FalkorDB's Bolt endpoint"
    )


def row_budget(query: str, fixed: dict[str, Any]) -> int:
    """Bytes left for one list parameter after the query text and the other parameters."""
    used = len(query.encode()) + _MARGIN
    used += sum(len(name) + 2 + printed_size(value) for name, value in fixed.items())
    return FALKOR_BOLT_BUFFER - used


def chunk_rows(
    rows: Sequence[Any], budget: int | None, max_rows: int = 5000
) -> Iterator[list[Any]]:
    """Consecutive chunks of ``rows``, each printing within ``budget`` bytes (None: no limit)."""
    chunk: list[Any] = []
    size = 0
    for row in rows:
        cost = printed_size(row) + 2 if budget is not None else 0
        if budget is not None and cost > budget - 8:
            raise BoltParameterError(
                f"a row of {cost} bytes does not fit FalkorDB's Bolt buffer ({budget} left)"
            )
        if chunk and (len(chunk) >= max_rows or (budget is not None and size + cost > budget - 8)):
            yield chunk
            chunk, size = [], 0
        chunk.append(row)
        size += cost
    if chunk:
        yield chunk
