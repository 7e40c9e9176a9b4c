"""Shared-identifier rings: accounts tied together by devices, IPs or identity attributes.

Connected components over account-identifier links (igraph, on the edge-log copy rather than
FalkorDB ``algo.WCC`` on the live graph), ignoring hub identifiers that very many accounts use
(public Wi-Fi, a shop's terminal). Components too big to be one ring are split with Leiden.
"""

from __future__ import annotations

import random

import igraph as ig
import numpy as np

from detection.components import account_groups
from detection.snapshot import Candidate, Snapshot


def _describe(snap: Snapshot, ident: int, count: int) -> str:
    name = snap.ident_name(ident)
    kinds = {"d:": "device", "i:": "IP", "p-": "phone", "e-": "email", "a-": "address"}
    kind = kinds.get(name[:2], "identifier")
    shown = name[2:] if name[:2] in ("d:", "i:") else name[:10] + "…"
    return f"{count} accounts share {kind} {shown}"


def _main_ident(snap: Snapshot, members: np.ndarray, keep: np.ndarray) -> tuple[int, int]:
    _accs, links = snap.links_of(members)
    idents, counts = np.unique(links[keep[links]], return_counts=True)
    best = int(np.argmax(counts))
    return int(idents[best]), int(counts[best])


def _split(graph: ig.Graph, vertices: list[int], n_acc: int, max_size: int) -> list[list[int]]:
    sub = graph.induced_subgraph(vertices)
    ig.set_random_number_generator(random.Random(7))  # reproducible splits keep ring ids
    try:
        parts = sub.community_leiden(objective_function="modularity", n_iterations=4)
    finally:
        ig.set_random_number_generator(random)
    out = []
    for part in parts:
        accs = [vertices[v] for v in part if vertices[v] < n_acc]
        if len(accs) <= max_size:
            out.append(accs)
    return out


def find_shared_identifier_rings(
    snap: Snapshot, hub_accounts: int, min_size: int, max_size: int
) -> list[Candidate]:
    """One candidate per group of >= ``min_size`` accounts linked through shared identifiers."""
    n_acc = snap.n_accounts
    keep = (snap.ident_accounts >= 2) & (snap.ident_accounts <= hub_accounts)
    mask = keep[snap.link_ident]
    if not mask.any():
        return []
    edges = np.column_stack([snap.link_acc[mask], snap.link_ident[mask] + n_acc])
    graph = ig.Graph(n=n_acc + len(snap.ident_accounts), edges=edges.tolist())
    out: list[Candidate] = []
    for comp in account_groups(graph, n_acc, min_size):
        accs = comp[comp < n_acc].tolist()
        groups = [accs] if len(accs) <= max_size else _split(graph, comp.tolist(), n_acc, max_size)
        for group in groups:
            if len(group) < min_size:
                continue
            members = np.asarray(group)
            ident, count = _main_ident(snap, members, keep)
            out.append(
                Candidate(
                    members=frozenset(group),
                    typology="shared_identifier",
                    points=10.0,
                    reasons=[_describe(snap, ident, count)],
                )
            )
    return out
