"""Refund abuse across merchants: accounts that get back most of what they pay at several
merchants, grouped by the identifiers they share and the merchants they hit together."""

from __future__ import annotations

import igraph as ig
import numpy as np

from detection.edgelog import PAYMENT, REFUND
from detection.snapshot import Candidate, Snapshot


def _abusers(snap: Snapshot) -> tuple[np.ndarray, np.ndarray]:
    c, n = snap.state.cols, snap.n_accounts
    ref = c["kind"] == REFUND
    paid = np.bincount(
        c["src"][c["kind"] == PAYMENT], c["amount"][c["kind"] == PAYMENT], minlength=n
    )
    refunded = np.bincount(c["src"][ref], c["amount"][ref], minlength=n)
    pairs = np.unique(
        c["src"][ref].astype(np.int64) * (len(snap.state.merchants) + 1) + c["dst"][ref]
    )
    merchants = np.bincount(pairs // (len(snap.state.merchants) + 1), minlength=n)
    abusers = np.nonzero((merchants >= 2) & (refunded >= 0.5 * np.maximum(paid, 1e-9)))[0]
    return abusers, refunded


def find_refund_abuse(snap: Snapshot, hub_accounts: int, min_size: int) -> list[Candidate]:
    abusers, refunded = _abusers(snap)
    if abusers.size < min_size:
        return []
    c, n, n_m = snap.state.cols, snap.n_accounts, len(snap.state.merchants)
    ref = (c["kind"] == REFUND) & np.isin(c["src"], abusers)
    m_edges = np.unique(np.column_stack([c["src"][ref], c["dst"][ref] + n]), axis=0)
    link = np.isin(snap.link_acc, abusers) & (snap.ident_accounts[snap.link_ident] <= hub_accounts)
    i_edges = np.column_stack([snap.link_acc[link], snap.link_ident[link] + n + n_m])
    graph = ig.Graph(
        n=n + n_m + len(snap.state.idents), edges=np.vstack([m_edges, i_edges]).tolist()
    )
    out: list[Candidate] = []
    is_abuser = np.zeros(n, bool)
    is_abuser[abusers] = True
    for comp in graph.connected_components():
        accs = [v for v in comp if v < n and is_abuser[v]]
        if len(accs) < min_size:
            continue
        shops = sum(1 for v in comp if n <= v < n + n_m)
        total = float(refunded[accs].sum())
        reason = f"{len(accs)} accounts got {total:,.0f} refunded by {shops} merchants, most of what they paid"
        out.append(
            Candidate(
                frozenset(accs), "refund_abuse", 40.0, [reason], {a: "refunder" for a in accs}
            )
        )
    return out
