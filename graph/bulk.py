"""Backfill into an empty graph with ``GRAPH.BULK``: the same end state as the append path.

``BulkBuilder`` takes the place of the store in the ordinary pipeline (parse, dead-letter, score
with ``--score``, plan), so batches are planned exactly as ``FalkorStore`` plans them (a batch of
plain transaction lines is planned column by column to the same result: graph/bulkcolumns.py). Each
batch's tx_ids and edge-log entry are written as it arrives (the applied set and the log end up
as the append path leaves them, which is also how duplicates across files are found); its
Transaction nodes are encoded and streamed to the server in large ``GRAPH.BULK`` calls; its
nodes and edges are folded into running aggregates with the append path's rules (a node's
``first_seen`` and a link's ``first_ts`` come from the first batch that saw it, money edges add
up batch sums in batch order, an account's ``opened_at`` is its last non-null value). Nodes other
than accounts stream to the server with the Transaction nodes; at the end the accounts and the
edges go in. The indexes and unique constraints are made on the empty graph first and kept up to
date by the inserts. The calls go out from a sender thread, so the server inserts one chunk
while the builder folds the next batch. (Streaming the link edges too, as their ends went, was
tried: on bank-like data it cost the server ~10% more CPU, likely as node inserts after edges
have to grow matrices that hold edges.)

Memory: Transaction nodes, tx_ids and log rows stream; the aggregates grow with the distinct
nodes and pairs (not with transactions).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from redis.exceptions import LockError

from core.errors import GraphUnavailableError, RingscopeError
from graph import bulkformat
from graph.batch import (
    EDGE_ENDS,
    IDENTITY_EDGES,
    LINK_EDGES,
    MONEY_EDGES,
    NODE_LABELS,
)
from graph.bulksend import BulkSender
from graph.bulktables import NodeTable, PairIndex
from graph.bulkwriter import BulkPart, BulkWriter
from graph.cypher import load_query
from graph.falkordb_store import FalkorStore, writer_lock
from graph.memory import GIB, default_bulk_limit, resident_bytes
from graph.schema import ensure_schema

if TYPE_CHECKING:  # pyarrow (and numpy) are imported only by the loaders that use them
    from graph.bulkcolumns import MoneyColumns
    from graph.bulkips import IpRows

logger = logging.getLogger(__name__)


# one GRAPH.BULK call: small, so that the last one, after the loaders are done, is short
_CHUNK_BYTES = 2 * 1024 * 1024
_LOCK_TTL_MS = 60_000
_CONSTRAINT_WAIT_S = 600.0
_HASH_CHUNK = 50_000  # sightings-hash fields a call


# Nodes sent as they are folded. Accounts wait (a later account event may set opened_at), and
# so do addresses (an IP node exists only once two accounts used it: graph/ipsightings.py).
_STREAMED = tuple(label for label in NODE_LABELS if label not in ("Account", "IP"))


class GraphNotEmptyError(RingscopeError):
    """``--bulk`` was pointed at a graph that already holds data."""


class BulkBuilder:
    """Builds graph ``store.graph_name`` from nothing: ``begin()``, ``fold()`` each batch's
    ``BulkPart`` in batch order, ``finish()`` (or ``abort()``).

    While it runs it holds the store's writer lock, so workers wait instead of writing into a
    half-built graph.
    """

    def __init__(
        self, store: FalkorStore, chunk_bytes: int = _CHUNK_BYTES, max_memory: int | None = None
    ) -> None:
        """``max_memory``: bytes this process may hold before ``over_memory()`` says so
        (default: half the memory available now)."""
        self.store = store
        self.max_memory = max_memory if max_memory is not None else default_bulk_limit()
        self.folded = 0  # transactions folded so far
        self.redis = store.redis
        self._sender = BulkSender(store.url, store.graph_name)
        self.chunk_bytes = chunk_bytes
        self._lock = writer_lock(self.redis, store.lock_key, _LOCK_TTL_MS)
        self._began = False
        self._sent_nodes = 0
        self._tx_blobs: list[bytes] = []
        self._tx_pending = 0
        self._tx_bytes = 0
        # label -> its nodes by code (0, 1, 2 ... in the order they are first folded). Nodes of
        # the _STREAMED labels are final once folded (first_seen comes from the first batch
        # that has them), so they go to the server with the Transaction nodes, while the
        # loaders work, not all at the end; an Account waits (a later account event may set
        # its opened_at).
        self._tables = {label: NodeTable() for label in NODE_LABELS}
        self._opened: dict[str, int] = {}
        # money edge -> its pairs and their rows in self._sums[edge], a pair's key being its
        # ends' codes in one int (source << 32 | target): a tuple of the two id strings cost
        # ~3x the memory, and the pairs are most of what the build holds
        self._money = {k: PairIndex() for k in MONEY_EDGES}
        self._sums: dict[str, list[Any]] = {}  # edge -> [counts, totals, firsts, lasts] arrays
        # link edge -> {pair key, as money's -> first_ts}: keyed by two id strings, as the
        # batches hand them over, a link cost ~300 bytes (its tuple and its own copies of the
        # strings), and there is about one per account and device
        self._links: dict[str, dict[int, int]] = {k: {} for k in (*LINK_EDGES, *IDENTITY_EDGES)}
        self._ips: list[IpRows] = []  # each batch's address links, settled at the end

    # --- lifecycle ------------------------------------------------------------------------
    def begin(self) -> None:
        """Refuse a graph that holds anything; take the writer lock; clear the empty schema."""
        r, s = self.redis, self.store
        if not self._lock.acquire(blocking=False):
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
            # only indexes so far (GRAPH.BULK BEGIN needs no key), and no sighting can stand
            r.delete(s.graph_name, s.ips_key)
            self._bulk([], [], 0, 0)  # BEGIN: an empty graph, then its schema while it is
            self._sender.drain()  # empty (bulk inserts keep indexes up to date, and indexing as we
            ensure_schema(s.graph)  # go costs less than indexing at the end)
            self._wait_constraints()
        except BaseException:
            self._unlock()
            raise

    def writer(self, sink: Callable[[BulkPart], None] | None = None) -> BulkWriter:
        """The store port that hands each batch to ``sink`` (default: this build's ``fold``),
        in this process."""
        return BulkWriter(self.store, sink or self.fold)

    def finish(self) -> None:
        """Send the accounts and the edges, wait for the constraints, release the lock."""
        try:
            self._flush_transactions()
            self._settle_ips()
            self._send_nodes()
            self._send_edges()
            self._sender.drain()
            self._wait_constraints()
        finally:
            self._unlock()

    def abort(self) -> None:
        """Leave the graph empty again after a failure (scoring state, if any, stays)."""
        s = self.store
        try:
            self._sender.close(discard=True)  # before the delete: no call may recreate the graph
            self.redis.delete(s.graph_name, s.seen_key, s.log_key, s.ips_key)
        finally:
            self._unlock()

    # --- folding batches ------------------------------------------------------------------
    def fold(self, part: BulkPart) -> None:
        """Add one batch (in batch order) to what finish() sends; stream its Transaction nodes."""
        self._refresh_lock()
        if part.txs:
            self._tx_blobs.append(part.tx_blob)
            self._tx_pending += part.txs
            self._tx_bytes += len(part.tx_blob)
            if self._tx_bytes >= self.chunk_bytes:
                self._flush_transactions()
        for label, seen in part.nodes.items():
            self._tables[label].add(seen)  # an earlier batch's first_seen stands
        for account_id, opened_at in part.opened:
            self._opened[account_id] = opened_at
        for name, columns in part.money.items():
            self._fold_money(name, columns)
        for name, links in part.links.items():
            self._fold_links(name, links)
        if part.ips is not None:
            self._ips.append(part.ips)
        self.folded += part.txs

    def over_memory(self) -> str | None:
        """Whether this process holds more than ``max_memory`` (the running totals grow with
        the distinct nodes, pairs and addresses): then why, in words; else None."""
        held = resident_bytes()
        if held <= self.max_memory:
            return None
        return (
            f"the --bulk build held {held / GIB:.2f} GiB after {self.folded:,} transactions, "
            f"over the {self.max_memory / GIB:.2f} GiB it may (--bulk-max-memory)"
        )

    def _fold_money(self, name: str, columns: MoneyColumns) -> None:
        """Add a batch's sums per pair to the running ones (a pair occurs once in a batch, so
        each total grows by one addition per batch, in batch order, as the append path's)."""
        import numpy as np

        src, dst, count, total, first, last = columns
        src_label, dst_label = EDGE_ENDS[name]  # both ends were folded by now, in this batch
        s = np.fromiter(map(self._tables[src_label].codes.__getitem__, src), np.int64, len(src))
        d = np.fromiter(map(self._tables[dst_label].codes.__getitem__, dst), np.int64, len(dst))
        index = self._money[name]
        rows = index.rows((s << 32) | d)
        self._grow_sums(name, len(index))
        counts, totals, firsts, lasts = self._sums[name]
        counts[rows] += count
        totals[rows] = totals[rows] + total
        firsts[rows] = np.minimum(firsts[rows], first)
        lasts[rows] = np.maximum(lasts[rows], last)

    def _fold_links(self, name: str, links: dict[tuple[str, str], int]) -> None:
        """Add the links not folded before (an earlier batch's first_ts stands)."""
        src_label, dst_label = EDGE_ENDS[name]  # both ends were folded by now
        src, dst = self._tables[src_label].codes, self._tables[dst_label].codes
        keep = self._links[name].setdefault
        for (a, b), first_ts in links.items():
            keep(src[a] << 32 | dst[b], first_ts)

    def _grow_sums(self, name: str, size: int) -> None:
        import numpy as np

        have = self._sums.get(name)
        if have is not None and len(have[0]) >= size:
            return
        room = max(size, 2 * len(have[0]) if have else 1024)
        grown = [
            np.zeros(room, np.int64),
            np.zeros(room, np.float64),
            np.full(room, np.iinfo(np.int64).max, np.int64),
            np.full(room, np.iinfo(np.int64).min, np.int64),
        ]
        if have is not None:
            for new, old in zip(grown, have, strict=True):
                new[: len(old)] = old
        self._sums[name] = grown

    # --- sending --------------------------------------------------------------------------
    def _flush_transactions(self) -> None:
        if self._tx_pending:
            self._bulk([bulkformat.TX_HEADER + b"".join(self._tx_blobs)], [], self._tx_pending, 0)
            self._tx_blobs, self._tx_pending, self._tx_bytes = [], 0, 0
        for label in _STREAMED:
            self._send_label(label)

    def _settle_ips(self) -> None:
        """Keep the IP nodes and FROM_IP links of the addresses two accounts used; record every
        address in the sightings hash as the append path leaves it (graph/bulkips.py)."""
        from graph import bulkips

        settled = bulkips.settle(self._ips)  # and lets the batches go
        self._tables["IP"].add(settled.nodes)
        self._fold_links("from_ip", settled.links)
        for chunk in settled.hash_chunks(_HASH_CHUNK):
            self._refresh_lock()
            self.redis.hset(self.store.ips_key, mapping=chunk)  # type: ignore[arg-type]

    def _send_label(self, label: str) -> None:
        """Send the nodes of one label not sent yet; they get the next internal ids, in code
        order."""
        from graph.bulkcolumns import node_records

        table = self._tables[label]
        start, stop = table.sent, len(table)
        if start == stop:
            return
        account = label == "Account"
        head = bulkformat.header(label, ["id", "first_seen", *(["opened_at"] if account else [])])
        table.mark_sent(stop, self._sent_nodes)
        step = max(1, self.chunk_bytes // 64)  # nodes a call (ids are short)
        for i in range(start, stop, step):
            j = min(i + step, stop)
            chunk = table.names[i:j]
            opened = [self._opened.get(n) for n in chunk] if account else None
            blob = node_records(chunk, table.first_seen(i, j), opened)
            self._bulk([head + blob], [], j - i, 0)

    def _send_nodes(self) -> None:
        """Send the nodes not sent yet."""
        for label in NODE_LABELS:
            self._send_label(label)
        self._opened.clear()

    def _send_edges(self) -> None:
        import numpy as np

        # by label, each code's internal id
        by_code = {label: table.internal() for label, table in self._tables.items()}
        for name in (*MONEY_EDGES, *LINK_EDGES, *IDENTITY_EDGES):
            src_label, dst_label = EDGE_ENDS[name]
            pairs = self._money[name] if name in MONEY_EDGES else self._links[name]
            if not pairs:
                continue
            # in the order pairs were first folded (a money pair's row order)
            if isinstance(pairs, PairIndex):
                keys = pairs.keys()
            else:
                keys = np.fromiter(pairs, np.int64, len(pairs))
            s, d = by_code[src_label][keys >> 32], by_code[dst_label][keys & 0xFFFFFFFF]
            props: tuple[tuple[str, Sequence[Any]], ...]
            if name in MONEY_EDGES:
                head = bulkformat.header(name.upper(), ["count", "total", "first_ts", "last_ts"])
                c, t, f, la = (column[: len(pairs)] for column in self._sums.pop(name))
                props = (("int", c), ("float", t), ("int", f), ("int", la))
            elif name in LINK_EDGES:
                head = bulkformat.header(name.upper(), ["first_ts"])
                props = (("int", list(self._links[name].values())),)
            else:
                head = bulkformat.header(name.upper(), [])
                props = ()
            step = max(1, self.chunk_bytes // (16 + 9 * len(props)))
            for i in range(0, len(s), step):
                blob = bulkformat.edge_records(
                    s[i : i + step], d[i : i + step], *[(k, v[i : i + step]) for k, v in props]
                )
                self._bulk([], [head + blob], 0, len(s[i : i + step]))
            pairs.clear()
        self._tables.clear()

    def _bulk(self, labels: list[bytes], reltypes: list[bytes], nodes: int, edges: int) -> None:
        """Queue one ``GRAPH.BULK`` call (``graph.bulksend``: sent while this thread folds on)."""
        self._refresh_lock()
        args: list[Any] = [nodes, edges, len(labels), len(reltypes), *labels, *reltypes]
        if not self._began:
            args.insert(0, "BEGIN")
            self._began = True
        self._sender.send(args)
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

    def keep_lock(self) -> None:
        """Extend the writer lock while waiting on loader processes."""
        self._refresh_lock()

    def _refresh_lock(self) -> None:
        with suppress(LockError):  # expired already: there is nothing to extend
            self._lock.reacquire()

    def _unlock(self) -> None:
        self._sender.close(discard=True)
        with suppress(LockError):  # expired, or never taken (begin refused)
            self._lock.release()
