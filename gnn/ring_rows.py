"""RingBoost's propagated features for a few accounts, by segment reductions instead of scipy.

``ring_boost.propagate(data, rows)`` builds about 30 sparse matrices whatever the number of
rows, ~50 µs of scipy overhead each; online scoring asks for a handful of rows of a small
piece. ``propagate_rows`` gathers each row's distinct neighbours as sorted ``(row, neighbour)``
pairs and reduces them with ``np.add.reduceat`` / ``np.maximum.reduceat``: the same additions
in the same order as scipy's CSR product, so the same values bit for bit (tested).

Shapes: ``rows`` is ``[R]`` distinct account indices; the output is ``[R, F]`` like
``propagate``'s rows. The graph comes as ``HeteroData`` or as the ``GraphArrays`` an online
piece is before torch (``gnn.arrays``): the same numbers either way.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from torch_geometric.data import HeteroData

from gnn.arrays import GraphArrays
from gnn.features import unique_pairs

RELATIONS = (  # account -> entity relations RingBoost aggregates over, in its column order
    ("used", "device"),
    ("from_ip", "ip"),
    ("has_identity", "identity"),
    ("paid", "merchant"),
)


def _reduce(pairs: np.ndarray, x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row 0..k-1 of sorted distinct ``pairs`` ``[P, 2]``: mean and max(0, .) of its
    neighbours' rows of ``x``, and how many neighbours it has."""
    mean = np.zeros((k, x.shape[1]), dtype=np.float64)
    top = np.zeros((k, x.shape[1]), dtype=np.float32)
    count = np.zeros(k, dtype=np.float64)
    if len(pairs):
        seg, vals = pairs[:, 0], x[pairs[:, 1]]
        starts = np.flatnonzero(np.concatenate(([True], seg[1:] != seg[:-1])))
        who, n = seg[starts], np.diff(np.concatenate((starts, [len(seg)])))
        mean[who] = np.add.reduceat(vals.astype(np.float64), starts, axis=0) / n[:, None]
        top[who] = np.maximum(np.maximum.reduceat(vals, starts, axis=0), 0)
        count[who] = n
    return mean, top, count


Edges = Callable[[str, str], tuple[np.ndarray, np.ndarray]]  # (rel, dst) -> (accounts, others)


def _hetero_edges(data: HeteroData) -> Edges:
    def edges(rel: str, dst: str) -> tuple[np.ndarray, np.ndarray]:
        if ("account", rel, dst) not in data.edge_types:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        ei = data["account", rel, dst].edge_index.numpy()
        return ei[0], ei[1]

    return edges


def _array_edges(arrays: GraphArrays) -> Edges:
    def edges(rel: str, dst: str) -> tuple[np.ndarray, np.ndarray]:
        pairs = arrays.edges(rel)
        return pairs[:, 0], pairs[:, 1]

    return edges


def _sharers(pos: np.ndarray, src: np.ndarray, dst: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Sorted distinct ``(row, other account)`` pairs: accounts sharing an entity with a row."""
    mine = pos[src] >= 0
    seg, entity = pos[src[mine]], dst[mine]
    order = np.argsort(dst, kind="stable")
    by_entity, holders = dst[order], src[order]
    lo = np.searchsorted(by_entity, entity, "left")
    n = np.searchsorted(by_entity, entity, "right") - lo
    idx = np.repeat(lo - np.concatenate(([0], np.cumsum(n)[:-1])), n) + np.arange(int(n.sum()))
    seg, other = np.repeat(seg, n), holders[idx]
    keep = other != rows[seg]
    return unique_pairs(seg[keep], other[keep])


def _own_edges(pos: np.ndarray, src: np.ndarray, ent: np.ndarray, k: int) -> np.ndarray:
    """``[P, 2]`` (row, entity) pairs of the rows' edges, sorted. The edges are distinct and
    sorted by (account, entity) as ``build_hetero`` lays them out, so a stable sort by row
    (none for one row) orders them as ``unique_pairs`` would, without hashing them again."""
    mine = np.flatnonzero(pos[src] >= 0)
    pairs = np.stack([pos[src[mine]], ent[mine]], axis=1)
    if k > 1:
        pairs = pairs[np.argsort(pairs[:, 0], kind="stable")]
    return pairs


def propagate_rows(data: HeteroData | GraphArrays, rows: np.ndarray) -> np.ndarray:
    """``[len(rows), F]``: ``propagate(data)[rows]``, computed for those rows only; ``data``
    is a ``HeteroData`` or the ``GraphArrays`` it would be built from (same values)."""
    if isinstance(data, GraphArrays):
        x, edges = data.x, _array_edges(data)
    else:
        x = {t: data[t].x.numpy() for t in data.node_types}
        edges = _hetero_edges(data)
    xa = x["account"]
    rows = np.asarray(rows, dtype=np.int64)
    k = len(rows)
    pos = np.full(xa.shape[0], -1, dtype=np.int64)
    pos[rows] = np.arange(k)
    blocks: list[np.ndarray] = [xa[rows]]
    s, d = edges("transferred", "account")
    out, back = pos[s] >= 0, pos[d] >= 0
    partners = unique_pairs(
        np.concatenate((pos[s[out]], pos[d[back]])), np.concatenate((d[out], s[back]))
    )
    mean, top, _ = _reduce(partners, xa, k)
    blocks += [mean, top]
    for rel, dst in RELATIONS:
        src, ent = edges(rel, dst)
        mean, top, _ = _reduce(_own_edges(pos, src, ent, k), x[dst], k)
        blocks += [mean, top]
        if dst != "merchant":
            mean, top, count = _reduce(_sharers(pos, src, ent, rows), xa, k)
            blocks += [mean, top, count[:, None]]
    return np.concatenate(blocks, axis=1).astype(np.float32)
