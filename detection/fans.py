"""Fan-in then fast forwarding (mule collection, gather-scatter) and fan-out to accounts that
pass the money on. Victims are kept apart: a sender joins the ring only with member evidence of
its own (detection/victims.py), a receiver only when it got a material share of what the hub
passed on; in fan-out, a receiver only when it passes most of what it got onwards."""

from __future__ import annotations

import numpy as np

from detection.flows import OutIndex
from detection.snapshot import DAY_MS, Candidate, Snapshot
from detection.victims import Evidence

_MAX_DEGREE = 400
FAST_MS = 12 * 3_600_000  # "passed it on at once": mules move money within hours
SPRAY_MS = 24 * 3_600_000
BATCH_GAP_MS = 3_600_000


def _best_window(ts: np.ndarray, peers: np.ndarray, window_ms: int) -> tuple[int, int]:
    """The [lo, hi) slice of time-sorted transfers with the most distinct peers within the window."""
    best, best_n = (0, 0), 0
    hi_all = np.searchsorted(ts, ts + window_ms, "right")
    for lo, hi in enumerate(hi_all.tolist()):
        if hi - lo > best_n:
            n = len(set(peers[lo:hi].tolist()))
            if n > best_n:
                best, best_n = (lo, hi), n
    return best


def _slices(keys: np.ndarray, n: int) -> np.ndarray:
    return np.searchsorted(keys, np.arange(n + 1))


