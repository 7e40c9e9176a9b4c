"""One label's nodes in a ``--bulk`` build (graph/bulk.py): a code per node, 0, 1, 2 ... in the
order the nodes are first folded, and by code the node's id, its ``first_seen`` and, once sent,
its internal id.

One dict from id to code, and the rest in arrays by code: at 1M accounts the build held ~1.4M
nodes, and three dicts keyed by id (first_seen, code, internal id) cost ~260 bytes a node.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_Ints = np.ndarray[Any, np.dtype[np.int64]]


class NodeTable:
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
