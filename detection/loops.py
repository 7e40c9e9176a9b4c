"""Closed loops of one sum: accounts that each sent the same amount (to the cent) to the next,
round a directed loop of 3-6 accounts, all within the time window.

``cycles.py`` follows money forward in time with a fee skimmed at each hop; launderers also
pre-position funds, so the transfers of a loop need not run in time order (AMLSim's cycles do
not). A loop of one exact sum among otherwise unrelated accounts is rare by chance; households
passing round sums around are old accounts moving everyday amounts, which scoring keeps low.
"""

from __future__ import annotations

import igraph as ig
import numpy as np

from detection.snapshot import Candidate, Snapshot

MAX_GROUP = 5000  # transfers of one sum worth a loop search (round sums can be very common)


def _same_sum_groups(snap: Snapshot) -> list[np.ndarray]:
    """Indices of transfers sharing an amount to the cent that could lie on a loop: each one's
    sender received that sum and its receiver sent it (pruned until stable, vectorised)."""
    cents = np.round(snap.t_amt * 100).astype(np.int64)
    n = np.int64(snap.n_accounts + 1)
    idx = np.arange(cents.size)
    for _ in range(6):
        sent = cents[idx] * n + snap.t_src[idx]
        got = cents[idx] * n + snap.t_dst[idx]
        keep = np.isin(sent, got) & np.isin(got, sent)
        if keep.all():
            break
        idx = idx[keep]
    order = idx[np.argsort(cents[idx], kind="stable")]
    bounds = np.flatnonzero(np.diff(cents[order])) + 1
    return [g for g in np.split(order, bounds) if 3 <= g.size <= MAX_GROUP]


def _loops(snap: Snapshot, group: np.ndarray, window_ms: int, max_len: int) -> list[np.ndarray]:
    """Strongly connected sets of accounts within one same-sum group whose internal transfers
    span at most the window."""
    src, dst = snap.t_src[group], snap.t_dst[group]
    accounts, inverse = np.unique(np.concatenate([src, dst]), return_inverse=True)
    edges = inverse.reshape(2, -1).T
    graph = ig.Graph(n=accounts.size, edges=edges.tolist(), directed=True)
    membership = np.asarray(graph.connected_components(mode="strong").membership)
    out = []
    for comp in np.unique(membership):
        nodes = np.nonzero(membership == comp)[0]
        if not 3 <= nodes.size <= max_len:
            continue
        inside = (membership[edges[:, 0]] == comp) & (membership[edges[:, 1]] == comp)
        ts = snap.t_ts[group[inside]]
        if int(ts.max()) - int(ts.min()) <= window_ms:
            out.append(group[inside])
    return out


def find_same_sum_loops(snap: Snapshot, window_ms: int, max_len: int = 6) -> list[Candidate]:
    out: list[Candidate] = []
    for group in _same_sum_groups(snap):
        for txs in _loops(snap, group, window_ms, max_len):
            members = frozenset(np.concatenate([snap.t_src[txs], snap.t_dst[txs]]).tolist())
            amount = float(snap.t_amt[txs[0]])
            hours = (int(snap.t_ts[txs].max()) - int(snap.t_ts[txs].min())) / 3_600_000
            reason = (
                f"{amount:,.2f} was sent round a loop of {len(members)} accounts "
                f"({txs.size} transfers of that exact sum) within {max(hours, 0.1):.0f} hours"
            )
            out.append(
                Candidate(
                    members,
                    "cycle",
                    40.0,
                    [reason],
                    {m: "cycle" for m in members},
                    amount=amount * len(members),
                )
            )
    return out
