"""Members apart from victims: who paid into a ring because it acts for the ring, and who simply
paid it once.

A sender into a ring's collector joins the ring as a *member* only when it shows ring behaviour
itself (docs/rings.md):

- it was opened recently (within ``RECENT_DAYS`` before it paid in, and inside the data),
- it passes money through: about what it paid in had reached it shortly before,
- it shares a strong identifier (a device or identity attribute that few accounts use) with the
  ring or with another sender,
- it pays in repeatedly,
- or the caller vouches for a group behaviour that the senders share (coordinated sums).

Every other sender is a *victim / counterparty*: kept with the ring apart from its members,
never counted in its size, never labelled by a verdict on the ring.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from detection.edgelog import DEPOSIT, TRANSFER
from detection.snapshot import DAY_MS, Snapshot

RECENT_DAYS = 60
PASS_MS = 72 * 3_600_000  # money that came in this long before the payment counts as passed on
REPEAT_MS = 7 * 86_400_000  # paying in again within a week is paying in repeatedly
PASS_SHARE = (0.8, 1.5)  # ... when it is about the payment (a salary far above it is not)


class Inflow:
    """Money reaching each account (transfers in, cash deposits), summed over time ranges."""

    def __init__(self, snap: Snapshot) -> None:
        c = snap.state.cols
        tr, dep = c["kind"] == TRANSFER, c["kind"] == DEPOSIT
        acc = np.concatenate([c["dst"][tr], c["src"][dep]]).astype(np.int64)
        ts = np.concatenate([c["ts"][tr], c["ts"][dep]])
        amt = np.concatenate([c["amount"][tr], c["amount"][dep]])
        self.t0 = int(ts.min()) if ts.size else 0
        self.span = (int(ts.max()) - self.t0 + 2) if ts.size else 2
        key = acc * self.span + (ts - self.t0)
        order = np.argsort(key, kind="stable")
        self.key = key[order]
        self.cum = np.concatenate([[0.0], np.cumsum(amt[order])])

    def amount_between(self, acc: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Money into each ``acc[k]`` in ``[start[k], end[k])``."""
        start = np.maximum(start, self.t0)
        lo = np.searchsorted(self.key, acc * self.span + (start - self.t0), "left")
        hi = np.searchsorted(self.key, acc * self.span + (end - self.t0), "left")
        return np.asarray(self.cum[hi] - self.cum[lo])


class Evidence:
    """Per-sender member evidence, built once per snapshot and shared by the detectors."""

    def __init__(self, snap: Snapshot, hub_accounts: int) -> None:
        self.snap = snap
        self.hub_accounts = hub_accounts

    @cached_property
    def inflow(self) -> Inflow:
        return Inflow(self.snap)

    def recent(self, accs: np.ndarray, at: np.ndarray) -> np.ndarray:
        """Opened within RECENT_DAYS before ``at`` (when the account event said so; an account
        only first seen must be first seen after the data began)."""
        snap = self.snap
        opened = snap.opened[accs]
        known = (at - opened <= RECENT_DAYS * DAY_MS) & (at >= opened)
        seen = (at - opened <= RECENT_DAYS * DAY_MS) & (opened - snap.t_first >= 2 * DAY_MS)
        return np.asarray(np.where(snap.opened_known[accs], known, seen))

    def passes_through(self, accs: np.ndarray, at: np.ndarray, amount: np.ndarray) -> np.ndarray:
        got = self.inflow.amount_between(accs.astype(np.int64), at - PASS_MS, at)
        lo, hi = PASS_SHARE
        return np.asarray((got >= lo * amount) & (got <= hi * amount))

    def strong_ties(self, accs: np.ndarray, others: np.ndarray) -> np.ndarray:
        """Whether each of ``accs`` shares a strong, rarely used identifier with any account of
        ``accs`` or ``others`` other than itself."""
        snap = self.snap
        group = np.unique(np.concatenate([accs, others]).astype(np.int64))
        link_acc, link_id = snap.links_of(group)
        ok = snap.ident_strong[link_id] & (snap.ident_accounts[link_id] <= self.hub_accounts)
        link_acc, link_id = link_acc[ok], link_id[ok]
        ids, counts = np.unique(link_id, return_counts=True)
        shared = ids[counts >= 2]
        tied = np.unique(link_acc[np.isin(link_id, shared)])
        return np.isin(accs, tied)

    def repeat_payers(self, accs: np.ndarray, hub: int) -> np.ndarray:
        """Paid the hub twice or more within REPEAT_MS (monthly rent or dues are not this)."""
        snap = self.snap
        lo, hi = np.searchsorted(snap.t_src, [accs, accs + 1])
        out = np.zeros(accs.size, bool)
        for k, (a, b) in enumerate(zip(lo.tolist(), hi.tolist(), strict=True)):
            ts = snap.t_ts[a:b][snap.t_dst[a:b] == hub]  # sorted: t_src is sorted by (src, ts)
            out[k] = ts.size >= 2 and bool(np.any(np.diff(ts) <= REPEAT_MS))
        return out

    def split(
        self, hub: int, win: np.ndarray, core: np.ndarray, vouched: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(members, victims)`` among the senders of the transfers ``win`` into ``hub``.

        ``core`` are accounts already in the ring (collector, receivers); ``vouched`` makes every
        sender a member (the caller saw a behaviour they share)."""
        snap = self.snap
        src, ts, amt = snap.t_src[win], snap.t_ts[win], snap.t_amt[win]
        senders, first = np.unique(src, return_index=True)
        if vouched:
            return senders, np.zeros(0, senders.dtype)
        at, amount = ts[first], amt[first]
        member = self.recent(senders, at)
        member |= self.passes_through(senders, at, amount)
        member |= self.strong_ties(senders, core)
        member |= self.repeat_payers(senders, hub)
        return senders[member], senders[~member]
