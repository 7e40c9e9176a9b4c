"""Vectorised money-flow helpers shared by the typology detectors.

A *chain link* pairs transfer i (u -> v) with transfer j (v -> w) when j leaves v within the time
window after i arrived and carries about the same amount (it shrinks by at most ``shrink``):
money passing through v. Cycles, scatter-gather and fast forwarding are built from links.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from detection.edgelog import TRANSFER, WITHDRAWAL
from detection.snapshot import Snapshot

_MAX_FANOUT = 64  # a hub with more candidate successors than this is not a chain link source


@dataclass
class OutIndex:
    """Money leaving each account (transfers and withdrawals), summed over time ranges fast."""

    key: np.ndarray  # account * span + relative ts, sorted
    cum: np.ndarray  # cumulative amount, len(key) + 1
    t0: int
    span: int

    def amount_between(self, acc: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        lo = np.searchsorted(self.key, acc * self.span + (start - self.t0), "left")
        hi = np.searchsorted(self.key, acc * self.span + (end - self.t0), "right")
        return np.asarray(self.cum[hi] - self.cum[lo])


def build_out_index(snap: Snapshot) -> OutIndex:
    c = snap.state.cols
    sel = (c["kind"] == TRANSFER) | (c["kind"] == WITHDRAWAL)
    t0 = int(c["ts"].min()) if snap.state.n_tx else 0
    span = int(c["ts"].max()) - t0 + 2 if snap.state.n_tx else 2
    key = c["src"][sel].astype(np.int64) * span + (c["ts"][sel] - t0)
    order = np.argsort(key, kind="stable")
    cum = np.concatenate([[0.0], np.cumsum(c["amount"][sel][order])])
    return OutIndex(key=key[order], cum=cum, t0=t0, span=span)


def chain_links(snap: Snapshot, window_ms: int, shrink: float) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i, j) into the sorted transfer arrays where j forwards i's money."""
    if snap.t_src.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    t0 = int(snap.t_ts.min())
    span = int(snap.t_ts.max()) - t0 + window_ms + 2
    key = snap.t_src.astype(np.int64) * span + (snap.t_ts - t0)
    start = snap.t_dst.astype(np.int64) * span + (snap.t_ts - t0)
    lo = np.searchsorted(key, start, "left")
    hi = np.searchsorted(key, start + window_ms, "right")
    width = hi - lo
    ok = (width > 0) & (width <= _MAX_FANOUT)
    i = np.repeat(np.nonzero(ok)[0], width[ok])
    offsets = np.arange(i.size) - np.repeat(np.cumsum(width[ok]) - width[ok], width[ok])
    j = np.repeat(lo[ok], width[ok]) + offsets
    ratio = snap.t_amt[j] / snap.t_amt[i]
    # Launderers skim a fee at each hop; families pass the same round sums back and forth.
    keep = (ratio >= 1.0 - shrink) & (ratio < 0.9995) & (snap.t_dst[j] != snap.t_src[i])
    return i[keep], j[keep]


def successors(i: np.ndarray, j: np.ndarray) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for a, b in zip(i.tolist(), j.tolist(), strict=True):
        out.setdefault(a, []).append(b)
    return out
