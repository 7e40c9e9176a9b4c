"""Subgraph types: the nodes and aggregated edges the neighbourhood and path queries return."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from api.types import to_datetime
from core.investigation import EdgeView, NodeView, SubgraphView


@strawberry.type(description="A node of a subgraph; `props` holds its stored properties.")
class GraphNode:
    id: strawberry.ID
    type: str
    label: str
    risk_score: float | None
    props: JSON

    @classmethod
    def of(cls, node: NodeView) -> GraphNode:
        label = f"{node.type} {node.id}"
        return cls(
            id=strawberry.ID(node.id),
            type=node.type,
            label=label,
            risk_score=node.risk_score,
            props=JSON(node.props),
        )


@strawberry.type(description="An aggregated edge: every transaction between the pair summed.")
class GraphEdge:
    source: strawberry.ID
    target: strawberry.ID
    type: str
    count: int | None
    total: float | None
    first_ts: datetime | None
    last_ts: datetime | None

    @classmethod
    def of(cls, edge: EdgeView) -> GraphEdge:
        return cls(
            source=strawberry.ID(edge.source),
            target=strawberry.ID(edge.target),
            type=edge.type,
            count=edge.count,
            total=edge.total,
            first_ts=to_datetime(edge.first_ts),
            last_ts=to_datetime(edge.last_ts),
        )


@strawberry.type(description="Nodes and edges; `truncated` says the node budget cut it short.")
class Subgraph:
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: bool
    node_count: int

    @classmethod
    def of(cls, sub: SubgraphView) -> Subgraph:
        return cls(
            nodes=[GraphNode.of(n) for n in sub.nodes],
            edges=[GraphEdge.of(e) for e in sub.edges],
            truncated=sub.truncated,
            node_count=sub.size,
        )
