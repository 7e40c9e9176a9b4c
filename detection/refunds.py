"""Refund abuse across merchants: accounts that get back most of what they pay at several
merchants, grouped when they share an identifier or refund at mostly the same merchants."""

from __future__ import annotations

import igraph as ig
import numpy as np
from scipy import sparse

from detection.components import account_groups
from detection.edgelog import PAYMENT, REFUND
from detection.snapshot import Candidate, Snapshot

MIN_MERCHANTS = 2  # refunds from one shop are a dispute, from several a habit
SAME_SHOPS = 0.5  # Jaccard of two abusers' refunding merchants that ties them together


def _abusers(snap: Snapshot) -> tuple[np.ndarray, np.ndarray]:
    c, n = snap.state.cols, snap.n_accounts
    ref, pay = c["kind"] == REFUND, c["kind"] == PAYMENT
    paid = np.bincount(c["src"][pay], c["amount"][pay], minlength=n)
    refunded = np.bincount(c["src"][ref], c["amount"][ref], minlength=n)
    pairs = np.unique(
        c["src"][ref].astype(np.int64) * (len(snap.state.merchants) + 1) + c["dst"][ref]
    )
    merchants = np.bincount(pairs // (len(snap.state.merchants) + 1), minlength=n)
    ok = (merchants >= MIN_MERCHANTS) & (refunded >= 0.5 * np.maximum(paid, 1e-9))
    return np.nonzero(ok)[0], refunded


def _shop_edges(snap: Snapshot, abusers: np.ndarray) -> np.ndarray:
    """Abuser pairs whose refunding merchants overlap by Jaccard >= SAME_SHOPS."""
    c = snap.state.cols
    ref = (c["kind"] == REFUND) & np.isin(c["src"], abusers)
    row = np.searchsorted(abusers, c["src"][ref])
    m = sparse.csr_matrix(
        (np.ones(row.size), (row, c["dst"][ref])),
        shape=(abusers.size, max(len(snap.state.merchants), 1)),
    )
    m.data[:] = 1.0
    m.sum_duplicates()
    m.data[:] = 1.0
    inter = (m @ m.T).tocoo()
    size = np.asarray(m.sum(axis=1)).ravel()
    jac = inter.data / (size[inter.row] + size[inter.col] - inter.data)
    keep = (inter.row < inter.col) & (jac >= SAME_SHOPS)
    return np.column_stack([abusers[inter.row[keep]], abusers[inter.col[keep]]])


def _ident_edges(snap: Snapshot, abusers: np.ndarray, hub_accounts: int) -> np.ndarray:
    accs, idents = snap.links_of(abusers)
    keep = snap.ident_accounts[idents] <= hub_accounts
    return np.column_stack([accs[keep], idents[keep] + snap.n_accounts])


def find_refund_abuse(snap: Snapshot, hub_accounts: int, min_size: int) -> list[Candidate]:
    abusers, refunded = _abusers(snap)
    if abusers.size < min_size:
        return []
    n = snap.n_accounts
    edges = np.vstack([_shop_edges(snap, abusers), _ident_edges(snap, abusers, hub_accounts)])
    graph = ig.Graph(n=n + len(snap.state.idents), edges=edges.tolist())
    out: list[Candidate] = []
    c = snap.state.cols
    for comp in account_groups(graph, n, min_size, abusers):
        accs = comp[np.isin(comp, abusers)].tolist()
        ref = (c["kind"] == REFUND) & np.isin(c["src"], accs)
        shops = np.unique(c["dst"][ref]).size
        total = float(refunded[accs].sum())
        reason = (
            f"{len(accs)} accounts got {total:,.0f} refunded by {shops} merchants, "
            "most of what they paid"
        )
        points = 35.0 + min(15.0, 2.0 * ref.sum() / len(accs))
        out.append(
            Candidate(
                frozenset(accs), "refund_abuse", points, [reason], {a: "refunder" for a in accs}
            )
        )
    return out
