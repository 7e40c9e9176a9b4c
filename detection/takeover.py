"""Device takeover farms: one device or IP, active only briefly, used by several accounts to send
money to the same few receivers (drops). Households share devices too, but for months, and send
to each other or to many different people."""

from __future__ import annotations

import numpy as np

from detection.edgelog import TRANSFER
from detection.snapshot import Candidate, Snapshot

MIN_SENDERS = 3


def _ident_span(snap: Snapshot) -> tuple[np.ndarray, np.ndarray]:
    """First and last time each identifier was used, over every kind of transaction."""
    c, k = snap.state.cols, max(len(snap.state.idents), 1)
    first = np.full(k, np.iinfo(np.int64).max, np.int64)
    last = np.full(k, np.iinfo(np.int64).min, np.int64)
    for col in ("device", "ip"):
        has = c[col] >= 0
        np.minimum.at(first, c[col][has], c["ts"][has])
        np.maximum.at(last, c[col][has], c["ts"][has])
    return first, last


def _transfers_by_ident(snap: Snapshot, hub: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ident, tx index) of transfers made through identifiers used by 3..hub accounts, sorted."""
    c = snap.state.cols
    tr = np.nonzero(c["kind"] == TRANSFER)[0]
    idents, txs = [], []
    for col in ("device", "ip"):
        ident = c[col][tr]
        ok = ident >= 0
        ok[ok] = (snap.ident_accounts[ident[ok]] >= MIN_SENDERS) & (
            snap.ident_accounts[ident[ok]] <= hub
        )
        idents.append(ident[ok])
        txs.append(tr[ok])
    ident, tx = np.concatenate(idents), np.concatenate(txs)
    order = np.argsort(ident, kind="stable")
    ident, tx = ident[order], tx[order]
    bounds = np.flatnonzero(np.diff(ident)) + 1
    starts = np.concatenate([[0], bounds]) if ident.size else np.zeros(0, np.int64)
    return ident, tx, starts


def find_device_takeover(snap: Snapshot, hub: int, window_ms: int) -> list[Candidate]:
    c = snap.state.cols
    first, last = _ident_span(snap)
    ident, tx, starts = _transfers_by_ident(snap, hub)
    if ident.size == 0:
        return []
    out: list[Candidate] = []
    seen: set[frozenset[int]] = set()
    for lo, hi in zip(starts.tolist(), [*starts[1:].tolist(), ident.size], strict=True):
        i = int(ident[lo])
        if last[i] - first[i] > window_ms:
            continue  # a device in use for longer than the window is someone's own
        sel = tx[lo:hi]
        src, dst = c["src"][sel], c["dst"][sel]
        senders = np.unique(src)
        outside = ~np.isin(dst, senders)
        drops = np.unique(dst[outside])
        if senders.size < MIN_SENDERS or drops.size == 0:
            continue
        if drops.size > max(2, senders.size // 2) or outside.mean() < 0.6:
            continue
        members = frozenset(senders.tolist()) | frozenset(drops.tolist())
        if members in seen:
            continue
        seen.add(members)
        amount = float(c["amount"][sel][outside].sum())
        hours = (int(last[i]) - int(first[i])) / 3_600_000
        name = snap.ident_name(i)
        what = ("device " if name.startswith("d:") else "IP ") + name[2:]
        reason = (
            f"{what}, active {max(hours, 0.1):.0f} hours, moved {amount:,.0f} out of "
            f"{senders.size} accounts into {drops.size}"
        )
        roles = {int(s): "victim" for s in senders} | {int(d): "drop" for d in drops}
        points = 35.0 + 2.0 * min(senders.size, 6)
        out.append(Candidate(members, "device_takeover", points, [reason], roles, amount=amount))
    return out
