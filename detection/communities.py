"""Money-flow communities on the transfer graph (igraph's own Leiden, FACTS.md: 17x faster than
leidenalg here), for rings that no identifier ties together: a community qualifies when most of
its members' money stays inside it."""

from __future__ import annotations

import random

import igraph as ig
import numpy as np

from detection.snapshot import Candidate, Snapshot


def find_flow_communities(
    snap: Snapshot, min_size: int, max_size: int, seed: int = 7
) -> list[Candidate]:
    if snap.t_src.size == 0:
        return []
    n = snap.n_accounts
    keys, inverse = np.unique(
        np.minimum(snap.t_src, snap.t_dst).astype(np.int64) * n
        + np.maximum(snap.t_src, snap.t_dst),
        return_inverse=True,
    )
    weight = np.bincount(inverse, snap.t_amt)
    graph = ig.Graph(n=n, edges=np.column_stack([keys // n, keys % n]).tolist())
    ig.set_random_number_generator(random.Random(seed))  # reproducible runs keep ring ids
    try:
        parts = graph.community_leiden(
            objective_function="modularity", weights=np.log1p(weight).tolist(), n_iterations=2
        )
    finally:
        ig.set_random_number_generator(random)
    membership = np.asarray(parts.membership)
    same = membership[snap.t_src] == membership[snap.t_dst]
    inside = np.bincount(membership[snap.t_src][same], snap.t_amt[same], minlength=len(parts))
    touching = np.bincount(membership[snap.t_src], snap.t_amt, minlength=len(parts))
    touching += np.bincount(membership[snap.t_dst], snap.t_amt, minlength=len(parts))
    out: list[Candidate] = []
    for comm, members in enumerate(parts):
        if not min_size <= len(members) <= max_size:
            continue
        share = 2 * inside[comm] / max(touching[comm], 1e-9)
        if share < 0.6:
            continue
        reason = f"{len(members)} accounts keep {share:.0%} of their transfers among themselves"
        out.append(Candidate(frozenset(members), "flow_community", 10.0 + 10.0 * share, [reason]))
    return out
