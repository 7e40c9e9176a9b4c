"""Connected components grouped with numpy: only components big enough to matter are listed."""

from __future__ import annotations

import igraph as ig
import numpy as np


def account_groups(
    graph: ig.Graph, n_acc: int, min_size: int, wanted: np.ndarray | None = None
) -> list[np.ndarray]:
    """Vertices of each connected component holding >= ``min_size`` accounts (those below
    ``n_acc``, and in ``wanted`` when given), accounts first; other components are skipped
    without being listed, which is what keeps this fast on a graph of 100k+ vertices."""
    membership = np.asarray(graph.connected_components().membership, np.int64)
    is_acc = np.zeros(membership.size, bool)
    if wanted is None:
        is_acc[:n_acc] = True
    else:
        is_acc[wanted] = True
    sizes = np.bincount(membership[is_acc], minlength=int(membership.max(initial=-1)) + 1)
    big = np.nonzero(sizes >= min_size)[0]
    if big.size == 0:
        return []
    sel = np.nonzero(np.isin(membership, big))[0]
    order = sel[np.argsort(membership[sel], kind="stable")]
    bounds = np.flatnonzero(np.diff(membership[order])) + 1
    return np.split(order, bounds)
