"""Index helpers for cutting online pieces (``gnn.online``): columns that grow in place, and
global node numbers mapped to a piece's local ones.

Shapes: every array is 1-D; ``localise`` maps ``[V]`` global ids to ``[V]`` local ones.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

import numpy as np

from gnn.features import sorted_unique


class GrowingColumns:
    """The table's columns as numpy arrays, grown in place (capacity doubles) as rows arrive,
    so a piece is cut by fancy indexing instead of a Python loop over its rows."""

    DTYPES = {"amount": np.float64}

    def __init__(self, cols: dict[str, Any]) -> None:
        self.n = 0
        self.data = {k: np.zeros(0, dtype=self.DTYPES.get(k, np.int64)) for k in cols}
        self.extend(cols)

    def extend(self, cols: dict[str, Any]) -> None:
        """Copy the rows of ``cols`` past the ones already held."""
        end = len(cols["ts"])
        for k, arr in self.data.items():
            if end > len(arr):
                grown = np.zeros(max(end, 2 * len(arr)), dtype=arr.dtype)
                grown[: self.n] = arr[: self.n]
                self.data[k] = arr = grown
            arr[self.n : end] = cols[k][self.n : end]
        self.n = end

    def view(self) -> dict[str, np.ndarray]:
        return {k: v[: self.n] for k, v in self.data.items()}


def among(values: np.ndarray, few: list[int]) -> np.ndarray:
    """``np.isin(values, few)``; for a few values a comparison each (``isin`` costs ~30 µs)."""
    if len(few) > 8:
        return np.isin(values, few)
    hit = np.zeros(len(values), dtype=bool)
    for v in few:
        hit |= values == v
    return hit


def pick(keys: list[str], nodes: np.ndarray) -> list[str]:
    """``[keys[g] for g in nodes]``, in one C call."""
    if len(nodes) < 2:
        return [keys[g] for g in nodes.tolist()]
    return list(itemgetter(*nodes.tolist())(keys))


def distinct(*parts: Any) -> np.ndarray:
    """The sorted distinct node numbers (>= 0) of the arrays or lists in ``parts``."""
    v = np.concatenate([np.asarray(p, dtype=np.int64) for p in parts])
    return sorted_unique(v[v >= 0])


def localise(values: np.ndarray, first: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local numbers for global node ids: ``first`` (distinct) take 0.., the other distinct
    ids (>= 0) follow in increasing order. Returns the global id of each local number, and
    ``values`` mapped to local numbers (-1 stays -1)."""
    ok = values >= 0
    valid = values[ok]
    order = np.argsort(valid, kind="stable")
    step = np.ones(len(valid), dtype=bool)
    step[1:] = valid[order[1:]] != valid[order[:-1]]
    seen = valid[order[step]]
    inverse = np.empty(len(valid), dtype=np.int64)
    inverse[order] = np.cumsum(step) - 1
    rank = np.arange(len(seen))  # local number of each seen id, in increasing order
    if len(first):
        at = np.searchsorted(seen, first)
        hit = at < len(seen)
        hit[hit] = seen[at[hit]] == first[hit]
        lead = np.zeros(len(seen), dtype=bool)
        lead[at[hit]] = True
        rank = len(first) + np.cumsum(~lead) - 1
        rank[at[hit]] = np.flatnonzero(hit)
        seen = np.concatenate([first, seen[~lead]])
    local = np.full(len(values), -1, dtype=np.int64)
    local[ok] = rank[inverse]
    return seen, local
