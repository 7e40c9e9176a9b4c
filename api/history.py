"""History in GraphQL: a ring's graph as of an instant, the diff between two ring versions, and
an account's model risk over time (``core.history``)."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from api.connections import check_limit
from api.subgraph import GraphEdge, GraphNode, Subgraph
from api.types import Info, to_datetime
from core.errors import NotFoundError
from core.history import RingDiffView, RiskPoint, diff_graphs, members_at
from core.investigation import RingVersionView, RingView, SubgraphView


@strawberry.type(description="An account's model risk as one scoring pass wrote it.")
class RiskScorePoint:
    at: datetime
    score: float = strawberry.field(description="Model risk 0-100.")
    model_version: str | None

    @classmethod
    def of(cls, point: RiskPoint) -> RiskScorePoint:
        at = datetime.fromtimestamp(point.at / 1000, tz=UTC)
        return cls(at=at, score=point.score, model_version=point.model_version)


@strawberry.type(
    description="What changed in a ring's graph between two versions: members, nodes and edges"
    " added or removed, edges whose totals changed, and `graph` (the later version's graph plus"
    " what it lost) to draw them together."
)
class RingDiff:
    from_version: int
    to_version: int
    from_at: datetime | None
    to_at: datetime | None
    members_added: list[strawberry.ID]
    members_removed: list[strawberry.ID]
    nodes_added: list[GraphNode]
    nodes_removed: list[GraphNode]
    edges_added: list[GraphEdge]
    edges_removed: list[GraphEdge]
    edges_changed: list[GraphEdge]
    graph: Subgraph

    @classmethod
    def of(cls, d: RingDiffView) -> RingDiff:
        return cls(
            from_version=d.from_version.version,
            to_version=d.to_version.version,
            from_at=to_datetime(d.from_version.at),
            to_at=to_datetime(d.to_version.at),
            members_added=[strawberry.ID(m) for m in d.members_added],
            members_removed=[strawberry.ID(m) for m in d.members_removed],
            nodes_added=[GraphNode.of(n) for n in d.nodes_added],
            nodes_removed=[GraphNode.of(n) for n in d.nodes_removed],
            edges_added=[GraphEdge.of(e) for e in d.edges_added],
            edges_removed=[GraphEdge.of(e) for e in d.edges_removed],
            edges_changed=[GraphEdge.of(e) for e in d.edges_changed],
            graph=Subgraph.of(d.graph),
        )


async def ring_subgraph_as_of(info: Info, ring: RingView, limit: int, as_of: datetime) -> Subgraph:
    """The ring's graph at ``as_of``: members of the version then current (empty before the ring
    existed), edges that existed then, money summed up to then."""
    ctx = info.context
    check_limit(limit, "limit", ctx.max_nodes)
    at = int(as_of.timestamp() * 1000)
    versions = await ctx.loaders.ring_versions.load(ring.id)
    current = await ctx.loaders.ring_members.load(ring.id)
    members = members_at(ring, versions, current, at)
    if members is None:
        return Subgraph.of(SubgraphView(node_count=0))
    return Subgraph.of(await ctx.store.ring_subgraph_as_of(ring.id, members, limit, at))


def _version(
    versions: list[RingVersionView], number: int, ring_id: str
) -> tuple[RingVersionView, int]:
    """The version numbered ``number`` and the time it was written."""
    for v in versions:
        if v.version == number:
            if v.at is None:
                raise NotFoundError(f"version {number} of ring {ring_id!r} has no time recorded")
            return v, v.at
    known = sorted(v.version for v in versions)
    raise NotFoundError(f"ring {ring_id!r} has no version {number}; it has versions {known}")


async def ring_diff(info: Info, ring: RingView, old: int, new: int, limit: int) -> RingDiff:
    """The diff between versions ``old`` and ``new``, each version's graph taken at its time."""
    ctx = info.context
    check_limit(limit, "limit", ctx.max_nodes)
    versions = await ctx.loaders.ring_versions.load(ring.id)
    (a, a_at), (b, b_at) = _version(versions, old, ring.id), _version(versions, new, ring.id)
    before = await ctx.store.ring_subgraph_as_of(ring.id, a.members, limit, a_at)
    after = await ctx.store.ring_subgraph_as_of(ring.id, b.members, limit, b_at)
    return RingDiff.of(diff_graphs(a, b, before, after))
