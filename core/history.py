"""A ring's and an account's history: who the members were at an instant, what changed between
two ring versions, and an account's model risk over time.

Ring versions (``RingVersionView``) record each version's members and when it was written; the
ring's own ``updated_at`` is when its current version (its MEMBER edges) took over.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.investigation import (
    EdgeView,
    NodeView,
    RingMemberView,
    RingVersionView,
    RingView,
    SubgraphView,
)


@dataclass(frozen=True)
class RiskPoint:
    """An account's model risk (0-100) as one scoring pass wrote it, with the model's version."""

    at: int
    score: float
    model_version: str | None = None


def risk_points(raw: Any) -> tuple[RiskPoint, ...]:
    """``Account.risk_history`` (``[[at_ms, score, model_version], ...]``, oldest first) as
    points; entries of any other shape are skipped."""
    points = []
    for entry in raw or ():
        if isinstance(entry, (list, tuple)) and len(entry) >= 2 and entry[0] is not None:
            version = None if len(entry) < 3 or entry[2] is None else str(entry[2])
            points.append(RiskPoint(at=int(entry[0]), score=float(entry[1]), model_version=version))
    return tuple(points)


def members_at(
    ring: RingView,
    versions: Sequence[RingVersionView],
    current: Sequence[RingMemberView],
    as_of: int,
) -> tuple[str, ...] | None:
    """The ring's members as of the version current at ``as_of``; None if it did not exist yet.

    From ``ring.updated_at`` on (or when no version is recorded) the current members count; before
    that, the newest version written at or before ``as_of``.
    """
    if ring.created_at is not None and as_of < ring.created_at:
        return None
    timed = [v for v in versions if v.at is not None]
    if not timed or (ring.updated_at is not None and as_of >= ring.updated_at):
        return tuple(m.account_id for m in current)
    then = [v for v in timed if v.at is not None and v.at <= as_of]
    if not then:
        return None
    return max(then, key=lambda v: (v.at or 0, v.version)).members


@dataclass(frozen=True)
class RingDiffView:
    """What changed in a ring's graph from one version to another.

    ``graph`` is the later version's graph plus the nodes and edges the earlier one had and the
    later lost, so both can be drawn together. ``edges_changed`` are edges in both whose
    transaction count or total differ (with the later values).
    """

    from_version: RingVersionView
    to_version: RingVersionView
    members_added: tuple[str, ...]
    members_removed: tuple[str, ...]
    nodes_added: tuple[NodeView, ...]
    nodes_removed: tuple[NodeView, ...]
    edges_added: tuple[EdgeView, ...]
    edges_removed: tuple[EdgeView, ...]
    edges_changed: tuple[EdgeView, ...]
    graph: SubgraphView


def _edge_key(e: EdgeView) -> tuple[str, str, str]:
    return (e.type, e.source, e.target)


def diff_graphs(
    old: RingVersionView, new: RingVersionView, before: SubgraphView, after: SubgraphView
) -> RingDiffView:
    """Compare the ring's graph at version ``old`` (``before``) with version ``new``'s."""
    old_nodes = {n.id: n for n in before.nodes}
    new_nodes = {n.id: n for n in after.nodes}
    old_edges = {_edge_key(e): e for e in before.edges}
    new_edges = {_edge_key(e): e for e in after.edges}
    old_members, new_members = set(old.members), set(new.members)
    removed_nodes = tuple(n for i, n in old_nodes.items() if i not in new_nodes)
    removed_edges = tuple(e for k, e in old_edges.items() if k not in new_edges)
    changed = tuple(
        e
        for k, e in new_edges.items()
        if k in old_edges and (e.count, e.total) != (old_edges[k].count, old_edges[k].total)
    )
    graph = SubgraphView(
        nodes=after.nodes + removed_nodes,
        edges=after.edges + removed_edges,
        truncated=before.truncated or after.truncated,
        node_count=len(after.nodes) + len(removed_nodes),
    )
    return RingDiffView(
        from_version=old,
        to_version=new,
        members_added=tuple(m for m in new.members if m not in old_members),
        members_removed=tuple(m for m in old.members if m not in new_members),
        nodes_added=tuple(n for i, n in new_nodes.items() if i not in old_nodes),
        nodes_removed=removed_nodes,
        edges_added=tuple(e for k, e in new_edges.items() if k not in old_edges),
        edges_removed=removed_edges,
        edges_changed=changed,
        graph=graph,
    )
