"""Card-testing bursts: accounts firing many tiny payments from devices first seen that same day,
grouped when they test at the same merchants within the time window."""

from __future__ import annotations

import igraph as ig
import numpy as np

from detection.components import account_groups
from detection.edgelog import PAYMENT
from detection.snapshot import DAY_MS, Candidate, Snapshot

TINY_AMOUNT = 5.0
MIN_ATTEMPTS = 3  # tiny new-device payments that make one account a tester


def _device_first_seen(snap: Snapshot) -> np.ndarray:
    c = snap.state.cols
    first = np.full(max(len(snap.state.idents), 1), np.iinfo(np.int64).max, np.int64)
    has = c["device"] >= 0
    np.minimum.at(first, c["device"][has], c["ts"][has])
    return first


def _attempts(snap: Snapshot) -> np.ndarray:
    """Indices of tiny payments from new devices by accounts that made at least a few."""
    c = snap.state.cols
    first = _device_first_seen(snap)
    dev = c["device"]
    tiny = (c["kind"] == PAYMENT) & (c["amount"] <= TINY_AMOUNT) & (dev >= 0)
    idx = np.nonzero(tiny)[0]
    idx = idx[c["ts"][idx] - first[dev[idx]] <= DAY_MS]
    per_account = np.bincount(c["src"][idx], minlength=snap.n_accounts)
    return np.asarray(idx[per_account[c["src"][idx]] >= MIN_ATTEMPTS])


def _tester_edges(snap: Snapshot, idx: np.ndarray, window_ms: int) -> np.ndarray:
    """Account pairs that tested at one merchant within the window of each other."""
    c = snap.state.cols
    m, acc, ts = c["dst"][idx], c["src"][idx], c["ts"][idx]
    order = np.lexsort((ts, m))
    m, acc, ts = m[order], acc[order], ts[order]
    # consecutive testers at the same merchant, close in time, form a chain
    near = (m[1:] == m[:-1]) & (ts[1:] - ts[:-1] <= window_ms) & (acc[1:] != acc[:-1])
    return np.column_stack([acc[:-1][near], acc[1:][near]])


def _ident_edges(snap: Snapshot, testers: np.ndarray, hub: int) -> np.ndarray:
    """Tester-identifier edges (identifier ids offset by the account count)."""
    accs, idents = snap.links_of(testers)
    keep = snap.ident_accounts[idents] <= hub
    return np.column_stack([accs[keep], idents[keep] + snap.n_accounts])


def _groups(
    snap: Snapshot, edges: np.ndarray, testers: np.ndarray, min_size: int
) -> list[list[int]]:
    graph = ig.Graph(n=snap.n_accounts + len(snap.state.idents), edges=edges.tolist())
    return [comp[np.isin(comp, testers)].tolist()
            for comp in account_groups(graph, snap.n_accounts, min_size, testers)]  # fmt: skip


def find_card_testing(snap: Snapshot, min_size: int, window_ms: int, hub: int) -> list[Candidate]:
    """Testers grouped two ways: by shop and time (one campaign), and by shared identifiers
    (one crew), so two crews testing at the same shop still show as two rings."""
    c = snap.state.cols
    idx = _attempts(snap)
    if idx.size == 0:
        return []
    testers = np.unique(c["src"][idx])
    out: list[Candidate] = []
    for edges, bonus in ((_tester_edges(snap, idx, window_ms), 0.0),
                         (_ident_edges(snap, testers, hub), 5.0)):  # fmt: skip
        for accs in _groups(snap, edges, testers, min_size):
            out.append(_candidate(snap, idx, accs, bonus))
    return out


def _candidate(snap: Snapshot, idx: np.ndarray, accs: list[int], bonus: float) -> Candidate:
    c = snap.state.cols
    mine = idx[np.isin(c["src"][idx], accs)]
    merchants = np.unique(c["dst"][mine]).size
    hours = (int(c["ts"][mine].max()) - int(c["ts"][mine].min())) / 3_600_000
    reason = (f"{mine.size} payments of at most {TINY_AMOUNT:.0f} at {merchants} merchants from "
              f"new devices by {len(accs)} accounts in {max(hours, 0.1):.0f} hours")  # fmt: skip
    points = 30.0 + bonus + 10.0 * (merchants <= 3) + min(15.0, mine.size / len(accs))
    return Candidate(frozenset(accs), "card_testing", points, [reason], {a: "tester" for a in accs})