def _money_windows(
    snap: Snapshot, out_index: OutIndex, hubs: np.ndarray, window_ms: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per hub, the window of incoming transfers after which the most money both came in and
    went out, for every hub at once: ``(incoming, lo, hi, received, forwarded)``, where
    ``incoming`` lists the hubs' transfer indices by (hub, ts) and a hub's window is
    ``incoming[lo:hi]``."""
    order = np.lexsort((snap.t_ts, snap.t_dst))
    order = order[hubs[snap.t_dst[order]]]
    dst, ts = snap.t_dst[order].astype(np.int64), snap.t_ts[order]
    t0 = int(ts.min())
    span = int(ts.max()) - t0 + window_ms + 1
    key = dst * span + (ts - t0)
    hi = np.searchsorted(key, key + window_ms, "right")  # never past the hub's own transfers
    cum = np.concatenate([[0.0], np.cumsum(snap.t_amt[order])])
    received = cum[hi] - cum[:-1]
    fwd = out_index.amount_between(dst, ts, ts[hi - 1] + window_ms)
    pos = np.arange(order.size)
    pick = np.lexsort((pos, -np.minimum(received, fwd), dst))  # best window first, per hub
    best = pick[np.concatenate([[True], dst[pick][1:] != dst[pick][:-1]])]
    return order, best, hi[best], received[best], fwd[best]


def find_fan_in(
    snap: Snapshot, out_index: OutIndex, window_ms: int, evidence: Evidence, min_peers: int = 2
) -> list[Candidate]:
    hubs = (snap.in_degree >= min_peers) & (snap.in_degree <= _MAX_DEGREE)
    if not hubs.any():
        return []
    incoming, lo, hi, received, fwd = _money_windows(snap, out_index, hubs, window_ms)
    # forwarding is passing on roughly what came in: a hub sending far more is not forwarding
    share = np.minimum(received, fwd) / np.maximum(np.maximum(received, fwd), 1e-9)
    out: list[Candidate] = []
    for k in np.nonzero(share >= 0.6)[0].tolist():
        win = incoming[lo[k] : hi[k]]
        if np.unique(snap.t_src[win]).size < min_peers:
            continue
        hub = int(snap.t_dst[win[0]])
        t_first, t_last = int(snap.t_ts[win[0]]), int(snap.t_ts[win[-1]])
        receivers = _receivers(snap, hub, t_first, t_last + window_ms)
        feeders, victims = evidence.split(hub, win, np.asarray([hub, *receivers], np.int64))
        if feeders.size + victims.size < 2:
            continue
        out.append(
            _fan_in_candidate(
                snap,
                hub,
                feeders,
                victims,
                receivers,
                float(received[k]),
                float(share[k]),
                t_first,
                t_last + window_ms,
            )
        )
    return out


def _receivers(snap: Snapshot, hub: int, t0: int, t1: int) -> list[int]:
    """Accounts the hub paid a material share (10%+) of what it sent between t0 and t1."""
    lo, hi = np.searchsorted(snap.t_src, [hub, hub + 1])
    sel = np.arange(lo, hi)[(snap.t_ts[lo:hi] >= t0) & (snap.t_ts[lo:hi] <= t1)]
    dst = snap.t_dst[sel]
    keep = dst != hub
    accs, inverse = np.unique(dst[keep], return_inverse=True)
    sums = np.bincount(inverse, snap.t_amt[sel][keep], minlength=accs.size)
    return [int(a) for a in accs[sums >= 0.1 * max(float(sums.sum()), 1e-9)]]


def _fan_in_candidate(
    snap: Snapshot,
    hub: int,
    feeders: np.ndarray,
    victims: np.ndarray,
    receivers: list[int],
    received: float,
    share: float,
    t0: int,
    t1: int,
) -> Candidate:
    typology = "gather_scatter" if len(receivers) >= 3 else "fan_in"
    roles = {int(f): "feeder" for f in feeders} | {r: "receiver" for r in receivers}
    roles[hub] = "collector"
    hours = (t1 - t0) / 3_600_000
    senders = feeders.size + victims.size
    reason = (
        f"{snap.account_id(hub)} collected {received:,.0f} from {senders} accounts and "
        f"passed on {share:.0%} within {hours:.0f} hours"
    )
    if victims.size:
        reason += f"; {victims.size} of the senders look like victims (one-off payers)"
    points = 25.0 + 15.0 * share + 3.0 * min(senders, 5)
    victim_set = frozenset(int(v) for v in victims) - frozenset(roles)
    return Candidate(
        frozenset(roles), typology, points, [reason], roles, amount=received, victims=victim_set
    )


def find_fan_out(
    snap: Snapshot, out_index: OutIndex, window_ms: int, min_peers: int = 3
) -> list[Candidate]:
    ptr = _slices(snap.t_src, snap.n_accounts)
    out: list[Candidate] = []
    for src in np.nonzero((snap.out_degree >= min_peers) & (snap.out_degree <= _MAX_DEGREE))[0]:
        idx = np.arange(ptr[src], ptr[src + 1])
        # a fan-out sprays within hours: a long window lets ordinary payments dilute it
        lo, hi = _best_window(snap.t_ts[idx], snap.t_dst[idx], min(window_ms, SPRAY_MS))
        win = idx[lo:hi]
        if np.unique(snap.t_dst[win]).size < min_peers:
            continue
        fwd = out_index.amount_between(
            snap.t_dst[win].astype(np.int64),
            snap.t_ts[win],
            snap.t_ts[win] + min(window_ms, FAST_MS),
        )
        passing = np.unique(snap.t_dst[win][fwd >= 0.8 * snap.t_amt[win]])
        if passing.size < max(3, 0.6 * np.unique(snap.t_dst[win]).size):
            continue
        sent = float(snap.t_amt[win].sum())
        roles = {int(r): "mule" for r in passing}
        roles[int(src)] = "source"
        hours = (int(snap.t_ts[win[-1]]) - int(snap.t_ts[win[0]])) / 3_600_000
        reason = (
            f"{snap.account_id(int(src))} sent {sent:,.0f} to {np.unique(snap.t_dst[win]).size} "
            f"accounts in {max(hours, 0.1):.0f} hours; {passing.size} passed it on at once"
        )
        out.append(
            Candidate(
                frozenset(roles),
                "fan_out",
                30.0 + 5.0 * min(passing.size, 5),
                [reason],
                roles,
                amount=sent,
            )
        )
    return out


def find_repeat_fans(
    snap: Snapshot, min_peers: int = 4, burst_ms: int = 3 * DAY_MS, span_ms: int = 14 * DAY_MS
) -> list[Candidate]:
    """Fan-out: an account that, within two weeks, starts paying four or more payees it never
    paid before (not in the first week of the data either), each several times within a few days
    and never again: money split in tranches over fresh accounts, whatever the sums. Fan-in, the
    mirror: four or more fresh payers each paying one account several times within a few days,
    then never again. Wages, rent, dues and suppliers are paid once a period, to payees paid
    before. Fan-in's payers must all start within ``burst_ms`` of each other. Typed
    ``fan_out_tranches`` / ``fan_in_tranches``."""
    if snap.t_src.size == 0:
        return []
    out = _repeat_fan(snap, snap.t_src, snap.t_dst, min_peers, burst_ms, span_ms, "fan_out")
    out += _fresh_fan_out(snap, min_peers + 1, burst_ms)
    # payers acting together start within days of each other; customers trickle in
    gather_ms = min(span_ms, burst_ms)
    return out + _repeat_fan(snap, snap.t_dst, snap.t_src, min_peers, burst_ms, gather_ms, "fan_in")


def _repeat_fan(
    snap: Snapshot,
    hub_of: np.ndarray,
    peer_of: np.ndarray,
    min_peers: int,
    burst_ms: int,
    span_ms: int,
    typology: str,
) -> list[Candidate]:
    t_first, in_burst, total, pair_sum, hubs, peers = _pairs(snap, hub_of, peer_of, burst_ms)
    fresh = (t_first >= snap.t_first + 7 * DAY_MS) & (in_burst >= 2) & (in_burst == total)
    out: list[Candidate] = []
    for h, sel in _by_hub(hubs, fresh, min_peers):
        sel = sel[np.argsort(t_first[sel], kind="stable")]
        tt = t_first[sel]
        ends = np.searchsorted(tt, tt + span_ms, "right")
        lo = int(np.argmax(ends - np.arange(tt.size)))
        pick = sel[lo : ends[lo]]
        if pick.size < min_peers:
            continue
        ids = [int(d) for d in peers[pick]]
        moved = float(pair_sum[pick].sum())
        days = max(1, round((int(tt[ends[lo] - 1]) - int(tt[lo])) / DAY_MS))
        times = int(total[pick].sum())
        out.append(tranche_candidate(snap, typology, int(h), ids, moved, f"{times} times", days))
    return out


def tranche_candidate(
    snap: Snapshot, typology: str, hub: int, ids: list[int], moved: float, how: str, days: int
) -> Candidate:
    """A hub and the new counterparties it paid (``fan_out``) or was paid by (``fan_in``) in
    tranches, ``how`` often, then stopped."""
    if typology == "fan_out":
        roles = {d: "receiver" for d in ids} | {hub: "source"}
        reason = f"{snap.account_id(hub)} paid {len(ids)} accounts it never paid before"
    else:
        roles = {d: "feeder" for d in ids} | {hub: "collector"}
        reason = f"{len(ids)} accounts that never paid {snap.account_id(hub)} before paid it"
    reason += f" {how} ({moved:,.0f}) within {days} days, then stopped"
    return Candidate(
        frozenset(roles),
        f"{typology}_tranches",
        40.0 + 2.0 * min(len(ids), 5),
        [reason],
        roles,
        amount=moved,
    )


def _fresh_fan_out(snap: Snapshot, min_payees: int, span_ms: int) -> list[Candidate]:
    """An account that, within days, pays five or more payees it never paid before, once each or
    more, when they are most of everyone it pays in the data: its own baseline says this is no
    habit (a relative anomaly, whatever the sums and however old the account). Payments made in
    one batch (a median gap under an hour: a payroll run) do not count."""
    t_first, in_burst, total, pair_sum, hubs, peers = _pairs(snap, snap.t_src, snap.t_dst, span_ms)
    fresh = (t_first >= snap.t_first + 7 * DAY_MS) & (in_burst == total)
    out: list[Candidate] = []
    for h, sel in _by_hub(hubs, fresh, min_payees):
        sel = sel[np.argsort(t_first[sel], kind="stable")]
        tt = t_first[sel]
        ends = np.searchsorted(tt, tt + span_ms, "right")
        lo = int(np.argmax(ends - np.arange(tt.size)))
        pick = sel[lo : ends[lo]]
        if pick.size < min_payees or pick.size < 0.6 * snap.out_degree[h]:
            continue
        if float(np.median(np.diff(tt[lo : ends[lo]]))) < BATCH_GAP_MS:
            continue  # a payroll run pays its whole staff in one batch, minutes apart
        ids = [int(d) for d in peers[pick]]
        roles = {d: "receiver" for d in ids} | {int(h): "source"}
        moved = float(pair_sum[pick].sum())
        reason = (
            f"{snap.account_id(int(h))} paid {len(ids)} accounts it never paid before "
            f"({moved:,.0f}) within {max(1, round(span_ms / DAY_MS))} days: most of "
            "everyone it pays"
        )
        out.append(
            Candidate(frozenset(roles), "fresh_fan_out", 48.0, [reason], roles, amount=moved)
        )
    return out


def _pairs(
    snap: Snapshot, hub_of: np.ndarray, peer_of: np.ndarray, burst_ms: int
) -> tuple[np.ndarray, ...]:
    """Per (hub, peer) pair, ordered by hub: its first payment's time, how many of its payments
    fell within ``burst_ms`` of that first one, how many in all, their sum, the hub and the peer."""
    n = np.int64(max(snap.n_accounts, 1))
    pair = hub_of.astype(np.int64) * n + peer_of.astype(np.int64)
    order = np.lexsort((snap.t_ts, pair))
    p, t = pair[order], snap.t_ts[order]
    first = np.concatenate([[True], p[1:] != p[:-1]])
    pid = np.cumsum(first) - 1
    starts = np.nonzero(first)[0]
    t_first = t[starts]
    in_burst = np.bincount(pid, (t - t_first[pid] <= burst_ms).astype(np.float64))
    total = np.bincount(pid)
    pair_sum = np.bincount(pid, snap.t_amt[order])
    return t_first, in_burst, total, pair_sum, p[starts] // n, p[starts] % n


def _by_hub(hubs: np.ndarray, keep: np.ndarray, min_size: int) -> list[tuple[int, np.ndarray]]:
    """Indices of the kept pairs of each hub with at least ``min_size`` of them (``hubs`` is
    sorted: pairs are ordered by hub)."""
    idx = np.nonzero(keep)[0]
    if idx.size == 0:
        return []
    h = hubs[idx]
    cut = np.nonzero(np.concatenate([[True], h[1:] != h[:-1], [True]]))[0]
    return [
        (int(h[a]), idx[a:b])
        for a, b in zip(cut[:-1].tolist(), cut[1:].tolist(), strict=True)
        if b - a >= min_size
    ]
