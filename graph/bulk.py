"""Backfill into an empty graph with ``GRAPH.BULK``: the same end state as the append path.

``BulkBuilder`` takes the place of the store in the ordinary pipeline (parse, dead-letter, score
with ``--score``, plan), so batches are planned exactly as ``FalkorStore`` plans them. Each
batch's tx_ids and edge-log entry are written as it arrives (the applied set and the log end up
as the append path leaves them, which is also how duplicates across files are found); its
Transaction nodes are encoded and streamed to the server in large ``GRAPH.BULK`` calls; its
nodes and edges are folded into running aggregates with the append path's rules (a node's
``first_seen`` and a link's ``first_ts`` come from the first batch that saw it, money edges add
up batch sums in batch order, an account's ``opened_at`` is its last non-null value). At the end
the entity nodes and the edges go in, then the indexes and unique constraints are built.

Memory: Transaction nodes, tx_ids and log rows stream; the aggregates grow with the distinct
nodes and pairs (not with transactions).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence
from typing import Any

import orjson
import redis

from core.errors import GraphUnavailableError, RingscopeError
from core.ports import ApplyResult, PreparedBatch
from core.transactions import TransactionRecord
from graph import bulkformat
from graph.batch import (
    EDGE_ENDS,
    IDENTITY_EDGES,
    LINK_EDGES,
    MONEY_EDGES,
    NODE_LABELS,
    TX_PROPERTIES,
    BatchPlan,
    PlannedWrites,
)
from graph.cypher import load_query
from graph.falkordb_store import FalkorStore
from graph.schema import ensure_schema

logger = logging.getLogger(__name__)

_CHUNK_BYTES = 32 * 1024 * 1024  # one GRAPH.BULK call
_LOCK_TTL_MS = 60_000
_CONSTRAINT_WAIT_S = 600.0


class GraphNotEmptyError(RingscopeError):
    """``--bulk`` was pointed at a graph that already holds data."""


class BulkBuilder(PlannedWrites):
    """Builds graph ``store.graph_name`` from nothing; use ``begin()``, the pipeline, ``finish()``.

    While it runs it holds the store's writer lock, so workers wait instead of writing into a
    half-built graph.
    """

    def __init__(self, store: FalkorStore, chunk_bytes: int = _CHUNK_BYTES) -> None:
        self.store = store
        self.redis = store.redis
        self.graph_name = store.graph_name
        self.chunk_bytes = chunk_bytes
        self._token = uuid.uuid4().hex
        self._began = False
        self._sent_nodes = 0
        self._tx_blobs: list[bytes] = []
        self._tx_pending = 0
        self._tx_bytes = 0
        self._tx_header = bulkformat.header("Transaction", TX_PROPERTIES)
        # label -> {event id -> first_seen}
        self._nodes: dict[str, dict[str, int]] = {label: {} for label in NODE_LABELS}
        self._opened: dict[str, int] = {}
        self._money: dict[str, dict[tuple[str, str], list[Any]]] = {k: {} for k in MONEY_EDGES}
        self._links: dict[str, dict[tuple[str, str], int]] = {
            k: {} for k in (*LINK_EDGES, *IDENTITY_EDGES)
        }

    # --- lifecycle ------------------------------------------------------------------------
    def begin(self) -> None:
        """Refuse a graph that holds anything; take the writer lock; clear the empty schema."""
        r, s = self.redis, self.store
        if not r.set(s.lock_key, self._token, nx=True, px=_LOCK_TTL_MS):
            raise GraphUnavailableError(
                f"another writer holds {s.lock_key}: stop workers and loaders before --bulk"
            )
        try:
            nodes = self._node_count()
            applied = int(r.scard(s.seen_key))
            logged = int(r.xlen(s.log_key)) if r.exists(s.log_key) else 0
            if nodes or applied or logged:
                raise GraphNotEmptyError(
                    f"graph {s.graph_name!r} is not empty ({nodes:,} nodes, {applied:,} applied "
                    f"transactions, {logged:,} edge-log entries): --bulk only builds a new graph. "
                    "Load into it without --bulk, or delete the graph first."
                )
            r.delete(s.graph_name)  # only indexes so far; GRAPH.BULK BEGIN needs no key
        except BaseException:
            self._unlock()
            raise

    def finish(self) -> None:
        """Send the entity nodes and edges, build indexes and constraints, release the lock."""
        try:
            self._flush_transactions()
            ids = self._send_nodes()
            self._send_edges(ids)
            if not self._began:  # nothing at all was loaded
                self._bulk([], [], 0, 0)
            self._refresh_lock()
            ensure_schema(self.store.graph)
            self._wait_constraints()
        finally:
            self._unlock()

    def abort(self) -> None:
        """Leave the graph empty again after a failure (scoring state, if any, stays)."""
        s = self.store
        try:
            self.redis.delete(s.graph_name, s.seen_key, s.log_key)
        finally:
            self._unlock()

    # --- the store port -------------------------------------------------------------------
    def applied_ids(self, tx_ids: Sequence[str]) -> set[str]:
        return self.store.applied_ids(tx_ids)

    def apply_prepared(self, prepared: PreparedBatch) -> ApplyResult:
        plan = self.fresh_part(self.as_plan(prepared))
        if not plan.txs and not plan.accounts:
            return ApplyResult(duplicates=plan.duplicates)
        self._refresh_lock()
        pipe = self.redis.pipeline(transaction=True)
        if plan.tx_ids:
            pipe.sadd(self.store.seen_key, *plan.tx_ids)
        pipe.xadd(self.store.log_key, {"rows": orjson.dumps(plan.log_rows)})
        pipe.execute()
        self._fold(plan)
        return ApplyResult(
            applied=len(plan.txs), duplicates=plan.duplicates, accounts=len(plan.accounts),
            applied_ids=tuple(plan.tx_ids),
        )  # fmt: skip

    # the rest of the GraphStore port: reads see what has been built so far
    def ensure_schema(self) -> None:
        """Indexes and constraints are built by ``finish()``, after the data."""

    def find_transaction(self, tx_id: str) -> TransactionRecord | None:
        return self.store.find_transaction(tx_id)

    def find_transactions_between(
        self, since_ms: int, until_ms: int, limit: int = 1000
    ) -> list[TransactionRecord]:
        return self.store.find_transactions_between(since_ms, until_ms, limit)

    def counts(self) -> dict[str, float]:
        return self.store.counts()

    def close(self) -> None:
        """The store belongs to the caller."""

    # --- folding batches ------------------------------------------------------------------
    def _fold(self, plan: BatchPlan) -> None:
        record = bulkformat.node_record
        blobs = [record(row) for row in plan.txs]
        self._tx_blobs.extend(blobs)
        self._tx_pending += len(blobs)
        self._tx_bytes += sum(map(len, blobs))
        if self._tx_bytes >= self.chunk_bytes:
            self._flush_transactions()
        for label, seen in plan.nodes.items():
            mine = self._nodes[label]
            for node_id, ts in seen.items():
                if node_id not in mine:
                    mine[node_id] = ts
        for a in plan.accounts:
            if a.opened_at is not None:
                self._opened[a.account_id] = a.opened_at
        for name, pairs in plan.money.items():
            agg = self._money[name]
            for pair, (count, total, first, last) in pairs.items():
                have = agg.get(pair)
                if have is None:
                    agg[pair] = [count, total, first, last]
                else:
                    have[0] += count
                    have[1] += total
                    have[2] = min(have[2], first)
                    have[3] = max(have[3], last)
        for name, links in plan.links.items():
            mine_links = self._links[name]
            for pair, ts in links.items():
                if pair not in mine_links:
                    mine_links[pair] = ts

    # --- sending --------------------------------------------------------------------------
    def _flush_transactions(self) -> None:
        if self._tx_pending:
            self._bulk([self._tx_header + b"".join(self._tx_blobs)], [], self._tx_pending, 0)
            self._tx_blobs, self._tx_pending, self._tx_bytes = [], 0, 0

    def _send_nodes(self) -> dict[str, dict[str, int]]:
        ids: dict[str, dict[str, int]] = {}
        for label in NODE_LABELS:
            seen = self._nodes[label]
            props = (
                ["id", "first_seen", "opened_at"] if label == "Account" else ["id", "first_seen"]
            )
            head = bulkformat.header(label, props)
            label_ids: dict[str, int] = {}
            blobs: list[bytes] = []
            size = 0
            opened = self._opened
            for node_id, first_seen in seen.items():
                values = [node_id, first_seen]
                if label == "Account":
                    values.append(opened.get(node_id))
                blob = bulkformat.node_record(values)
                label_ids[node_id] = self._sent_nodes + len(label_ids)
                blobs.append(blob)
                size += len(blob)
                if size >= self.chunk_bytes:
                    self._bulk([head + b"".join(blobs)], [], len(blobs), 0)
                    blobs, size = [], 0
            if blobs:
                self._bulk([head + b"".join(blobs)], [], len(blobs), 0)
            ids[label] = label_ids
            seen.clear()
        self._opened.clear()
        return ids

    def _send_edges(self, ids: dict[str, dict[str, int]]) -> None:
        edge = bulkformat.edge_record
        for name in (*MONEY_EDGES, *LINK_EDGES, *IDENTITY_EDGES):
            src_label, dst_label = EDGE_ENDS[name]
            src, dst = ids[src_label], ids[dst_label]
            rows: Any
            if name in MONEY_EDGES:
                head = bulkformat.header(name.upper(), ["count", "total", "first_ts", "last_ts"])
                rows = ((s, d, agg) for (s, d), agg in self._money[name].items())
            elif name in LINK_EDGES:
                head = bulkformat.header(name.upper(), ["first_ts"])
                rows = ((s, d, [ts]) for (s, d), ts in self._links[name].items())
            else:
                head = bulkformat.header(name.upper(), [])
                rows = ((s, d, []) for (s, d) in self._links[name])
            blobs: list[bytes] = []
            size = 0
            for s, d, values in rows:
                blob = edge(src[s], dst[d], values)
                blobs.append(blob)
                size += len(blob)
                if size >= self.chunk_bytes:
                    self._bulk([], [head + b"".join(blobs)], 0, len(blobs))
                    blobs, size = [], 0
            if blobs:
                self._bulk([], [head + b"".join(blobs)], 0, len(blobs))
            self._money.get(name, {}).clear()
            self._links.get(name, {}).clear()

    def _bulk(self, labels: list[bytes], reltypes: list[bytes], nodes: int, edges: int) -> None:
        self._refresh_lock()
        args: list[Any] = [nodes, edges, len(labels), len(reltypes), *labels, *reltypes]
        if not self._began:
            args.insert(0, "BEGIN")
            self._began = True
        try:
            self.redis.execute_command("GRAPH.BULK", self.store.graph_name, *args)
        except redis.ResponseError as exc:
            raise RingscopeError(
                f"GRAPH.BULK into {self.store.graph_name!r} failed: {exc}"
            ) from exc
        self._sent_nodes += nodes

    # --- helpers --------------------------------------------------------------------------
    def _node_count(self) -> int:
        if not self.redis.exists(self.store.graph_name):
            return 0
        rows = self.store.graph.ro_query(load_query("count_nodes")).result_set
        return int(rows[0][0])

    def _wait_constraints(self) -> None:
        deadline = time.monotonic() + _CONSTRAINT_WAIT_S
        while True:
            rows = self.store.graph.ro_query(load_query("constraint_status")).result_set
            if all(r[0] == "OPERATIONAL" for r in rows):
                return
            if any(r[0] == "FAILED" for r in rows):
                raise RingscopeError("a unique constraint failed to build after GRAPH.BULK")
            if time.monotonic() > deadline:
                raise RingscopeError("unique constraints still building after GRAPH.BULK")
            self._refresh_lock()
            time.sleep(0.05)

    def _refresh_lock(self) -> None:
        self.redis.pexpire(self.store.lock_key, _LOCK_TTL_MS)

    def _unlock(self) -> None:
        held = self.redis.get(self.store.lock_key)
        if held in (self._token, self._token.encode()):
            self.redis.delete(self.store.lock_key)
