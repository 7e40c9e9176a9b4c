"""Relations that start and stop: the money-flow structure of camouflaged rings.

A *fresh pair* is a payer and payee whose first transfer came after the data's first week (so it
is not a habit the data began inside), whose transfers all fall within a short span of the first
(it stops), and with no money ever going the other way (families and friends send back and
forth). Ordinary customers have few fresh pairs and they form no structure; a ring recruited to
move money makes many at once among a small group:

- **shared counterparties** (``find_shared_counterparties``): two or more accounts that each
  start paying the same two or more accounts within two weeks, a directed biclique (AMLSim's
  bipartite; chained through a middle layer that both receives and pays, its stack). A popular
  payee (a shop owner's account, a landlord) has many payers and is skipped.
- **fresh loops** (``find_fresh_loops``): money going round three to five accounts over fresh
  pairs within three weeks, in any order and with any sums (AMLSim's random typology walks
  money among its members and so closes loops); the accounts that trade over fresh pairs with
  two or more of a loop's accounts in the same weeks join it.

Both judge only who started paying whom and when: not the sums, not the accounts' age, not
their devices, so recruited long-standing customers moving everyday sums still show.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from detection.snapshot import DAY_MS, Candidate, Snapshot

HABIT_MS = 7 * DAY_MS  # a pair first seen in the data's first week may be a habit
STOP_MS = 14 * DAY_MS  # every transfer of a fresh pair within this of its first
SHARED_SPAN_MS = 14 * DAY_MS  # a biclique's pairs all start within two weeks
LOOP_SPAN_MS = 21 * DAY_MS  # a loop's pairs all start within three weeks
MAX_PAYERS = 30  # a payee with more fresh payers than this is popular, not a ring's
MAX_LOOP = 5
MAX_LOOP_PATHS = 200_000  # work cap


@dataclass
class FreshPairs:
    src: np.ndarray
    dst: np.ndarray
    t_first: np.ndarray
    amount: np.ndarray  # all the pair's transfers summed
    mutual: np.ndarray  # money also went the other way (kept for loops' neighbours)


def fresh_pairs(snap: Snapshot) -> FreshPairs:
    """Every fresh pair (``mutual`` ones included, flagged)."""
    n = np.int64(max(snap.n_accounts, 1))
    pair = snap.t_src.astype(np.int64) * n + snap.t_dst.astype(np.int64)
    order = np.lexsort((snap.t_ts, pair))
    p, t = pair[order], snap.t_ts[order]
    first = np.concatenate([[True], p[1:] != p[:-1]]) if p.size else np.zeros(0, bool)
    starts = np.nonzero(first)[0]
    pid = np.cumsum(first) - 1
    ends = np.concatenate([starts[1:], [p.size]]) - 1
    keys, t0, t1 = p[starts], t[starts], t[ends]
    amount = np.bincount(pid, snap.t_amt[order], minlength=starts.size) if p.size else t0 * 0.0
    src, dst = keys // n, keys % n
    mutual = np.isin(dst * n + src, keys)
    ok = (t0 >= snap.t_first + HABIT_MS) & (t1 - t0 <= STOP_MS) & (src != dst)
    return FreshPairs(src[ok], dst[ok], t0[ok], amount[ok], mutual[ok])


class _Union:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, a: int) -> int:
        root = a
        while self.parent.setdefault(root, root) != root:
            root = self.parent[root]
        while self.parent[a] != root:
            self.parent[a], a = root, self.parent[a]
        return root

    def join(self, *items: int) -> None:
        first = self.find(items[0])
        for x in items[1:]:
            self.parent[self.find(x)] = first

    def groups(self) -> list[list[int]]:
        out: dict[int, list[int]] = {}
        for a in list(self.parent):
            out.setdefault(self.find(a), []).append(a)
        return [sorted(g) for g in out.values()]


def find_shared_counterparties(snap: Snapshot, fp: FreshPairs, max_size: int) -> list[Candidate]:
    one_way = ~fp.mutual
    src, dst, t0 = fp.src[one_way], fp.dst[one_way], fp.t_first[one_way]
    amt = fp.amount[one_way]
    payers: dict[int, list[tuple[int, int]]] = {}
    for a, x, ta in zip(src.tolist(), dst.tolist(), t0.tolist(), strict=True):
        payers.setdefault(x, []).append((a, ta))
    co: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
    for x, got in payers.items():
        if len(got) > MAX_PAYERS:
            continue
        for (a, ta), (b, tb) in combinations(sorted(got), 2):
            co.setdefault((a, b), []).append((x, min(ta, tb), max(ta, tb)))
    union = _Union()
    edges: set[tuple[int, int]] = set()
    for (a, b), xs in co.items():
        for (x, lo1, hi1), (y, lo2, hi2) in combinations(xs, 2):
            if max(hi1, hi2) - min(lo1, lo2) <= SHARED_SPAN_MS:
                union.join(a, b, x, y)
                edges.update(((a, x), (a, y), (b, x), (b, y)))
    money = dict(zip(zip(src.tolist(), dst.tolist(), strict=True), amt.tolist(), strict=True))
    start = dict(zip(zip(src.tolist(), dst.tolist(), strict=True), t0.tolist(), strict=True))
    out: list[Candidate] = []
    for group in union.groups():
        if len(group) > max_size:
            continue
        members = set(group)
        inside = [e for e in edges if e[0] in members]
        pays = {a for a, _ in inside}
        paid = {x for _, x in inside}
        roles = {
            m: "layer" if m in pays and m in paid else "source" if m in pays else "receiver"
            for m in group
        }
        layered = any(r == "layer" for r in roles.values())
        moved = float(sum(money[e] for e in inside))
        times = [start[e] for e in inside]
        days = max(1, round((max(times) - min(times)) / DAY_MS))
        reason = (
            f"{len(pays - paid) or len(pays)} accounts each started paying the same "
            f"{len(paid - pays) or len(paid)} accounts ({len(inside)} new payer-payee pairs, "
            f"{moved:,.0f}) within {days} days, none of whom they had paid before"
            + (", through a middle layer that passed it on" if layered else "")
        )
        out.append(
            Candidate(
                frozenset(group),
                "stack" if layered else "bipartite",
                44.0 + 2.0 * min(len(inside) - 4, 8),
                [reason],
                roles,
                amount=moved,
            )
        )
    return out
