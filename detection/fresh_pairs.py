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

from detection.fans import tranche_candidate
from detection.snapshot import DAY_MS, Candidate, Snapshot

HABIT_MS = 7 * DAY_MS  # a pair first seen in the data's first week may be a habit
STOP_MS = 14 * DAY_MS  # every transfer of a fresh pair within this of its first
SHARED_SPAN_MS = 14 * DAY_MS  # a biclique's pairs all start within two weeks
LOOP_SPAN_MS = 21 * DAY_MS  # a loop's pairs all start within three weeks
BATCH_MS = 3_600_000  # a payer's first payments this close together are one batch ...
BATCH_PAYEES = 5  # ... to this many payees or more: a payroll run, not a ring's payer
MAX_PAYERS = 30
CONCENTRATION = 0.5  # median share of a member's new relations (in the group's weeks) inside it  # a payee with more fresh payers than this is popular, not a ring's
MAX_LOOP = 5
MAX_LOOP_PATHS = 200_000  # work cap
# a loop of three fresh pairs happens among friends; four or more accounts closing a loop over
# relations that all began within weeks do not
LOOP_POINTS = {3: 32.0, 4: 44.0, 5: 50.0, 6: 54.0, 7: 58.0}
LOOP_AGAIN = 3.0  # points for each further loop among the same accounts (up to three)
MIN_PAYERS = 4  # tranches: peers that began and stopped trading with one account within weeks
PAYER_SHARE = 0.6  # ... and are most of everyone it trades with in the data


@dataclass
class FreshPairs:
    src: np.ndarray
    dst: np.ndarray
    t_first: np.ndarray
    amount: np.ndarray  # all the pair's transfers summed
    mutual: np.ndarray  # money also went the other way (kept for loops' neighbours)
    count: np.ndarray  # transfers of the pair


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
    count = ends - starts + 1
    return FreshPairs(src[ok], dst[ok], t0[ok], amount[ok], mutual[ok], count[ok])


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


def _adjacency(fp: FreshPairs) -> dict[int, list[tuple[int, int]]]:
    """Each account's fresh pairs, either direction: ``(other account, first transfer ms)``."""
    adjacent: dict[int, list[tuple[int, int]]] = {}
    for a, b, t in zip(fp.src.tolist(), fp.dst.tolist(), fp.t_first.tolist(), strict=True):
        adjacent.setdefault(a, []).append((b, t))
        adjacent.setdefault(b, []).append((a, t))
    return adjacent


def _concentrated(
    adjacent: dict[int, list[tuple[int, int]]], members: set[int], lo: int, hi: int
) -> bool:
    """Whether the group's new relations in its weeks are mostly with each other: a ring's
    members start trading with the ring, while in busy traffic any group of accounts that
    trade a lot shows some shared counterparties and loops by chance."""
    shares = []
    for m in members:
        near = [o for o, t in adjacent.get(m, ()) if lo <= t <= hi]
        shares.append(sum(o in members for o in near) / max(len(near), 1))
    return float(np.median(shares)) >= CONCENTRATION


def _batch_payers(src: np.ndarray, t0: np.ndarray) -> set[int]:
    """Payers that first paid BATCH_PAYEES or more fresh payees within BATCH_MS: a payroll
    run pays its whole staff in one batch, minutes apart."""
    order = np.lexsort((t0, src))
    s, t = src[order].astype(np.int64), t0[order]
    if s.size == 0:
        return set()
    span = int(t.max()) - int(t.min()) + BATCH_MS + 1
    key = s * span + (t - int(t.min()))
    ends = np.searchsorted(key, key + BATCH_MS, "right")
    return {int(x) for x in s[ends - np.arange(s.size) >= BATCH_PAYEES]}


def find_shared_counterparties(snap: Snapshot, fp: FreshPairs, max_size: int) -> list[Candidate]:
    one_way = ~fp.mutual
    src, dst, t0 = fp.src[one_way], fp.dst[one_way], fp.t_first[one_way]
    amt = fp.amount[one_way]
    payroll = np.isin(src, list(_batch_payers(src, t0)))
    payers: dict[int, list[tuple[int, int]]] = {}
    for a, x, ta in zip(
        src[~payroll].tolist(), dst[~payroll].tolist(), t0[~payroll].tolist(), strict=True
    ):
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
    adjacent = _adjacency(fp)
    out: list[Candidate] = []
    for group in union.groups():
        if len(group) > max_size:
            continue
        members = set(group)
        inside = [e for e in edges if e[0] in members]
        times = [start[e] for e in inside]
        if not _concentrated(adjacent, members, min(times) - HABIT_MS, max(times) + HABIT_MS):
            continue
        pays = {a for a, _ in inside}
        paid = {x for _, x in inside}
        roles = {
            m: "layer" if m in pays and m in paid else "source" if m in pays else "receiver"
            for m in group
        }
        layered = any(r == "layer" for r in roles.values())
        moved = float(sum(money[e] for e in inside))
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


