"""Subgraphs from query rows: the kept nodes with the edges among them, and the shortest path.

Neighbourhoods and ring subgraphs choose their nodes in Cypher (``api_neighbourhood``,
``api_ring_subgraph``) and fetch the edges among them with ``api_subgraph_edges``; the
shortest path grows a bidirectional search from one-hop expansion rows (``api_expand``).

A row is ``[a, b, b_id, b_type, b_risk, type, out, count, total, first_ts, last_ts]`` where
``a`` and ``b`` are internal node ids and ``out`` says ``a`` is the edge's source.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from core.investigation import EdgeView, NodeView, SubgraphView

Row = list[Any]
NodeRow = tuple[str, str, float | None]  # id, type, risk
Expand = Callable[[list[int]], Awaitable[list[Row]]]


class SubgraphBuilder:
    """Nodes and edges collected so far; stops adding nodes at ``limit`` and says so."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.nodes: dict[int, tuple[str, str, float | None]] = {}
        self.edges: dict[tuple[int, int, str], Row] = {}
        self.truncated = False

    @property
    def full(self) -> bool:
        return len(self.nodes) >= self.limit

    def add_node(self, nid: int, node_id: str, node_type: str, risk: float | None) -> bool:
        if nid in self.nodes:
            return False
        if self.full:
            self.truncated = True
            return False
        self.nodes[nid] = (node_id, node_type, risk)
        return True

    def add_edge(self, row: Row) -> None:
        a, b, typ, out = int(row[0]), int(row[1]), str(row[5]), bool(row[6])
        if a in self.nodes and b in self.nodes:
            src, dst = (a, b) if out else (b, a)
            self.edges[(src, dst, typ)] = row

    def add_rows(self, rows: list[Row], row_cap: int) -> list[int]:
        """Add every row's far node (budget permitting) and edge; return the new frontier."""
        if len(rows) >= row_cap:
            self.truncated = True
        frontier = []
        for row in rows:
            if self.add_node(int(row[1]), str(row[2]), str(row[3]), row[4]):
                frontier.append(int(row[1]))
            self.add_edge(row)
        return frontier

    def node_ids(self) -> list[int]:
        return list(self.nodes)

    def build(self, props: dict[int, dict[str, Any]]) -> SubgraphView:
        nodes = []
        for nid, (node_id, node_type, risk) in self.nodes.items():
            p = props.get(nid, {})
            nodes.append(
                NodeView(
                    id=node_id,
                    type=node_type,
                    risk_score=risk if risk is not None else p.get("risk_score"),
                    props=p,
                )
            )
        edges = [
            EdgeView(
                source=self.nodes[s][0],
                target=self.nodes[d][0],
                type=typ,
                count=r[7],
                total=r[8],
                first_ts=r[9],
                last_ts=r[10],
            )
            for (s, d, typ), r in self.edges.items()
        ]
        return SubgraphView(nodes=tuple(nodes), edges=tuple(edges), truncated=self.truncated)


async def bfs_path(
    a: tuple[int, str],
    b: tuple[int, str],
    a_id: str,
    b_id: str,
    max_hops: int,
    expand: Expand,
) -> SubgraphBuilder | None:
    """Bidirectional breadth-first search; the path's nodes and edges, or None past max_hops."""
    if a[0] == b[0]:
        builder = SubgraphBuilder(1)
        builder.add_node(a[0], a_id, a[1], None)
        return builder
    parents: list[dict[int, Row | None]] = [{a[0]: None}, {b[0]: None}]
    frontiers = [[a[0]], [b[0]]]
    for _ in range(max_hops):
        side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
        if not frontiers[side]:
            return None
        nxt: list[int] = []
        for row in await expand(frontiers[side]):
            far = int(row[1])
            if far in parents[side]:
                continue
            parents[side][far] = row
            nxt.append(far)
            if far in parents[1 - side]:
                return _join(far, parents, (a, a_id), (b, b_id))
        frontiers[side] = nxt
    return None


def _join(
    meet: int,
    parents: list[dict[int, Row | None]],
    a: tuple[tuple[int, str], str],
    b: tuple[tuple[int, str], str],
) -> SubgraphBuilder:
    rows: list[Row] = []
    for side in (0, 1):
        node = meet
        while (row := parents[side][node]) is not None:
            rows.append(row)
            node = int(row[0])
    builder = SubgraphBuilder(len(rows) + 2)
    builder.add_node(a[0][0], a[1], a[0][1], None)
    builder.add_node(b[0][0], b[1], b[0][1], None)
    for row in rows:
        builder.add_node(int(row[1]), str(row[2]), str(row[3]), row[4])
    for row in rows:
        builder.add_edge(row)
    return builder


