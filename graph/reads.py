"""The API's view of the graph on FalkorDB: batched async reads, verdicts and ring workflow.

Every query is short (index seeks, lazy traversals cut by LIMIT) because reads queue behind the
writer (FACTS.md). A neighbourhood or ring subgraph is one query for its nodes, with the node
budget enforced in Cypher, and one for the edges among them and their properties when asked.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import redis
import redis.asyncio as aioredis
from falkordb.asyncio import FalkorDB
from redis.asyncio import BlockingConnectionPool

from core.errors import GraphUnavailableError, RingscopeError
from core.investigation import (
    NODE_TYPES,
    AccountView,
    DetectionRunView,
    LinkView,
    NodeView,
    RingFilter,
    RingMemberView,
    RingVersionView,
    RingView,
    StatsView,
    SubgraphView,
    VerdictView,
)
from core.transactions import TransactionRecord
from graph.aio import close_async_redis
from graph.compact import run_query
from graph.cypher import load_query
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

logger = logging.getLogger(__name__)
# search hits of equal rank: the kinds an investigator most often means come first
SEARCH_ORDER = ("Ring", "Account", "Transaction", "Device", "IP", "Merchant")
_ALL_TYPES = frozenset(NODE_TYPES)


def _pick(cls: type, props: dict[str, Any]) -> Any:
    fields = cls.__dataclass_fields__  # type: ignore[attr-defined]
    known = {k: v for k, v in props.items() if k in fields}
    for name in ("typologies", "reasons", "members"):
        if name in known and name in fields:
            known[name] = tuple(known[name] or ())
    return cls(**known)


def _pool(url: str, max_connections: int) -> BlockingConnectionPool[Any]:
    """A blocking pool: a burst past max_connections waits for a free socket, not an error."""
    return BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=5, decode_responses=True
    )


# Set once this request (task context) has written: its later reads go to the primary.
_WROTE: ContextVar[bool] = ContextVar("ringscope_reads_wrote", default=False)


def _group(ids: Sequence[str], rows: list[list[Any]], build: Any) -> list[list[Any]]:
    out: dict[str, list[Any]] = {i: [] for i in ids}
    for row in rows:
        out[row[0]].append(build(row))
    return [out[i] for i in ids]


def _member_view(r: list[Any]) -> RingMemberView:
    """A row of ``api_ring_members`` / ``api_ring_victims``."""
    return RingMemberView(ring_id=r[0], account_id=r[1], risk=r[2], role=r[3], account_risk=r[4])


class FalkorReads:
    """InvestigationStore on FalkorDB (``redis://host:port``, graph ``graph_name``)."""

    def __init__(
        self,
        url: str,
        graph_name: str = "ringscope",
        max_connections: int = 64,
        read_urls: Sequence[str] = (),
        wait_ms: int = 1000,
    ) -> None:
        self.url = url
        self.graph_name = graph_name
        self.db = FalkorDB(connection_pool=_pool(url, max_connections))
        self.client = self.db.connection  # replies are parsed by graph.compact
        self.read_urls = [u for u in read_urls if u != url]
        self.replicas = [
            aioredis.Redis(connection_pool=_pool(u, max_connections)) for u in self.read_urls
        ]
        self.wait_ms = wait_ms
        self._turn = 0

    @contextmanager
    def _translate(self, url: str) -> Iterator[None]:
        try:
            yield
        except (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError) as exc:
            raise GraphUnavailableError(f"FalkorDB at {url} unavailable: {exc}") from exc

    def _reader(self) -> tuple[Any, str]:
        """The next replica in turn; the primary when there is none or this request wrote."""
        if not self.replicas or _WROTE.get():
            return self.client, self.url
        self._turn = (self._turn + 1) % len(self.replicas)
        return self.replicas[self._turn], self.read_urls[self._turn]

    async def _query(
        self, client: Any, url: str, name: str, params: dict[str, Any] | None, read_only: bool
    ) -> list[list[Any]]:
        with self._translate(url):
            try:
                return await run_query(
                    client, self.graph_name, load_query(name), params, read_only=read_only
                )
            except redis.ResponseError as exc:
                if read_only and "empty key" in str(exc):  # the graph has no data yet
                    return []
                raise RingscopeError(f"query {name} failed: {exc}") from exc

    async def _rows(self, name: str, params: dict[str, Any] | None = None) -> list[list[Any]]:
        client, url = self._reader()
        try:
            return await self._query(client, url, name, params, read_only=True)
        except GraphUnavailableError:
            if client is self.client:
                raise
            logger.warning("replica %s unavailable; %s read from the primary", url, name)
            return await self._query(self.client, self.url, name, params, read_only=True)

    async def _write(self, name: str, params: dict[str, Any]) -> list[list[Any]]:
        """Write on the primary; the rest of this request reads there too, and with replicas
        the write returns once they have applied it (``WAIT``): whoever reads next, on any
        replica or process, reads it back."""
        rows = await self._query(self.client, self.url, name, params, read_only=False)
        _WROTE.set(True)
        if self.replicas and self.wait_ms > 0:
            with self._translate(self.url):
                acked = await self.client.execute_command("WAIT", len(self.replicas), self.wait_ms)
            if int(acked) < len(self.replicas):
                logger.warning(
                    "%s: %s of %d replicas confirmed the write within %d ms",
                    name,
                    acked,
                    len(self.replicas),
                    self.wait_ms,
                )
        return rows

    # --- batched lookups (DataLoaders) ------------------------------------------------------
    async def accounts(self, ids: Sequence[str]) -> list[AccountView | None]:
        found = {
            r[0]: _pick(AccountView, r[1])
            for r in await self._rows("api_accounts", {"ids": list(ids)})
        }
        return [found.get(i) for i in ids]

    async def transactions(self, ids: Sequence[str]) -> list[TransactionRecord | None]:
        rows = await self._rows("api_transactions", {"ids": list(ids)})
        found = {r[0]: TransactionRecord.from_properties(r[1]) for r in rows}
        return [found.get(i) for i in ids]

    async def account_links(self, ids: Sequence[str]) -> list[list[LinkView]]:
        rows = await self._rows("api_account_links", {"ids": list(ids), "limit": 500 * len(ids)})
        return _group(
            ids,
            rows,
            lambda r: LinkView(
                id=r[1],
                type=r[2],
                direction="out" if r[3] else "in",
                count=r[4] or 0,
                total=r[5],
                first_ts=r[6],
                last_ts=r[7],
            ),
        )

    async def account_transactions(
        self, account_id: str, since: int, until: int, before: tuple[int, str] | None, limit: int
    ) -> list[TransactionRecord]:
        b_ts, b_id = before if before else (2**62, "")
        params = {
            "account": account_id,
            "since": since,
            "until": until,
            "before_ts": b_ts,
            "before_id": b_id,
            "limit": limit,
        }
        if before is None:  # "strictly older than" with no cursor: everything up to `until`
            params["before_ts"] = until + 1
        sent = await self._rows("api_account_transactions_sent", params)
        received = await self._rows("api_account_transactions_received", params)
        records = {r[0]["id"]: TransactionRecord.from_properties(r[0]) for r in sent + received}
        return sorted(records.values(), key=lambda t: (t.ts, t.id), reverse=True)[:limit]

    async def account_rings(self, ids: Sequence[str]) -> list[list[RingView]]:
        rows = await self._rows("api_account_rings", {"ids": list(ids)})
        return _group(ids, rows, lambda r: _pick(RingView, r[1]))

    async def rings(self, ids: Sequence[str]) -> list[RingView | None]:
        found = {
            r[0]: _pick(RingView, r[1]) for r in await self._rows("api_rings", {"ids": list(ids)})
        }
        return [found.get(i) for i in ids]

    async def rings_with_members(
        self, ids: Sequence[str]
    ) -> list[tuple[RingView, list[RingMemberView]] | None]:
        """Rings by id with their members, riskiest first: one query for ``ring { members }``."""
        found: dict[str, tuple[RingView, list[RingMemberView]]] = {}
        for r in await self._rows("api_rings_with_members", {"ids": list(ids)}):
            members = [_member_view([r[0], *m]) for m in r[2]]
            found[r[0]] = (_pick(RingView, r[1]), members)
        return [found.get(i) for i in ids]

    async def ring_members(self, ids: Sequence[str]) -> list[list[RingMemberView]]:
        rows = await self._rows("api_ring_members", {"ids": list(ids)})
        return _group(
            ids,
            rows,
            _member_view,
        )

    async def ring_victims(self, ids: Sequence[str]) -> list[list[RingMemberView]]:
        rows = await self._rows("api_ring_victims", {"ids": list(ids)})
        return _group(
            ids,
            rows,
            _member_view,
        )

    async def ring_versions(self, ids: Sequence[str]) -> list[list[RingVersionView]]:
        rows = await self._rows("api_ring_versions", {"ids": list(ids)})
        return _group(ids, rows, lambda r: _pick(RingVersionView, {"ring_id": r[0], **r[1]}))

    async def verdicts(self, target_ids: Sequence[str]) -> list[list[VerdictView]]:
        rows = await self._rows("api_verdicts", {"ids": list(target_ids)})
        return _group(target_ids, rows, lambda r: _pick(VerdictView, r[1]))

    # --- lists ------------------------------------------------------------------------------
    @staticmethod
    def _ring_params(flt: RingFilter) -> dict[str, Any]:
        return {
            "status": flt.status,
            "min_score": flt.min_score,
            "typology": flt.typology,
            "since": flt.since,
            "until": flt.until,
        }

    async def list_rings(self, flt: RingFilter, offset: int, limit: int) -> list[RingView]:
        params = {
            **self._ring_params(flt),
            "sort": flt.sort,
            "desc": flt.descending,
            "skip": offset,
            "limit": limit,
        }
        return [_pick(RingView, r[0]) for r in await self._rows("api_list_rings", params)]

    async def count_rings(self, flt: RingFilter) -> int:
        rows = await self._rows("api_count_rings", self._ring_params(flt))
        return int(rows[0][0]) if rows else 0

    async def detection_runs(self, offset: int, limit: int) -> list[DetectionRunView]:
        rows = await self._rows("api_detection_runs", {"skip": offset, "limit": limit})
        return [_pick(DetectionRunView, r[0]) for r in rows]

    async def detection_run(self, run_id: str | None) -> DetectionRunView | None:
        if run_id is None:
            runs = await self.detection_runs(0, 1)
            return runs[0] if runs else None
        rows = await self._rows("api_detection_run", {"id": run_id})
        return _pick(DetectionRunView, rows[0][0]) if rows else None

    async def count_detection_runs(self) -> int:
        rows = await self._rows("api_count_detection_runs")
        return int(rows[0][0]) if rows else 0

    # --- subgraphs --------------------------------------------------------------------------
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

    # --- writes -----------------------------------------------------------------------------
    async def record_verdict(self, verdict: VerdictView) -> None:
        from core.errors import NotFoundError

        name = "api_label_ring" if verdict.target_type == "ring" else "api_label_account"
        params = {
            "vid": verdict.id,
            "target_id": verdict.target_id,
            "verdict": verdict.verdict,
            "reason_code": verdict.reason_code,
            "note": verdict.note,
            "author": verdict.author,
            "at": verdict.at,
        }
        if not await self._write(name, params):
            raise NotFoundError(f"id: no {verdict.target_type} {verdict.target_id[:80]!r}")
        logger.info(
            "verdict %s on %s %s by %s",
            verdict.verdict,
            verdict.target_type,
            verdict.target_id,
            verdict.author,
        )

    async def update_ring_workflow(
        self, ring_id: str, status: str | None, assignee: str | None, at: int
    ) -> RingView | None:
        params = {
            "id": ring_id,
            "status": status,
            "assignee": assignee or None,
            "clear_assignee": assignee == "",
            "at": at,
        }
        rows = await self._write("api_update_ring", params)
        return _pick(RingView, rows[0][0]) if rows else None

    async def ping(self) -> bool:
        try:
            with self._translate(self.url):
                return bool(await self.db.connection.ping())
        except GraphUnavailableError:
            return False

    async def close(self) -> None:
        await close_async_redis(self.db.connection)
        for replica in self.replicas:
            await close_async_redis(replica)
