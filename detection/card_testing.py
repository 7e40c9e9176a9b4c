"""Card-testing bursts: many tiny payments at a few merchants, made from devices first seen that
same day, by accounts that burst together."""

from __future__ import annotations

import igraph as ig
import numpy as np

from detection.edgelog import PAYMENT
from detection.snapshot import DAY_MS, Candidate, Snapshot

TINY_AMOUNT = 5.0
_MIN_BURST = 4  # tiny new-device payments at one merchant on one day


def _device_first_seen(snap: Snapshot) -> np.ndarray:
    c = snap.state.cols
    first = np.full(max(len(snap.state.idents), 1), np.iinfo(np.int64).max, np.int64)
    has = c["device"] >= 0
    np.minimum.at(first, c["device"][has], c["ts"][has])
    return first


def find_card_testing(snap: Snapshot, min_size: int) -> list[Candidate]:
    c = snap.state.cols
    first = _device_first_seen(snap)
    dev = c["device"]
    tiny = (c["kind"] == PAYMENT) & (c["amount"] <= TINY_AMOUNT) & (dev >= 0)
    idx = np.nonzero(tiny)[0]
    idx = idx[c["ts"][idx] - first[dev[idx]] <= DAY_MS]
    if idx.size == 0:
        return []
    bucket = c["dst"][idx].astype(np.int64) * 100_000 + c["ts"][idx] // DAY_MS % 100_000
    buckets, inverse, counts = np.unique(bucket, return_inverse=True, return_counts=True)
    busy = counts[inverse] >= _MIN_BURST
    idx, inverse = idx[busy], inverse[busy]
    n = snap.n_accounts
    edges = np.column_stack([c["src"][idx], inverse + n])
    graph = ig.Graph(n=n + len(buckets), edges=edges.tolist())
    out: list[Candidate] = []
    for comp in graph.connected_components():
        accs = [v for v in comp if v < n]
        if len(accs) < min_size:
            continue
        mine = idx[np.isin(c["src"][idx], accs)]
        merchants = np.unique(c["dst"][mine]).size
        hours = (int(c["ts"][mine].max()) - int(c["ts"][mine].min())) / 3_600_000
        reason = (f"{mine.size} payments of at most {TINY_AMOUNT:.0f} at {merchants} merchants from "
                  f"new devices by {len(accs)} accounts in {max(hours, 0.1):.0f} hours")  # fmt: skip
        roles = {a: "tester" for a in accs}
        points = 30.0 + 15.0 * (merchants <= 3) + min(10.0, mine.size / len(accs) * 2)
        out.append(Candidate(frozenset(accs), "card_testing", points, [reason], roles))
    return out
