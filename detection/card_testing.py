"""Card-testing bursts: accounts firing tiny payments from devices first seen that same day, or
rapid bursts of them from any device, grouped by the devices, IPs and identifiers they share."""

from __future__ import annotations

import igraph as ig
import numpy as np

from detection.components import account_groups
from detection.edgelog import PAYMENT
from detection.snapshot import DAY_MS, Candidate, Snapshot

TINY_AMOUNT = 5.0
MIN_ATTEMPTS = 3  # tiny new-device payments that make one account a tester
BURST_ATTEMPTS = 8  # ... or this many tiny payments from one device
BURST_MS = 2 * 3_600_000  # ... within this time


def _device_first_seen(snap: Snapshot) -> np.ndarray:
    c = snap.state.cols
    first = np.full(max(len(snap.state.idents), 1), np.iinfo(np.int64).max, np.int64)
    has = c["device"] >= 0
    np.minimum.at(first, c["device"][has], c["ts"][has])
    return first


def _attempts(snap: Snapshot) -> np.ndarray:
    """Indices of tiny payments by testers: accounts that made a few from devices new that day,
    or a rapid burst of them from any device (camouflaged testers use their own phones too)."""
    c = snap.state.cols
    first = _device_first_seen(snap)
    dev = c["device"]
    tiny = (c["kind"] == PAYMENT) & (c["amount"] <= TINY_AMOUNT) & (dev >= 0)
    idx = np.nonzero(tiny)[0]
    fresh = idx[c["ts"][idx] - first[dev[idx]] <= DAY_MS]
    per_account = np.bincount(c["src"][fresh], minlength=snap.n_accounts)
    testers = per_account >= MIN_ATTEMPTS
    testers |= _burst_accounts(snap, idx)
    return np.asarray(idx[testers[c["src"][idx]]])


def _burst_accounts(snap: Snapshot, idx: np.ndarray) -> np.ndarray:
    """Per account: whether it made BURST_ATTEMPTS tiny payments within BURST_MS on one device."""
    c = snap.state.cols
    out = np.zeros(snap.n_accounts, bool)
    if idx.size < BURST_ATTEMPTS:
        return out
    n_id = np.int64(max(len(snap.state.idents), 1))
    key = c["src"][idx].astype(np.int64) * n_id + c["device"][idx]
    order = np.lexsort((c["ts"][idx], key))
    key, ts = key[order], c["ts"][idx][order]
    k = BURST_ATTEMPTS - 1
    hit = (key[k:] == key[:-k]) & (ts[k:] - ts[:-k] <= BURST_MS)
    out[(key[k:][hit] // n_id).astype(np.int64)] = True
    return out


def _ident_edges(snap: Snapshot, idx: np.ndarray, testers: np.ndarray, hub: int) -> np.ndarray:
    """Tester-identifier edges (identifier ids offset by the account count): the devices and IPs
    the tests came from, and the testers' strong identifiers. Testing at the same merchant is
    no tie: two crews on different devices at one shop are two rings."""
    c = snap.state.cols
    accs, idents = snap.links_of(testers)
    keep = snap.ident_strong[idents] & (snap.ident_accounts[idents] <= hub)
    parts = [np.column_stack([accs[keep], idents[keep]])]
    for col in ("device", "ip"):
        used = idx[c[col][idx] >= 0]
        ok = snap.ident_accounts[c[col][used]] <= hub
        parts.append(np.column_stack([c["src"][used][ok], c[col][used][ok]]))
    edges = np.unique(np.concatenate(parts).astype(np.int64), axis=0)
    edges[:, 1] += snap.n_accounts
    return edges


def _groups(
    snap: Snapshot, edges: np.ndarray, testers: np.ndarray, min_size: int
) -> list[list[int]]:
    graph = ig.Graph(n=snap.n_accounts + len(snap.state.idents), edges=edges.tolist())
    return [
        comp[np.isin(comp, testers)].tolist()
        for comp in account_groups(graph, snap.n_accounts, min_size, testers)
    ]


def find_card_testing(snap: Snapshot, min_size: int, window_ms: int, hub: int) -> list[Candidate]:
    """Testers grouped by the devices and IPs they tested from and the strong identifiers they
    share (one crew)."""
    c = snap.state.cols
    idx = _attempts(snap)
    if idx.size == 0:
        return []
    testers = np.unique(c["src"][idx])
    edges = _ident_edges(snap, idx, testers, hub)
    return [_candidate(snap, idx, accs, 5.0) for accs in _groups(snap, edges, testers, min_size)]


def _candidate(snap: Snapshot, idx: np.ndarray, accs: list[int], bonus: float) -> Candidate:
    c = snap.state.cols
    mine = idx[np.isin(c["src"][idx], accs)]
    merchants = np.unique(c["dst"][mine]).size
    hours = (int(c["ts"][mine].max()) - int(c["ts"][mine].min())) / 3_600_000
    reason = (
        f"{mine.size} payments of at most {TINY_AMOUNT:.0f} at {merchants} merchants "
        f"by {len(accs)} accounts in {max(hours, 0.1):.0f} hours"
    )
    points = 30.0 + bonus + 10.0 * (merchants <= 3) + min(15.0, mine.size / len(accs))
    return Candidate(frozenset(accs), "card_testing", points, [reason], {a: "tester" for a in accs})
