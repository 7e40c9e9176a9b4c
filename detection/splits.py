"""Equal splits: an account that gathered money from several payers and, within days, paid the
same sum to the cent to three or more accounts (gather-scatter), whatever the size of the sums.
Wages and refunds differ from person to person; a split of collected money into equal shares
does not."""

from __future__ import annotations

import numpy as np

from detection.snapshot import DAY_MS, Candidate, Snapshot

SPLIT_MS = 7 * DAY_MS  # the equal payments, and the gathering before them, each within a week
_MIN_PAYEES = 3
_MIN_PAYERS = 2
_MIN_COVER = 0.8  # what came in before the split covers most of it


def find_equal_splits(snap: Snapshot, window_ms: int = SPLIT_MS) -> list[Candidate]:
    if snap.t_src.size == 0:
        return []
    src, dst = snap.t_src.astype(np.int64), snap.t_dst.astype(np.int64)
    cents = np.round(snap.t_amt * 100).astype(np.int64)
    order = np.lexsort((snap.t_ts, cents, src))
    s, c = src[order], cents[order]
    head = np.concatenate([[True], (s[1:] != s[:-1]) | (c[1:] != c[:-1])])
    gid = np.cumsum(head) - 1
    size = np.bincount(gid)
    # money arriving at each account, by (account, ts), to total what a hub gathered
    inc = np.lexsort((snap.t_ts, dst))
    t0 = int(snap.t_ts.min())
    span = int(snap.t_ts.max()) - t0 + window_ms + 1
    in_key = dst[inc] * span + (snap.t_ts[inc] - t0)
    out: list[Candidate] = []
    starts = np.nonzero(head)[0]
    for g in np.nonzero(size >= _MIN_PAYEES)[0].tolist():
        idx = order[starts[g] : starts[g] + size[g]]  # one payer, one sum to the cent, by time
        ts = snap.t_ts[idx]
        ends = np.searchsorted(ts, ts + window_ms, "right")
        lo = int(np.argmax(ends - np.arange(ts.size)))
        idx = idx[lo : ends[lo]]
        payees = np.unique(dst[idx])
        hub = int(src[idx[0]])
        if payees.size < _MIN_PAYEES:
            continue
        first = int(snap.t_ts[idx[0]])
        a, b = np.searchsorted(
            in_key, [hub * span + first - window_ms - t0, hub * span + first - t0], "right"
        )
        got = inc[a:b]
        got = got[~np.isin(src[got], payees)]
        sent = float(snap.t_amt[idx].sum())
        payers, per = np.unique(src[got], return_inverse=True)
        paid = np.bincount(per, snap.t_amt[got], minlength=payers.size)
        received = float(paid.sum())
        payers = payers[paid >= 0.05 * max(received, 1e-9)]
        if payers.size < _MIN_PAYERS or received < _MIN_COVER * sent:
            continue
        roles = {int(p): "feeder" for p in payers} | {int(p): "receiver" for p in payees}
        roles[hub] = "collector"
        days = max(1, round((int(snap.t_ts[idx[-1]]) - first) / DAY_MS))
        reason = (
            f"{snap.account_id(hub)} gathered {received:,.0f} from {payers.size} accounts, "
            f"then paid {float(snap.t_amt[idx[0]]):,.2f} each to {payees.size} accounts "
            f"within {days} days"
        )
        out.append(Candidate(frozenset(roles), "equal_split", 45.0, [reason], roles, amount=sent))
    return out