def _loops(succ: dict[int, list[tuple[int, int]]]) -> list[tuple[list[int], list[int]]]:
    """Directed cycles of 3..MAX_LOOP accounts (each found once, from its smallest account) with
    the first-transfer times of their pairs, all within LOOP_SPAN_MS."""
    found: list[tuple[list[int], list[int]]] = []
    budget = MAX_LOOP_PATHS
    for start in sorted(succ):
        stack: list[tuple[int, list[int], list[int]]] = [(start, [start], [])]
        while stack and budget > 0:
            node, path, times = stack.pop()
            budget -= 1
            for nxt, t in succ.get(node, ()):
                span = [*times, t]
                if max(span) - min(span) > LOOP_SPAN_MS or nxt < start:
                    continue
                if nxt == start:
                    if len(path) >= 3:
                        found.append((path, span))
                elif nxt not in path and len(path) < MAX_LOOP:
                    stack.append((nxt, [*path, nxt], span))
    return found


def find_fresh_loops(snap: Snapshot, fp: FreshPairs, max_size: int) -> list[Candidate]:
    """Each loop is judged on its own (loops sharing accounts are merged later only when they
    overlap enough, so a dense background cannot chain them into one sprawling group)."""
    one_way = ~fp.mutual
    succ: dict[int, list[tuple[int, int]]] = {}
    for a, b, t in zip(
        fp.src[one_way].tolist(),
        fp.dst[one_way].tolist(),
        fp.t_first[one_way].tolist(),
        strict=True,
    ):
        succ.setdefault(a, []).append((b, t))
    adjacent = _adjacency(fp)
    seen: set[frozenset[int]] = set()
    out: list[Candidate] = []
    loops = _loops(succ)
    holding: dict[int, list[frozenset[int]]] = {}
    for path, _ in loops:
        for m in path:
            holding.setdefault(m, []).append(frozenset(path))
    for path, times in loops:
        loop = frozenset(path)
        if loop in seen:
            continue
        seen.add(loop)
        lo, hi = min(times) - HABIT_MS, max(times) + HABIT_MS
        touching: dict[int, set[int]] = {}
        for m in path:  # accounts trading over fresh pairs with two or more of the loop's
            for other, t in adjacent.get(m, ()):
                if other not in loop and lo <= t <= hi:
                    touching.setdefault(other, set()).add(m)
        extra = sorted(o for o, ms in touching.items() if len(ms) >= 2)
        members = [*path, *extra]
        if len(members) > max_size or not _concentrated(adjacent, set(members), lo, hi):
            continue
        days = max(1, round((max(times) - min(times)) / DAY_MS))
        roles = {m: "loop" for m in path} | {m: "member" for m in extra}
        reason = (
            f"money went round {len(path)} accounts over payer-payee pairs all new within "
            f"{days} days, in no order and with any sums"
        )
        if extra:
            reason += f"; {len(extra)} more traded with two or more of them"
        group = frozenset(members)
        # money going round again and again among the same accounts: each further loop inside
        # the group is more evidence (a chance loop in ordinary traffic stands alone)
        again = len({lp for m in path for lp in holding[m] if lp <= group}) - 1
        if again:
            reason += f"; {again} more loops among them"
        out.append(
            Candidate(
                group,
                "fresh_loop",
                LOOP_POINTS[min(len(members), 7)] + LOOP_AGAIN * min(again, 3),
                [reason],
                roles,
                amount=float(len(members)) * snap.scale,
            )
        )
    return out


def find_fresh_tranches(snap: Snapshot, fp: FreshPairs) -> list[Candidate]:
    """Fan-out: an account that, within two weeks, starts paying four or more accounts it never
    paid before, each two or more times and then never again, when they are most of everyone
    it pays in the data. Fan-in, the mirror: four or more accounts that each pay one account
    two or more times within two weeks and stop, most of everyone who pays it (paying in
    repeatedly makes each a member). Wages, rent, dues and suppliers recur month after month
    to the same payees, and families pay back."""
    ok = ~fp.mutual & (fp.count >= 2)
    src, dst, t0, amt = fp.src[ok], fp.dst[ok], fp.t_first[ok], fp.amount[ok]
    out: list[Candidate] = []
    for hub_of, peer_of, degree, typology in (
        (src, dst, snap.out_degree, "fan_out"),
        (dst, src, snap.in_degree, "fan_in"),
    ):
        order = np.lexsort((t0, hub_of))
        hubs, peers, tt_all, money = hub_of[order], peer_of[order], t0[order], amt[order]
        cut = np.nonzero(np.concatenate([[True], hubs[1:] != hubs[:-1], [True]]))[0]
        for a, b in zip(cut[:-1].tolist(), cut[1:].tolist(), strict=True):
            if b - a < MIN_PAYERS:
                continue
            tt = tt_all[a:b]
            ends = np.searchsorted(tt, tt + SHARED_SPAN_MS, "right")
            lo = int(np.argmax(ends - np.arange(tt.size)))
            hub, pick = int(hubs[a]), slice(a + lo, a + int(ends[lo]))
            ids = sorted({int(p) for p in peers[pick]})
            if len(ids) < MIN_PAYERS or len(ids) < PAYER_SHARE * degree[hub]:
                continue
            moved = float(money[pick].sum())
            days = max(1, round((int(tt[ends[lo] - 1]) - int(tt[lo])) / DAY_MS))
            out.append(
                tranche_candidate(snap, typology, hub, ids, moved, "several times each", days)
            )
    return out