# Money edge type -> transaction kind, and whether the account pays (is the edge's source).
MONEY_KINDS = {
    "TRANSFERRED": ("transfer", True),
    "PAID": ("payment", True),
    "REFUNDED": ("refund", False),
}


def money_pairs(edges: tuple[EdgeView, ...]) -> list[list[Any]]:
    """``[account_id, other_id, kind, index]`` for every money edge (``cypher/api_money_as_of``)."""
    pairs = []
    for i, e in enumerate(edges):
        if e.type in MONEY_KINDS:
            kind, pays = MONEY_KINDS[e.type]
            account, other = (e.source, e.target) if pays else (e.target, e.source)
            pairs.append([account, other, kind, i])
    return pairs


def rewound(
    sub: SubgraphView,
    as_of: int,
    sums: list[Row],
    later: frozenset[str] | set[str] = frozenset(),
    keep: frozenset[str] | set[str] = frozenset(),
) -> SubgraphView:
    """Replace money edges' counters by the sums as of then; drop what did not exist yet.

    Link edges keep their stored ``first_ts`` (the expansion already left out later ones);
    ``later`` names nodes created after ``as_of`` (rings), dropped with their edges. A node
    stays when it is the start node, is in ``keep`` (a ring's members) or still touches an edge.
    """
    by_index = {int(r[0]): r for r in sums}
    edges = []
    for i, e in enumerate(sub.edges):
        if e.source in later or e.target in later:
            continue
        if e.type in MONEY_KINDS:
            row = by_index.get(i)
            if row is None or not row[1]:
                continue
            e = replace(e, count=int(row[1]), total=float(row[2]), first_ts=row[3], last_ts=row[4])
        elif e.first_ts is not None and e.first_ts > as_of:
            continue
        edges.append(e)
    touched = {e.source for e in edges} | {e.target for e in edges}
    nodes = tuple(n for i, n in enumerate(sub.nodes) if i == 0 or n.id in touched or n.id in keep)
    return SubgraphView(
        nodes=nodes, edges=tuple(edges), truncated=sub.truncated, node_count=len(nodes)
    )


# Stored properties a subgraph node leaves out: long histories read through their own fields.
HIDDEN_PROPS = frozenset({"risk_history"})


def shown_props(stored: dict[str, Any]) -> dict[str, Any]:
    """A node's stored properties less ``HIDDEN_PROPS``."""
    return {k: v for k, v in stored.items() if k not in HIDDEN_PROPS}


def edge_rows(rows: list[Row]) -> tuple[dict[int, dict[str, Any]], list[Row]]:
    """``api_subgraph_edges`` rows as (properties by node, ``[src, dst, type, count, total,
    first_ts, last_ts]`` edges)."""
    props: dict[int, dict[str, Any]] = {}
    edges: list[Row] = []
    for node, stored, links in rows:
        if stored is not None:
            props[int(node)] = shown_props(dict(stored))
        edges.extend([int(node), *link] for link in links if link[0] is not None)
    return props, edges


def build_subgraph(
    nodes: dict[int, NodeRow], props: dict[int, dict[str, Any]], edges: list[Row], truncated: bool
) -> SubgraphView:
    """The view of kept ``nodes`` (internal id -> id, type, risk) and ``edges`` among them."""
    out = []
    for nid, (node_id, node_type, risk) in nodes.items():
        p = props.get(nid, {})
        out.append(
            NodeView(
                id=node_id,
                type=node_type,
                risk_score=risk if risk is not None else p.get("risk_score"),
                props=p,
            )
        )
    links = [
        EdgeView(
            source=nodes[e[0]][0],
            target=nodes[int(e[1])][0],
            type=str(e[2]),
            count=e[3],
            total=e[4],
            first_ts=e[5],
            last_ts=e[6],
        )
        for e in edges
        if e[0] in nodes and int(e[1]) in nodes
    ]
    return SubgraphView(
        nodes=tuple(out), edges=tuple(links), truncated=truncated, node_count=len(out)
    )
