"""The running tables of a ``--bulk`` build (graph/bulk.py), kept in arrays rather than in Python
objects per entry: at 1M accounts the build holds ~1.4M nodes and ~1.8M money pairs.

``NodeTable``: one label's nodes, a code per node (0, 1, 2 ... in the order the nodes are first
folded), and by code the node's id, its ``first_seen`` and, once sent, its internal id. One dict
from id to code, and the rest in arrays: three dicts keyed by id (first_seen, code, internal id)
cost ~260 bytes a node.

``PairIndex``: a money edge's pairs, each an int key (its ends' codes), with a row number (0, 1,
2 ... in the order pairs are first folded) into the edge's arrays of sums. As sorted runs of keys
and rows, 16 bytes a pair; a dict from key to row cost ~100.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_Ints = np.ndarray[Any, np.dtype[np.int64]]


class NodeTable:
    """One label's nodes by code (see the module docstring)."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}
        self.names: list[str] = []  # by code
        self._first_seen: _Ints = np.zeros(0, np.int64)
        self._internal: _Ints = np.zeros(0, np.int64)
        self.sent = 0  # nodes with a lower code have their internal ids

    def __len__(self) -> int:
        return len(self.names)

    def add(self, seen: dict[str, int]) -> None:
        """Give the nodes of ``seen`` (id -> first_seen) not here yet the next codes, in the
        order of ``seen``; the first_seen of a node already here stands."""
        codes = self.codes
        fresh = [node_id for node_id in seen if node_id not in codes]
        if not fresh:
            return
        start = len(self.names)
        codes.update(zip(fresh, range(start, start + len(fresh)), strict=True))
        self.names.extend(fresh)
        self._grow(len(self.names))
        self._first_seen[start : len(self.names)] = np.fromiter(
            map(seen.__getitem__, fresh), np.int64, len(fresh)
        )

    def first_seen(self, start: int, stop: int) -> _Ints:
        return self._first_seen[start:stop]

    def mark_sent(self, stop: int, first_internal: int) -> None:
        """Nodes ``sent`` .. ``stop`` went to the server, in code order, taking internal ids
        from ``first_internal`` on."""
        count = stop - self.sent
        self._internal[self.sent : stop] = np.arange(first_internal, first_internal + count)
        self.sent = stop

    def internal(self) -> _Ints:
        """Every sent node's internal id, by code."""
        return self._internal[: self.sent]

    def _grow(self, size: int) -> None:
        if len(self._first_seen) >= size:
            return
        room = max(size, 2 * len(self._first_seen), 1024)
        for name in ("_first_seen", "_internal"):
            grown = np.zeros(room, np.int64)
            old = getattr(self, name)
            grown[: len(old)] = old
            setattr(self, name, grown)


class PairIndex:
    """Int keys and their rows, as sorted runs (each at most half the size of the one before,
    so a batch looks in a few runs, and a key is merged O(log n) times)."""

    def __init__(self) -> None:
        self._runs: list[tuple[_Ints, _Ints]] = []  # (sorted keys, their rows)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def rows(self, keys: _Ints) -> _Ints:
        """Each key's row; a key not here gets the next new row (keys are distinct)."""
        rows = np.full(len(keys), -1, np.int64)
        for run_keys, run_rows in self._runs:
            at = np.minimum(np.searchsorted(run_keys, keys), len(run_keys) - 1)
            hit = run_keys[at] == keys
            rows[hit] = run_rows[at[hit]]
        new = np.flatnonzero(rows < 0)
        if len(new):
            rows[new] = np.arange(self._size, self._size + len(new))
            self._size += len(new)
            self._add(keys[new], rows[new])
        return rows

    def keys(self) -> _Ints:
        """Every key, in row order."""
        out = np.empty(self._size, np.int64)
        for run_keys, run_rows in self._runs:
            out[run_rows] = run_keys
        return out

    def clear(self) -> None:
        self._runs, self._size = [], 0

    def _add(self, keys: _Ints, rows: _Ints) -> None:
        order = np.argsort(keys, kind="stable")
        run = (keys[order], rows[order])
        while self._runs and len(self._runs[-1][0]) <= 2 * len(run[0]):
            last_keys, last_rows = self._runs.pop()
            merged = np.concatenate([last_keys, run[0]])
            order = np.argsort(merged, kind="stable")  # two sorted runs: a linear merge
            run = (merged[order], np.concatenate([last_rows, run[1]])[order])
        self._runs.append(run)
