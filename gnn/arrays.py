"""A graph as numpy arrays: the node features and edge pairs ``build_hetero`` puts into torch.

``HeteroData`` costs about a millisecond to fill (its storages, ``torch`` tensors, reverse
edges), which is most of what one online piece costs when only RingBoost reads it, and
RingBoost reads numpy arrays. ``graph_arrays`` computes what ``hetero_from_columns`` computes,
with the same functions in the same order, and stops before torch; ``to_hetero`` finishes the
job for the models that want ``HeteroData``. Where the caller already has most nodes' features
(an online piece: the export's), only the others are computed, from the rows that touch them.

Shapes: ``x[t]`` is ``[N_t, F]`` float32 (F = len(ACCOUNT_FEATURES) for accounts, else
len(ENTITY_FEATURES)); ``edges(rel)`` is ``[E, 2]`` distinct (account, other node) pairs sorted
by account, the ``edge_index`` of ``("account", rel, other)`` transposed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch
from torch_geometric.data import HeteroData

from gnn.features import (
    ACCOUNT_FEATURES,
    ENTITY_FEATURES,
    TxPairs,
    account_features,
    entity_features,
)

NODE_TYPES = ("account", "device", "merchant", "ip", "identity")
EDGE_PAIRS = (  # edge type -> the TxPairs set that holds its edges
    (("account", "transferred", "account"), "transfer"),
    (("account", "paid", "merchant"), "paid"),
    (("merchant", "refunded", "account"), "refunded"),
    (("account", "used", "device"), "device"),
    (("account", "from_ip", "ip"), "ip"),
    (("account", "has_identity", "identity"), "identity"),
)
_PAIRS_OF = {et[1]: name for et, name in EDGE_PAIRS}


@dataclass
class GraphArrays:
    """Node counts and features per type, and the distinct pairs behind every edge type."""

    n: dict[str, int]
    x: dict[str, np.ndarray]
    pairs: TxPairs

    def edges(self, rel: str) -> np.ndarray:
        """``[E, 2]`` pairs of the relation ``rel`` (``transferred``, ``used``, ...)."""
        return self.pairs.get(_PAIRS_OF[rel])


def graph_arrays(
    tx: dict[str, np.ndarray],
    n: dict[str, int],
    opened: np.ndarray,
    ident: np.ndarray,
    now_ms: int,
    known: Mapping[str, Known] | None = None,
) -> GraphArrays:
    """Features of every node from the columns; for a type in ``known``, only its stale
    nodes' features are computed, from the rows that touch them, and the others are taken."""
    known = known or {}
    pairs = TxPairs(tx, ident)
    x: dict[str, np.ndarray] = {}
    for t in NODE_TYPES:
        if t not in known:
            x[t] = _features(t, tx, n, opened, ident, now_ms, pairs)
            continue
        x[t], stale = known[t]
        if stale.any():
            sub_tx, sub_ident = _touching(t, stale, tx, ident)
            part = _features(
                t, sub_tx, n, opened, sub_ident, now_ms, TxPairs(sub_tx, sub_ident), pairs
            )
            x[t][stale] = part[stale]
    return GraphArrays(n, x, pairs)


Known = tuple[np.ndarray, np.ndarray]  # features of every node of a type, which are stale


def _features(
    t: str,
    tx: dict[str, np.ndarray],
    n: dict[str, int],
    opened: np.ndarray,
    ident: np.ndarray,
    now_ms: int,
    pairs: TxPairs,
    shared: TxPairs | None = None,
) -> np.ndarray:
    if t == "account":
        return account_features(tx, n, opened, ident, now_ms, pairs, shared)
    return entity_features(t, tx, ident, n[t], pairs)


def _touching(
    t: str, nodes: np.ndarray, tx: dict[str, np.ndarray], ident: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The transactions and (account, identity) pairs that touch the ``nodes`` (a mask) of
    type ``t``, in their order: every row a node's features read, summed in the same order,
    so its features come out as from the whole table."""
    if t == "account":
        dst = tx["dst_acc"]
        rows = nodes[tx["src"]] | ((dst >= 0) & nodes[np.maximum(dst, 0)])
        pairs = nodes[ident[:, 0]]
    elif t == "identity":
        rows, pairs = np.zeros(len(tx["ts"]), dtype=bool), nodes[ident[:, 1]]
    else:
        col = tx[t]
        rows, pairs = (col >= 0) & nodes[np.maximum(col, 0)], np.zeros(len(ident), dtype=bool)
    return {k: v[rows] for k, v in tx.items()}, ident[pairs]


def to_hetero(arrays: GraphArrays, ids: Mapping[str, list[str]], y: np.ndarray) -> HeteroData:
    """The arrays as ``HeteroData`` (tensors share the arrays' memory), with node ids and
    account labels ``y``; every edge type gets its reverse ``rev_*``."""
    data = HeteroData()
    for et, name in EDGE_PAIRS:
        pairs = arrays.pairs.get(name)
        data[et].edge_index = torch.as_tensor(pairs.T.copy(), dtype=torch.long).reshape(2, -1)
    data["account"].x = torch.from_numpy(arrays.x["account"])
    for t in NODE_TYPES[1:]:
        data[t].x = torch.from_numpy(arrays.x[t])
        data[t].num_nodes = arrays.n[t]
    data["account"].num_nodes = arrays.n["account"]
    data["account"].y = torch.from_numpy(y)
    for t in NODE_TYPES:  # graph ids of every node, so explanations can name real edges
        data[t].ids = ids[t]
    for et, _name in EDGE_PAIRS:
        s, rel, d = et
        data[d, f"rev_{rel}", s].edge_index = data[et].edge_index.flip(0)
    data.feature_names = {"account": list(ACCOUNT_FEATURES), "entity": list(ENTITY_FEATURES)}
    return data
