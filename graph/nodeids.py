"""Internal ids of a batch's nodes for the FalkorDB store (graph/falkordb_store.py): looked up when
not cached, and CREATEd when absent, under the store's writer lock.

Nodes are addressed by internal id from the store's cache (FACTS.md: index lookups, not MERGE, are
the cost of a naive build), so only unseen ids cost a lookup; a node that a lookup under the lock
did not find stays absent until this writer creates it, which costs half a MERGE.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import redis

from graph.batch import NODE_LABELS, BatchPlan
from graph.cypher import load_query, query_bytes
from graph.decode import as_text
from graph.nodecache import NodeCache, chunks
from graph.writeparams import params_header, params_header_bytes

logger = logging.getLogger(__name__)


def ids_of(reply: Any) -> dict[str, int]:
    """The ``{id: node_id}`` of a compact reply ([header, rows, stats]; a row is
    [[type, value], [type, value]])."""
    return {as_text(row[0][1]): row[1][1] for row in reply[1]}


def lookup_command(graph_name: str, label: str, ids: list[str]) -> list[Any]:
    """The read-only query for the internal ids of the ``label`` nodes among ``ids``."""
    query = params_header_bytes({"ids": ids}) + query_bytes(f"lookup_{label.lower()}_nodes")
    return ["GRAPH.RO_QUERY", graph_name, query, "--compact"]


class Store(Protocol):
    """What ``NodeIds`` uses of the FalkorDB store."""

    redis: redis.Redis[Any]
    graph_name: str
    cache: NodeCache
    profile: dict[str, dict[str, float]] | None

    def profile_query(self, name: str, query: str) -> None: ...


class NodeIds:
    """Looks up and creates the nodes of ``store``'s batches (queries on its connection, ids in
    its cache; one query at a time under GRAPH.PROFILE when the store profiles)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def look_up(self, work: list[tuple[str, list[str]]]) -> dict[str, list[str]]:
        """Cache the internal ids of the nodes ``(label, ids)`` that exist; the rest, by label:
        absent, and under the writer lock they stay absent until this batch creates them."""
        absent: dict[str, list[str]] = {label: [] for label in NODE_LABELS}
        if not work:
            return absent
        lookups = [(f"lookup_{label.lower()}_nodes", {"ids": chunk}) for label, chunk in work]
        for (label, chunk), found in zip(work, self._run(lookups, True), strict=True):
            if isinstance(found, Exception):
                raise found
            absent[label] += self.store.cache.found(label, chunk, found)
        return absent

    def create(
        self, plan: BatchPlan, absent: dict[str, list[str]]
    ) -> tuple[dict[str, dict[str, int]], set[int]]:
        """CREATE the plan's nodes that lookups under this lock found absent, in one round
        trip; every cached id by label, and the set of the ids created now."""
        cache = self.store.cache
        created: set[int] = set()
        creates: list[tuple[str, list[list[Any]]]] = []
        for label in NODE_LABELS:
            seen, known = plan.nodes[label], cache.ids[label]
            rows = [[k, seen[k]] for k in absent[label] if k in seen and k not in known]
            creates += [(label, chunk) for chunk in chunks(rows)]
        if not creates:
            return cache.ids, created
        queries = [(f"create_{label.lower()}_nodes", {"rows": rows}) for label, rows in creates]
        for (label, rows), made in zip(creates, self._run(queries, False), strict=True):
            known = cache.ids[label]
            if isinstance(made, redis.ResponseError):
                # a writer that bypassed the lock created one meanwhile: MERGE them all
                logger.warning("creating %s nodes failed (%s); merging instead", label, made)
                known.update(self._query(f"ensure_{label.lower()}_nodes", {"rows": rows}))
                continue
            if isinstance(made, Exception):
                raise made
            known.update(made)
            created.update(made.values())
        return cache.ids, created

    def _run(
        self, queries: list[tuple[str, dict[str, Any]]], read_only: bool
    ) -> list[dict[str, int] | Exception]:
        """Run ``id, node_id`` queries in one pipeline; each one's ids, or its error."""
        store = self.store
        if store.profile is not None:  # profiled one by one
            out: list[dict[str, int] | Exception] = []
            for name, params in queries:
                try:
                    out.append(self._query(name, params, read_only=read_only))
                except redis.ResponseError as exc:
                    out.append(exc)
            return out
        command = "GRAPH.RO_QUERY" if read_only else "GRAPH.QUERY"
        pipe = store.redis.pipeline(transaction=False)
        for name, params in queries:
            query = params_header_bytes(params) + query_bytes(name)
            pipe.execute_command(command, store.graph_name, query, "--compact")  # type: ignore[no-untyped-call]
        replies = pipe.execute(raise_on_error=False)
        return [reply if isinstance(reply, Exception) else ids_of(reply) for reply in replies]

    def _query(
        self, name: str, params: dict[str, Any], *, read_only: bool = False
    ) -> dict[str, int]:
        """Run one query returning ``id, node_id`` rows; the ids as a dict."""
        store = self.store
        query = params_header(params) + load_query(name)
        if store.profile is not None:
            store.profile_query(name, query)
            if name.startswith("create_"):
                # GRAPH.PROFILE ran the CREATE: its MERGE twin, which is idempotent, returns
                # the ids
                query = params_header(params) + load_query(name.replace("create_", "ensure_"))
        command = "GRAPH.RO_QUERY" if read_only else "GRAPH.QUERY"
        return ids_of(store.redis.execute_command(command, store.graph_name, query, "--compact"))
