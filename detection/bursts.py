"""Fan-in bursts: several senders, none of whom had paid the receiver before, each send it a
similar sum within a day (structured collection, as AMLSim's fan-in). ``fans.py`` needs the
collector to pass the money on; this one sees the collection alone, before it moves.

Friends settling a bill look alike, but each sends what it usually sends and scoring keeps old
accounts moving everyday sums low; a burst of sums well above what each sender usually sends
earns more points. Repeat payers (rent, family) are not new counterparties. When the receiver passes the money
straight on (a mule), each sender must show member evidence of its own or it is a victim.
"""

from __future__ import annotations

import numpy as np

from detection.flows import OutIndex
from detection.snapshot import Candidate, Snapshot
from detection.victims import Evidence

BURST_MS = 24 * 3_600_000
MIN_SENDERS = 3
SIMILAR = 2.0  # largest sum over smallest within a burst
HELD_UNUSUAL = 0.15  # structuring: sums at least ~1.4x what the senders usually send
TIGHT, TIGHT_SENDERS = 1.35, 4


def _first_contacts(snap: Snapshot) -> np.ndarray:
    """Indices of each sender's first transfer to each receiver, sorted by (receiver, ts)."""
    n = np.int64(snap.n_accounts + 1)
    pair = snap.t_src.astype(np.int64) * n + snap.t_dst
    by_time = np.argsort(snap.t_ts, kind="stable")
    _, first = np.unique(pair[by_time], return_index=True)
    idx = by_time[first]
    return idx[np.lexsort((snap.t_ts[idx], snap.t_dst[idx]))]


def _busiest_windows(snap: Snapshot, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per receiver, the ``[lo, hi)`` slices of ``idx`` with at least MIN_SENDERS first contacts
    in a day, only the longest of those ending at the same place."""
    dst, ts = snap.t_dst[idx].astype(np.int64), snap.t_ts[idx]
    span = int(ts.max()) - int(ts.min()) + BURST_MS + 1
    key = dst * span + (ts - int(ts.min()))
    hi = np.searchsorted(key, key + BURST_MS, "right")
    lo = np.arange(idx.size)
    ok = hi - lo >= MIN_SENDERS
    lo, hi = lo[ok], hi[ok]
    first = np.concatenate([[True], hi[1:] != hi[:-1]]) if hi.size else np.zeros(0, bool)
    return lo[first], hi[first]


def _similar_core(amounts: np.ndarray) -> np.ndarray:
    """Positions of the largest group of sums within SIMILAR of each other (earliest on ties)."""
    order = np.argsort(amounts, kind="stable")
    a = amounts[order]
    ends = np.searchsorted(a, a * SIMILAR, "right")
    k = int(np.argmax(ends - np.arange(a.size)))
    return np.sort(order[k : ends[k]])


def _best_bursts(snap: Snapshot, idx: np.ndarray) -> list[np.ndarray]:
    """Per receiver, the first contacts of its biggest burst of like sums within a day (a
    window's unlike sums, such as a relative's small transfer, are left out of it)."""
    best: dict[int, np.ndarray] = {}
    for lo, hi in zip(*_busiest_windows(snap, idx), strict=True):
        win = idx[lo:hi]
        core = win[_similar_core(snap.t_amt[win])]
        hub = int(snap.t_dst[win[0]])
        if core.size >= MIN_SENDERS and core.size > best.get(hub, win[:0]).size:
            best[hub] = core
    return [best[h] for h in sorted(best)]


def _usual_amount(snap: Snapshot) -> np.ndarray:
    """Per account, the median of the transfers it sent (0 for accounts that sent none)."""
    order = np.lexsort((snap.t_amt, snap.t_src))
    ptr = np.searchsorted(snap.t_src[order], np.arange(snap.n_accounts + 1))
    count = np.diff(ptr)
    mid = np.where(count > 0, ptr[:-1] + (count - 1) // 2, 0)
    return np.where(count > 0, snap.t_amt[order][np.minimum(mid, order.size - 1)], 0.0)


def _unusual(snap: Snapshot, usual: np.ndarray, win: np.ndarray) -> float:
    """0..1: how far above what its senders usually send the burst's sums are (x1 -> 0, x5 -> 1)."""
    typical = np.where(usual[snap.t_src[win]] > 0, usual[snap.t_src[win]], snap.scale)
    ratio = float(np.median(snap.t_amt[win] / typical))
    return float(np.clip(np.log10(max(ratio, 1e-9)) / np.log10(5.0), 0.0, 1.0))


def find_fan_in_bursts(
    snap: Snapshot,
    max_size: int,
    out_index: OutIndex,
    evidence: Evidence,
    window_ms: int,
    mules: set[int] | frozenset[int] = frozenset(),
) -> list[Candidate]:
    if snap.t_src.size == 0:
        return []
    idx = _first_contacts(snap)
    usual = _usual_amount(snap)
    out: list[Candidate] = []
    for win in _best_bursts(snap, idx):
        amounts = snap.t_amt[win]
        if win.size + 1 > max_size:
            continue
        hub = int(snap.t_dst[win[0]])
        total = float(amounts.sum())
        t_first, t_last = int(snap.t_ts[win[0]]), int(snap.t_ts[win[-1]])
        sent_on = float(
            out_index.amount_between(
                np.asarray([hub], np.int64), np.asarray([t_first]), np.asarray([t_last + window_ms])
            )[0]
        )
        # Senders of like sums into an account that keeps them act together (structuring);
        # payers of a mule that passes the money straight on must each show it themselves.
        forwards = min(sent_on, total) >= 0.6 * max(sent_on, total) or hub in mules
        # four or more sums this close are coordinated even when the receiver passes them on
        tight = win.size >= TIGHT_SENDERS and amounts.max() <= TIGHT * amounts.min()
        members, victims = evidence.split(
            hub, win, np.asarray([hub]), vouched=tight or not forwards
        )
        if members.size < 2:
            continue
        roles = {int(s): "feeder" for s in members} | {hub: "collector"}
        hours = (t_last - t_first) / 3_600_000
        reason = (
            f"{win.size} accounts that had never paid {snap.account_id(hub)} each sent "
            f"it {amounts.min():,.0f}-{amounts.max():,.0f} within {max(hours, 0.1):.0f} "
            f"hours ({total:,.0f} in all)"
        )
        unusual = _unusual(snap, usual, win)
        if unusual > 0.5:
            reason += "; far more than each of them usually sends"
        points = 30.0 + 3.0 * min(win.size, 5) + 20.0 * unusual
        # Like but uneven sums kept by the receiver: structured placement. Dues, rent and
        # club contributions are round sums, and stay an ordinary fan-in.
        held = (
            (tight or not forwards)
            and unusual >= HELD_UNUSUAL
            and float(amounts.min()) >= snap.scale  # not pocket money
            and not bool(np.all(np.round(amounts) % 10 == 0))
        )
        if held:
            reason += "; sums this alike look structured" if tight else "; the receiver keeps them"
        typology = "structuring" if held else "fan_in"
        out.append(
            Candidate(
                frozenset(roles),
                typology,
                points,
                [reason],
                roles,
                amount=total,
                victims=frozenset(int(v) for v in victims),
            )
        )
    return out
