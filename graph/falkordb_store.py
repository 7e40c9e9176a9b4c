"""The graph store on FalkorDB (native Redis protocol).

Exactly once in effect: under a short writer lock, the batch's tx_ids are checked against a
Redis set of applied ids, and then one MULTI/EXEC applies the graph write (a single query, so
FalkorDB's undo log makes it all-or-nothing), records the ids as applied and appends the batch
to the edge log that batch analytics read. A worker killed anywhere before EXEC leaves nothing;
one killed after it finds the ids applied when the entries are redelivered.

Speed: nodes are addressed by internal id from a client-side cache, looked up or created only
when unseen (graph/nodeids.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

import redis
from falkordb import FalkorDB, Graph
from redis.exceptions import LockError
from redis.lock import Lock

from core.errors import GraphUnavailableError, RingscopeError
from core.events import Event
from core.ports import ApplyResult, PreparedBatch
from core.scores import TxScore
from core.transactions import TransactionRecord
from graph.batch import (
    LINK_EDGES,
    MONEY_EDGES,
    NODE_LABELS,
    BatchPlan,
    PlannedWrites,
)
from graph.cypher import load_query, query_bytes
from graph.decode import as_text
from graph.edgelog import RedisEdgeLog
from graph.ipsightings import IpSettlement, State, ips_key, settle_ips
from graph.nodecache import NodeCache, chunks
from graph.nodeids import NodeIds, ids_of, lookup_command
from graph.resp import FastPacker
from graph.rings import FalkorRings
from graph.schema import ensure_schema
from graph.writeparams import (
    Premapped,
    Serialised,
    params_header,
    params_header_bytes,
    split_new,
    tx_insert_args,
)

if TYPE_CHECKING:  # pyarrow is imported only by the loaders that plan column by column
    import pyarrow as pa

logger = logging.getLogger(__name__)

_LOCK_TTL_MS = 15_000


class FalkorStore(PlannedWrites):
    """GraphStore on a FalkorDB server at ``url`` (``redis://host:port``)."""

    def __init__(self, url: str, graph_name: str = "ringscope") -> None:
        self.url = url
        self.graph_name = graph_name
        try:
            self.db = FalkorDB.from_url(url, command_packer=FastPacker())
        except redis.RedisError as exc:
            raise GraphUnavailableError(f"cannot reach FalkorDB at {url}: {exc}") from exc
        self.redis: redis.Redis[Any] = self.db.connection
        self.graph: Graph = self.db.select_graph(graph_name)
        self.seen_key = f"ringscope:{graph_name}:applied"
        self.log_key = f"ringscope:{graph_name}:log"
        self.ips_key = ips_key(graph_name)  # addresses one account has used (graph/ipsightings.py)
        self.lock_key = f"ringscope:{graph_name}:writer"
        self.cache = NodeCache()  # internal ids, and links known to exist (graph/nodecache.py)
        self.node_ids = NodeIds(self)  # looks up and creates the nodes a batch names
        # benchmarks set this to a dict: writes then run as GRAPH.PROFILE and record, per query,
        # the execution time (ms) of each operation (benchmarks/ingest.py)
        self.profile: dict[str, dict[str, float]] | None = None

    # --- schema ---------------------------------------------------------------------------
    def ensure_schema(self) -> None:
        with self._translate():
            ensure_schema(self.graph)

    # --- writes ---------------------------------------------------------------------------
    def prepare_batch(
        self, events: Sequence[Event], scores: dict[str, TxScore] | None = None
    ) -> BatchPlan:
        plan = super().prepare_batch(events, scores)
        premapped = Premapped(plan, self.cache.ids, self.cache.links, self.cache.generation)
        plan.serialised = Serialised(plan, premapped)
        return plan

    def prepare_columns(self, table: pa.Table, raws: list[str]) -> BatchPlan:
        """``prepare_batch`` of a clean batch of transaction lines, planned column by column
        (``ingest.columnar.read_clean``'s table: no event objects)."""
        from graph.bulkcolumns import batch_plan

        plan = batch_plan(table, raws)
        plan.serialised = Serialised(
            plan, Premapped(plan, self.cache.ids, self.cache.links, self.cache.generation)
        )
        return plan

    def apply_prepared(self, prepared: PreparedBatch) -> ApplyResult:
        plan = self.as_plan(prepared)
        if plan.is_empty():
            return ApplyResult()
        with self._translate(), self._writer_lock():
            first = self._first_round(plan)
            if first is None:  # the graph is new or was deleted under us, or profiling
                self._check_graph_epoch()
                plan = self.fresh_part(plan)
                if not plan.tx_ids and not plan.accounts:
                    return ApplyResult(duplicates=plan.duplicates)
                absent = self.node_ids.look_up(self.cache.uncached(plan))
                states = self._ip_states(plan)
            else:
                applied, absent, states = first
                if applied:  # re-sent transactions: planned again without them
                    plan = plan.without(applied)
                if not plan.tx_ids and not plan.accounts:
                    return ApplyResult(duplicates=plan.duplicates)
            ips = self._settle_ips(plan, states, absent)
            ids, created = self.node_ids.create(ips.plan, absent)
            params = self._commit(ips, ids, created)
        self.cache.remember_links(params)  # after the lock: only this writer reads its cache
        return ApplyResult(
            applied=len(plan.tx_ids),
            duplicates=plan.duplicates,
            accounts=len(plan.accounts),
            applied_ids=tuple(plan.tx_ids),
        )

    def applied_ids(self, tx_ids: Sequence[str]) -> set[str]:
        if not tx_ids:
            return set()
        with self._translate():
            flags = self.redis.smismember(self.seen_key, list(tx_ids))  # type: ignore[no-untyped-call]
        return {tx for tx, flag in zip(tx_ids, flags, strict=True) if flag}

    def _check_graph_epoch(self) -> None:
        """If the graph was deleted under us, forget cached ids and the applied-id set."""
        if not self.redis.exists(self.graph_name):
            self.cache.forget()
            self.redis.delete(self.seen_key, self.log_key, self.ips_key)
            ensure_schema(self.graph)

    def _ip_states(self, plan: BatchPlan) -> dict[str, State]:
        """The sightings-hash values of the plan's addresses whose node ids are not cached."""
        ips = self.cache.uncached_ips(plan)
        return dict(zip(ips, self.redis.hmget(self.ips_key, ips), strict=True)) if ips else {}

    def _settle_ips(
        self, plan: BatchPlan, states: dict[str, State], absent: dict[str, list[str]]
    ) -> IpSettlement:
        """Which of the plan's addresses get a node now (``absent["IP"]``), and the plan to
        write (graph/ipsightings.py); looks up the node ids of addresses shared before and of
        the first accounts whose links the plan gained."""
        done = plan.serialised
        users = done.ip_users if isinstance(done, Serialised) and done.of(plan) else None
        settled = settle_ips(plan, states, self.cache.ids["IP"], users)
        accounts = self.cache.ids["Account"]
        work = [
            ("IP", settled.lookup),
            ("Account", [a for a in set(settled.first_users) if a not in accounts]),
        ]
        missing = self.node_ids.look_up(
            [(label, chunk) for label, ids in work for chunk in chunks(ids)]
        )
        # an address not found: the hash and the graph disagree (say, a graph restored alone)
        absent["IP"] = settled.create + missing["IP"]
        if missing["Account"]:  # as unlikely: the first account's link is left out
            logger.warning("first users of shared addresses not found: %s", missing["Account"])
            gone = set(missing["Account"])
            links = settled.plan.links["from_ip"]
            for pair in [p for p in links if p[0] in gone]:
                del links[pair]
        return settled

    def _first_round(
        self, plan: BatchPlan
    ) -> tuple[set[str], dict[str, list[str]], dict[str, State]] | None:
        """One round trip under the lock for what the write needs to know first: that the graph
        exists, which of the batch's tx_ids are applied, the internal ids of the nodes it names
        that are not cached (those not found are absent, under the lock) and the sightings of
        its uncached IP addresses. None when the graph does not exist (or when profiling):
        then it goes one step at a time."""
        if self.profile is not None:
            return None
        work = self.cache.uncached(plan)
        ips = self.cache.uncached_ips(plan)
        pipe = self.redis.pipeline(transaction=False)
        pipe.exists(self.graph_name)
        if plan.tx_ids:
            pipe.smismember(self.seen_key, plan.tx_ids)  # type: ignore[no-untyped-call]
        if ips:
            pipe.hmget(self.ips_key, ips)
        for label, chunk in work:
            pipe.execute_command(*lookup_command(self.graph_name, label, chunk))  # type: ignore[no-untyped-call]
        replies = pipe.execute(raise_on_error=False)
        if replies[0] != 1:
            return None
        for reply in replies:
            if isinstance(reply, Exception):
                raise reply
        applied: set[str] = set()
        if plan.tx_ids:
            flags = replies[1]
            applied = {tx for tx, flag in zip(plan.tx_ids, flags, strict=True) if flag}
        absent: dict[str, list[str]] = {label: [] for label in NODE_LABELS}
        offset = 2 if plan.tx_ids else 1  # after EXISTS and SMISMEMBER
        states: dict[str, State] = {}
        if ips:
            states = dict(zip(ips, replies[offset], strict=True))
            offset += 1
        for (label, chunk), reply in zip(work, replies[offset:], strict=True):
            found = ids_of(reply)
            absent[label] += self.cache.found(label, chunk, found)
        return applied, absent, states

    def _commit(
        self, ips: IpSettlement, ids: dict[str, dict[str, int]], created: set[int]
    ) -> dict[str, Any]:
        """Write the batch in one MULTI/EXEC; the query's parameters."""
        plan = ips.plan
        done = plan.serialised if isinstance(plan.serialised, Serialised) else None
        if done is None or not done.of(plan):  # planned again without some transactions
            done = Serialised(plan)
        pre = done.premapped
        if pre is not None and pre.generation != self.cache.generation:
            pre = None
        params: dict[str, Any] = {"last_tx": plan.tx_ids[-1] if plan.tx_ids else None}
        for name in MONEY_EDGES:
            if pre is None:
                params[name], params[f"{name}_new"] = split_new(plan.money_rows(name, ids), created)
            else:  # premapped rows have no end made now: both existed before
                old, new = split_new(plan.money_rows(name, ids, pre.rest[name]), created)
                params[name], params[f"{name}_new"] = pre.rows[name] + old, new
        for name, known in self.cache.links.items():
            if pre is None or name not in pre.rows:
                rows, ready = plan.link_rows(name, ids, known), []
            else:
                rows, ready = plan.link_rows(name, ids, known, pre.rest[name]), pre.rows[name]
            if name in LINK_EDGES:
                old, new = split_new(rows, created)
                params[name], params[f"{name}_new"] = ready + old, new
            else:
                params[name] = ready + rows
        params["accounts"] = [[ids["Account"][a.account_id], a.opened_at] for a in plan.accounts]
        query = params_header_bytes(params) + query_bytes("apply_batch")
        pipe = self.redis.pipeline(transaction=True)
        if plan.tx_ids:  # the Transaction nodes first: the query checks that they are there
            insert = tx_insert_args(len(plan.tx_ids), done.tx_records)
            pipe.execute_command("GRAPH.BULK", self.graph_name, *insert)  # type: ignore[no-untyped-call]
        if self.profile is not None:
            pipe.execute_command("GRAPH.PROFILE", self.graph_name, query)  # type: ignore[no-untyped-call]
        else:
            pipe.execute_command("GRAPH.QUERY", self.graph_name, query, "--compact")  # type: ignore[no-untyped-call]
        if ips.writes:
            pipe.hset(self.ips_key, mapping=ips.writes)  # type: ignore[arg-type]
        if plan.tx_ids:
            pipe.sadd(self.seen_key, *plan.tx_ids)
        pipe.xadd(self.log_key, {"rows": done.log})
        results = pipe.execute(raise_on_error=False)
        failed = next(
            (r for r in results[: 2 if plan.tx_ids else 1] if isinstance(r, Exception)), None
        )
        if failed is not None:  # the query was rolled back, or applied nothing (no nodes)
            try:
                self._undo(ips, results)
            except redis.RedisError:
                logger.error(
                    "graph write failed and taking it back failed too: the tx_ids %s .. %s stay "
                    "marked applied without their edges (reload them after removing them from %s)",
                    plan.tx_ids[:1],
                    plan.tx_ids[-1:],
                    self.seen_key,
                )
                raise
            raise RingscopeError(f"graph write failed, batch not applied: {failed}")
        if self.profile is not None:
            self._record_profile("apply_batch", results[1 if plan.tx_ids else 0])
        return params

    def profile_query(self, name: str, query: str) -> None:
        """Run ``query`` under GRAPH.PROFILE (which runs it) and record its operations."""
        self._record_profile(
            name, self.redis.execute_command("GRAPH.PROFILE", self.graph_name, query)
        )

    def _record_profile(self, name: str, lines: list[Any]) -> None:
        """Sum a GRAPH.PROFILE reply's per-operation execution times (ms) into self.profile."""
        assert self.profile is not None
        ops = self.profile.setdefault(name, {})
        for raw in lines:
            line = as_text(raw)
            op, _, rest = line.strip().partition("|")
            _, _, ms = rest.partition("Execution time:")
            if ms:
                key = op.strip()
                ops[key] = ops.get(key, 0.0) + float(ms.split()[0])

    def _undo(self, ips: IpSettlement, results: list[Any]) -> None:
        """The batch's insert or query failed (a failed query is rolled back, and applies
        nothing if the insert failed): take back what EXEC did beside it, in one MULTI/EXEC of
        its own: all of that is taken back, or (when even that cannot reach the server) none
        of it, never a part."""
        plan = ips.plan
        pipe = self.redis.pipeline(transaction=True)
        if plan.tx_ids and not isinstance(results[0], Exception):
            pipe.execute_command(  # type: ignore[no-untyped-call]
                "GRAPH.QUERY",
                self.graph_name,
                params_header({"ids": plan.tx_ids}) + load_query("delete_transactions"),
            )
        if plan.tx_ids:
            pipe.srem(self.seen_key, *plan.tx_ids)
        for ip, before in ips.undo.items():
            if before is None:
                pipe.hdel(self.ips_key, ip)
            else:
                pipe.hset(self.ips_key, ip, before)
        log_id = results[-1]
        if isinstance(log_id, bytes | str):
            pipe.xdel(self.log_key, log_id)
        pipe.execute()

    @contextmanager
    def _writer_lock(self) -> Iterator[None]:
        lock = writer_lock(self.redis, self.lock_key, _LOCK_TTL_MS)
        if not lock.acquire(blocking_timeout=2 * _LOCK_TTL_MS / 1000):
            raise GraphUnavailableError(f"writer lock {self.lock_key} not released in time")
        try:
            yield
        finally:
            with suppress(LockError):  # expired under a write longer than the TTL
                lock.release()

    @contextmanager
    def _translate(self) -> Iterator[None]:
        try:
            yield
        except (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError) as exc:
            # Internal ids may change if the server comes back from its AOF: start afresh.
            self.cache.forget()
            raise GraphUnavailableError(f"FalkorDB at {self.url} unavailable: {exc}") from exc

    # --- reads ----------------------------------------------------------------------------
    def find_transaction(self, tx_id: str) -> TransactionRecord | None:
        with self._translate():
            rows = self.graph.ro_query(load_query("find_transaction"), {"id": tx_id}).result_set
        return TransactionRecord.from_properties(rows[0][0].properties) if rows else None

    def find_transactions_between(
        self, since_ms: int, until_ms: int, limit: int = 1000
    ) -> list[TransactionRecord]:
        params = {"since": since_ms, "until": until_ms, "limit": limit}
        with self._translate():
            rows = self.graph.ro_query(load_query("find_transactions_between"), params).result_set
        return [TransactionRecord.from_properties(r[0].properties) for r in rows]

    def counts(self) -> dict[str, float]:
        """Nodes per label and summed edge counts per type, e.g. ``{"Account": 10, "PAID": 31}``."""
        out: dict[str, float] = {}
        with self._translate():
            if not self.redis.exists(self.graph_name):
                return out
            for label, n in self.graph.ro_query(load_query("count_graph")).result_set:
                out[label] = n
            for rel, count, _total in self.graph.ro_query(load_query("sum_edge_counts")).result_set:
                if count is not None:
                    out[rel] = count
        return out

    def rings(self) -> FalkorRings:
        """Detection's ring repository on this graph (the RingRepository port)."""
        return FalkorRings(self)

    def edge_log(self) -> RedisEdgeLog:
        """The edge log of this graph, for batch analytics (the EdgeLogReader port)."""
        return RedisEdgeLog(self.redis, self.log_key)

    def close(self) -> None:
        self.redis.close()
        # FalkorDB.from_url hands the client a pool it does not own: disconnect it explicitly
        self.redis.connection_pool.disconnect()


def writer_lock(client: redis.Redis[Any], key: str, ttl_ms: int) -> Lock:
    """The graph's writer lock (redis-py's: SET NX PX with a token, released by its holder only);
    bulk loads hold the same key (graph/bulk.py)."""
    return client.lock(key, timeout=ttl_ms / 1000, sleep=0.002, thread_local=False)
