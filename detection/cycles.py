"""Transfer cycles of 3-6 accounts that bring money back to its origin within the time window,
shrinking little on the way (fees skimmed by each mule)."""

from __future__ import annotations

import numpy as np

from detection.flows import successors
from detection.snapshot import Candidate, Snapshot

_MAX_PATHS = 200_000  # work cap: a pathological graph cannot stall a run


def _walk(
    snap: Snapshot, succ: dict[int, list[int]], start: int, window_ms: int, max_len: int
) -> list[list[int]]:
    origin, t_end = int(snap.t_src[start]), int(snap.t_ts[start]) + window_ms
    found, stack = [], [(start, [start])]
    visits = 0
    while stack and visits < 5000:
        tx, path = stack.pop()
        visits += 1
        for nxt in succ.get(tx, ()):
            if snap.t_ts[nxt] > t_end:
                continue
            dst = int(snap.t_dst[nxt])
            if dst == origin:
                if len(path) + 1 >= 3:
                    found.append([*path, nxt])
                continue
            if len(path) + 1 < max_len and dst not in {int(snap.t_src[p]) for p in path}:
                stack.append((nxt, [*path, nxt]))
    return found


def find_cycles(
    snap: Snapshot, links: tuple[np.ndarray, np.ndarray], window_ms: int, max_len: int = 6
) -> list[Candidate]:
    succ = successors(*links)
    seen: set[frozenset[int]] = set()
    out: list[Candidate] = []
    budget = _MAX_PATHS
    for start in sorted(succ):
        if budget <= 0:
            break
        for path in _walk(snap, succ, start, window_ms, max_len):
            budget -= 1
            members = frozenset(int(snap.t_src[p]) for p in path)
            if members in seen or len(members) < 3:
                continue
            seen.add(members)
            amount = float(snap.t_amt[path[0]])
            hours = (int(snap.t_ts[path[-1]]) - int(snap.t_ts[path[0]])) / 3_600_000
            kept = float(snap.t_amt[path[-1]]) / amount
            out.append(
                Candidate(
                    members=members,
                    typology="cycle",
                    points=45.0 + 2.5 * min(len(members) - 3, 4),  # a long loop is no chance
                    reasons=[
                        f"{amount:,.0f} went round {len(members)} accounts in "
                        f"{max(hours, 0.1):.0f} hours and {kept:.0%} came back"
                    ],
                    roles={m: "cycle" for m in members},
                    amount=amount * len(members),
                )
            )
    return out
