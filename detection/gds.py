"""Community detection in Neo4j Graph Data Science, for graphs too large for one process.

With the Bolt store on Neo4j (``RINGSCOPE_STORE=bolt``, GDS plugin installed), the transfer
graph is projected in GDS, Leiden or Louvain runs there, and only (account id, community) pairs
come back. ``find_flow_communities_gds`` is the drop-in for the igraph step of
``detection.communities.find_flow_communities``; ``gds_components`` is WCC over accounts and the
devices and IPs they share. Needs the ``gds`` extra (``pip install 'ringscope[gds]'``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from detection.snapshot import Candidate, Snapshot
from graph.gds import Algorithm, connect_gds, gds_communities, gds_components

__all__ = ["connect_gds", "find_flow_communities_gds", "gds_components", "group"]
MIN_SHARE = 0.6  # as detection/communities.py: most of the members' money stays inside


def group(membership: dict[str, int], min_size: int, max_size: int) -> list[frozenset[str]]:
    """Communities as sets of account ids, within the size bounds."""
    members: dict[int, set[str]] = {}
    for account, community in membership.items():
        members.setdefault(community, set()).add(account)
    return [frozenset(m) for m in members.values() if min_size <= len(m) <= max_size]


def membership_array(snap: Snapshot, membership: dict[str, int]) -> np.ndarray:
    """Per snapshot account, its community; accounts GDS did not see get one of their own."""
    out = np.full(snap.n_accounts, -1, dtype=np.int64)
    index = snap.state.accounts.index
    for account, community in membership.items():
        i = index.get(account)
        if i is not None:
            out[i] = community
    alone = out < 0
    out[alone] = out.max(initial=0) + 1 + np.arange(int(alone.sum()))
    return out


def flow_candidates(
    snap: Snapshot, membership: np.ndarray, min_size: int, max_size: int
) -> list[Candidate]:
    """Communities that keep most of their members' transfers among themselves."""
    _, dense = np.unique(membership, return_inverse=True)
    n = int(dense.max()) + 1 if dense.size else 0
    src, dst = dense[snap.t_src], dense[snap.t_dst]
    same = src == dst
    inside = np.bincount(src[same], snap.t_amt[same], minlength=n)
    touching = np.bincount(src, snap.t_amt, minlength=n) + np.bincount(dst, snap.t_amt, minlength=n)
    sizes = np.bincount(dense, minlength=n)
    out = []
    for comm in np.flatnonzero((sizes >= min_size) & (sizes <= max_size)):
        share = 2 * inside[comm] / max(touching[comm], 1e-9)
        if share < MIN_SHARE:
            continue
        members = frozenset(int(i) for i in np.flatnonzero(dense == comm))
        reason = f"{len(members)} accounts keep {share:.0%} of their transfers among themselves"
        out.append(Candidate(members, "flow_community", 10.0 + 10.0 * share, [reason]))
    return out


def find_flow_communities_gds(
    snap: Snapshot,
    gds: Any,
    min_size: int,
    max_size: int,
    algorithm: Algorithm = "leiden",
    seed: int = 7,
) -> list[Candidate]:
    """``find_flow_communities`` with its community step in GDS instead of igraph."""
    if snap.t_src.size == 0:
        return []
    membership = membership_array(snap, gds_communities(gds, algorithm, seed))
    return flow_candidates(snap, membership, min_size, max_size)
