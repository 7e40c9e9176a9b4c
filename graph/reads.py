"""The API's view of the graph on FalkorDB: lookups (``graph.lookups``) plus subgraphs, search,
typed exploration and dashboard figures.

Every query is short (index seeks, lazy traversals cut by LIMIT) because reads queue behind the
writer (FACTS.md). A neighbourhood or ring subgraph is one query for its nodes, with the node
budget enforced in Cypher, and one for the edges among them and their properties when asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.investigation import NODE_TYPES, NodeView, StatsView, SubgraphView
from graph.lookups import FalkorLookups
from graph.subgraphs import (
    NodeRow,
    Row,
    SubgraphBuilder,
    bfs_path,
    build_subgraph,
    edge_rows,
    money_pairs,
    rewound,
    shown_props,
)

# search hits of equal rank: the kinds an investigator most often means come first
SEARCH_ORDER = ("Ring", "Account", "Transaction", "Device", "IP", "Merchant")
_ALL_TYPES = frozenset(NODE_TYPES)


class FalkorReads(FalkorLookups):
    """InvestigationStore on FalkorDB (``redis://host:port``, graph ``graph_name``)."""

    async def _find_node(self, node_id: str) -> tuple[int, str] | None:
        rows = await self._rows("api_find_node", {"id": node_id})
        return (int(rows[0][0]), str(rows[0][1])) if rows else None

    async def _expand(
        self,
        nodes: list[int],
        types: Sequence[str],
        since: int | None,
        until: int | None,
        limit: int,
    ) -> list[list[Any]]:
        params = {
            "nodes": nodes,
            "types": list(types),
            "since": since,
            "until": until,
            "limit": limit,
        }
        return await self._rows("api_expand", params)

    async def _props(self, nodes: list[int]) -> dict[int, dict[str, Any]]:
        rows = await self._rows("api_node_props", {"nodes": nodes})
        return {int(r[0]): shown_props(dict(r[2])) for r in rows}

    async def _edges(
        self, nodes: dict[int, NodeRow], since: int | None, until: int | None, props: bool
    ) -> tuple[dict[int, dict[str, Any]], list[Row]]:
        """The edges among ``nodes`` and, when ``props``, their properties: one query."""
        params = {"nodes": list(nodes), "since": since, "until": until, "props": props}
        rows = await self._rows("api_subgraph_edges", params)
        return edge_rows(rows)

    async def neighbourhood(
        self,
        node_id: str,
        hops: int,
        limit: int,
        since: int | None,
        until: int | None,
        types: Sequence[str] | None,
        props: bool = True,
        edges: bool = True,
        nodes: bool = True,
    ) -> SubgraphView:
        """Nodes within ``hops`` of ``node_id``, nearest first, in one query (two with edges or
        props): ``nodes=False`` returns only the count, ``props=False`` skips stored properties."""
        wanted = list(types or NODE_TYPES)
        rows_asked = nodes or edges or props
        if not rows_asked and since is None and until is None and set(wanted) == _ALL_TYPES:
            return await self._neighbourhood_count(node_id, hops, limit, wanted)
        params = {
            "id": node_id,
            "hops": hops,
            "types": wanted,
            "since": since,
            "until": until,
            "budget": limit,
            "cap": limit * 4 + 50,
            "rows": rows_asked,
        }
        rows = await self._rows("api_neighbourhood", params)
        if not rows:
            return SubgraphView()
        start, start_id, start_type, count, truncated, found = rows[0]
        if not rows_asked:
            return SubgraphView(truncated=bool(truncated), node_count=int(count))
        kept: dict[int, NodeRow] = {int(start): (str(start_id), str(start_type), None)}
        kept.update((int(n[0]), (str(n[1]), str(n[2]), n[3])) for n in found)
        if not (edges or props):
            return build_subgraph(kept, {}, [], bool(truncated))
        stored, links = await self._edges(kept, since, until, props)
        return build_subgraph(kept, stored, links if edges else [], bool(truncated))

    async def _neighbourhood_count(
        self, node_id: str, hops: int, limit: int, types: list[str]
    ) -> SubgraphView:
        """Only the count and the truncation, nothing filtered: one walk, no layers."""
        params = {"id": node_id, "hops": hops, "types": types, "budget": limit}
        rows = await self._rows("api_neighbourhood_count", params)
        if not rows:
            return SubgraphView()
        count, truncated = rows[0][3], rows[0][4]
        return SubgraphView(truncated=bool(truncated), node_count=int(count))

    async def rewind(self, sub: SubgraphView, as_of: int) -> SubgraphView:
        """``sub`` as it stood at ``as_of``: money edges re-summed from their transactions up to
        then, edges (and the nodes only they reached) that did not exist yet left out."""
        ring_ids = [n.id for n in sub.nodes if n.type == "Ring"]
        later = {
            r.id
            for r in await self.rings(ring_ids)
            if r is not None and r.created_at is not None and r.created_at > as_of
        }
        sums = await self._rows(
            "api_money_as_of", {"pairs": money_pairs(sub.edges), "as_of": as_of}
        )
        return rewound(sub, as_of, sums, later)

    async def ring_subgraph(self, ring_id: str, limit: int) -> SubgraphView:
        """Members, the entities two or more of them share, and the edges among all of them."""
        types = [t for t in NODE_TYPES if t != "Ring"]
        rows = await self._rows(
            "api_ring_subgraph", {"id": ring_id, "types": types, "budget": limit}
        )
        if not rows:
            return SubgraphView()
        members, shared, truncated = rows[0]
        kept: dict[int, NodeRow] = {int(m[0]): (str(m[1]), "Account", m[2]) for m in members}
        kept.update((int(n[0]), (str(n[1]), str(n[2]), n[3])) for n in shared)
        stored, links = await self._edges(kept, None, None, True)
        return build_subgraph(kept, stored, links, bool(truncated))

    async def ring_subgraph_as_of(
        self, ring_id: str, members: Sequence[str], limit: int, as_of: int
    ) -> SubgraphView:
        """The ring's graph at ``as_of`` with ``members`` as its members: the entities two or more
        of them shared then, only edges that existed then, money summed up to then."""
        params = {
            "ring": ring_id,
            "ids": list(members),
            "types": [t for t in NODE_TYPES if t != "Ring"],
            "budget": limit,
            "as_of": as_of,
        }
        rows = await self._rows("api_ring_subgraph_as_of", params)
        if not rows:
            return SubgraphView(node_count=0)
        found, shared, truncated = rows[0]
        kept: dict[int, NodeRow] = {int(m[0]): (str(m[1]), "Account", m[2]) for m in found}
        kept.update((int(n[0]), (str(n[1]), str(n[2]), n[3])) for n in shared)
        stored, links = await self._edges(kept, None, as_of, True)
        sub = build_subgraph(kept, stored, links, bool(truncated))
        sums = await self._rows(
            "api_money_as_of", {"pairs": money_pairs(sub.edges), "as_of": as_of}
        )
        return rewound(sub, as_of, sums, keep={str(m[1]) for m in found})

    async def shortest_path(
        self, source: str, target: str, max_hops: int, as_of: int | None = None
    ) -> SubgraphView | None:
        """A shortest path; with ``as_of``, only through edges that existed then."""
        a, b = await self._find_node(source), await self._find_node(target)
        if a is None or b is None:
            return None
        types = [t for t in NODE_TYPES if t != "Ring"]

        async def expand(frontier: list[int]) -> list[list[Any]]:
            return await self._expand(frontier, types, None, as_of, 50_000)

        builder = await bfs_path(a, b, source, target, max_hops, expand)
        if builder is None:
            return None
        path = builder.build(await self._props(builder.node_ids()))
        return path if as_of is None else await self.rewind(path, as_of)

    # --- investigator search and typed exploration ------------------------------------------
    async def search(self, prefix: str, limit: int) -> list[NodeView]:
        """Nodes whose id starts with ``prefix`` (up to ``limit`` per type), exact ids first."""
        rows = await self._rows("api_search_prefix", {"prefix": prefix, "limit": limit})
        hits = [NodeView(id=str(r[0]), type=str(r[1]), risk_score=r[2]) for r in rows]
        order = {t: i for i, t in enumerate(SEARCH_ORDER)}
        hits.sort(key=lambda n: (n.id != prefix, len(n.id), order.get(n.type, 99), n.id))
        return hits

    async def account_ring_ids(self, ids: Sequence[str]) -> dict[str, str]:
        """Each account's highest-scoring live ring, for the accounts that are in one."""
        if not ids:
            return {}
        rows = await self._rows("api_account_ring_ids", {"ids": list(ids)})
        return {str(r[0]): str(r[1]) for r in rows if r[1] is not None}

    async def _expand_rels(
        self,
        nodes: list[int],
        rels: Sequence[str],
        since: int | None,
        until: int | None,
        limit: int,
    ) -> list[list[Any]]:
        params = {
            "nodes": nodes,
            "types": [t for t in NODE_TYPES if t != "Ring"],
            "rels": list(rels),
            "since": since,
            "until": until,
            "limit": limit,
        }
        return await self._rows("api_expand_rels", params)

    async def neighbourhood_via(
        self,
        node_id: str,
        rels: Sequence[str],
        hops: int,
        limit: int,
        since: int | None,
        until: int | None,
    ) -> SubgraphView:
        """Like ``neighbourhood`` but over the relationship types ``rels`` only."""
        start = await self._find_node(node_id)
        if start is None:
            return SubgraphView()
        builder = SubgraphBuilder(limit)
        builder.add_node(start[0], node_id, start[1], None)
        frontier = [start[0]]
        for _ in range(hops):
            if not frontier or builder.full:
                break
            rows = await self._expand_rels(frontier, rels, since, until, limit * 4 + 50)
            frontier = builder.add_rows(rows, row_cap=limit * 4 + 50)
        return builder.build(await self._props(builder.node_ids()))

    async def shortest_path_via(
        self, source: str, target: str, max_hops: int, rels: Sequence[str]
    ) -> SubgraphView | None:
        """A shortest path that crosses only relationships of the types ``rels``."""
        a, b = await self._find_node(source), await self._find_node(target)
        if a is None or b is None:
            return None

        async def expand(frontier: list[int]) -> list[list[Any]]:
            return await self._expand_rels(frontier, rels, None, None, 50_000)

        builder = await bfs_path(a, b, source, target, max_hops, expand)
        if builder is None:
            return None
        return builder.build(await self._props(builder.node_ids()))

    # --- dashboard --------------------------------------------------------------------------
    async def stats(self, since: int, until: int, bucket_ms: int) -> StatsView:
        from graph.stats import build_stats

        window = {"since": since, "until": until}
        buckets = await self._rows("api_stats_buckets", {**window, "bucket": bucket_ms})
        risk = await self._rows("api_stats_risk", window)
        totals = await self._rows("api_stats_totals")
        return build_stats(since, until, bucket_ms, buckets, risk, totals)
