"""The graph store over Bolt, with the official ``neo4j`` driver: Neo4j, or FalkorDB's own Bolt
endpoint.

Same port and graph contract as ``FalkorStore``, with no Redis beside it: the Transaction node
(unique ``id``) is the record of what was applied. A batch is written as one managed transaction
(``session.execute_write``): all or nothing on Neo4j. FalkorDB's endpoint acknowledges BEGIN and
COMMIT without keeping a transaction, so there every query must be safe alone: each one creates
its transactions and adds exactly those to the money edges, filtering on a per-call token, and
everything else it writes is an idempotent MERGE. A batch cut short and sent again therefore
changes each count once: exactly once in effect on both servers. See docs/bolt.md.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal

import neo4j
from neo4j import GraphDatabase, ManagedTransaction
from neo4j import exceptions as neo4j_errors

from core.errors import GraphUnavailableError, RingscopeError
from core.ports import ApplyResult, PreparedBatch
from core.transactions import TransactionRecord
from graph.batch import IDENTITY_EDGES, LINK_EDGES, NODE_LABELS, BatchPlan, PlannedWrites
from graph.bolt_params import chunk_rows, row_budget
from graph.cypher import load_query
from graph.ipsightings import SHARED, State, one_user, settle_ips
from graph.schema import EXTRA_INDEXES, UNIQUE_IDS

logger = logging.getLogger(__name__)

Flavour = Literal["neo4j", "falkordb"]
DIALECT = "neo4j"
# Transactions by address: how the Bolt store finds an address's one account so far
_BOLT_INDEXES = (("Transaction", "ip"),)
# transaction kind -> the query that stores it with its money edge (other kinds: no edge)
_MONEY_QUERIES = {
    "transfer": "apply_transfers",
    "payment": "apply_payments",
    "refund": "apply_refunds",
}


class BoltStore(PlannedWrites):
    """GraphStore over Bolt at ``uri`` (``bolt://host:7687`` or ``neo4j://...``).

    Args:
        graph_name: names this graph in logs and keys. Neo4j writes to ``database`` (None: the
            server's home database); FalkorDB's endpoint always writes to its graph
            ``falkordb`` (it cannot select another, docs/bolt.md).
        database: the Neo4j database, or None.
    """

    def __init__(
        self,
        uri: str,
        user: str,
        password: str,
        graph_name: str = "ringscope",
        database: str | None = None,
    ) -> None:
        self.uri = uri
        self.graph_name = graph_name
        self.database = database
        try:
            self.driver = GraphDatabase.driver(uri, auth=(user, password))
            self.driver.verify_connectivity()
        except (neo4j_errors.DriverError, neo4j_errors.Neo4jError, ValueError) as exc:
            raise GraphUnavailableError(f"cannot reach a Bolt server at {uri}: {exc}") from exc
        self.flavour: Flavour = self._detect_flavour()
        if self.flavour == "falkordb":
            self.database = None  # any database name makes FalkorDB pick a wrong graph
        logger.info("Bolt store on %s (%s)", uri, self.flavour)

    # --- plumbing ---------------------------------------------------------------------------
    def _detect_flavour(self) -> Flavour:
        """Neo4j answers ``dbms.components``; FalkorDB's endpoint (which calls itself Neo4j
        5.13 in its greeting) does not."""
        try:
            with self._session() as session:
                session.run("CALL dbms.components() YIELD name RETURN name").consume()
        except neo4j_errors.Neo4jError:
            return "falkordb"
        return "neo4j"

    @contextmanager
    def _session(self) -> Iterator[neo4j.Session]:
        try:
            with self.driver.session(database=self.database) as session:
                yield session
        except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired) as exc:
            raise GraphUnavailableError(f"Bolt server at {self.uri} unavailable: {exc}") from exc

    def _budget(self, query: str, **fixed: Any) -> int | None:
        return row_budget(query, fixed) if self.flavour == "falkordb" else None

    def _read(self, name: str, **params: Any) -> list[neo4j.Record]:
        query = load_query(name, dialect=DIALECT)

        def work(tx: ManagedTransaction) -> list[neo4j.Record]:
            return list(tx.run(query, params))

        with self._session() as session:
            try:
                return session.execute_read(work)
            except neo4j_errors.Neo4jError as exc:
                raise RingscopeError(f"query {name} failed on {self.uri}: {exc}") from exc

    # --- schema -----------------------------------------------------------------------------
    def ensure_schema(self) -> None:
        """Unique ids and lookup indexes; labels and properties come from graph/schema.py."""
        extra = [*EXTRA_INDEXES, *_BOLT_INDEXES]
        wanted = [(label, "id") for label in UNIQUE_IDS] + extra
        with self._session() as session:
            if self.flavour == "neo4j":
                for label in UNIQUE_IDS:
                    session.run(
                        f"CREATE CONSTRAINT ringscope_{label.lower()}_id IF NOT EXISTS "
                        f"FOR (n:{label}) REQUIRE n.id IS UNIQUE"
                    ).consume()
                for label, prop in extra:
                    session.run(
                        f"CREATE INDEX ringscope_{label.lower()}_{prop} IF NOT EXISTS "
                        f"FOR (n:{label}) ON (n.{prop})"
                    ).consume()
                return
            # FalkorDB: no IF NOT EXISTS, and unique constraints only by the native command
            have = session.execute_read(_falkor_indexes)
            for label, prop in wanted:
                if (label, prop) not in have:
                    session.execute_write(_run, f"CREATE INDEX FOR (n:{label}) ON (n.{prop})", {})

    # --- writes -----------------------------------------------------------------------------
    def apply_prepared(self, prepared: PreparedBatch) -> ApplyResult:
        plan = self.as_plan(prepared)
        if plan.is_empty():
            return ApplyResult()
        plan = self.fresh_part(plan)
        if not plan.txs and not plan.accounts:
            return ApplyResult(duplicates=plan.duplicates)
        plan = self._settle_ips(plan)
        with self._session() as session:
            try:
                created = session.execute_write(self._write_plan, plan)
            except neo4j_errors.Neo4jError as exc:
                raise RingscopeError(f"graph write failed, batch not applied: {exc}") from exc
        # a concurrent writer may have stored some of these meanwhile: they count as duplicates
        return ApplyResult(
            applied=created,
            duplicates=plan.duplicates + len(plan.txs) - created,
            accounts=len(plan.accounts),
            applied_ids=tuple(plan.tx_ids),
        )

    def _write_plan(self, tx: ManagedTransaction, plan: BatchPlan) -> int:
        """Every query of one batch, inside one managed transaction; returns transactions made.

        The idempotent writes (nodes, links, account events) go first and the transactions
        last, so a batch cut short leaves each stored transaction complete: when it is sent
        again, the transactions found stored are skipped with nothing of theirs missing.
        """
        self._write_entities(tx, plan)
        by_kind: dict[str, list[list[Any]]] = {}
        for row in plan.txs:
            by_kind.setdefault(row[2], []).append(row)
        return sum(
            self._write_rows(tx, _MONEY_QUERIES.get(kind, "apply_transactions"), rows)
            for kind, rows in by_kind.items()
        )

    def _settle_ips(self, plan: BatchPlan) -> BatchPlan:
        """The plan with IP nodes and FROM_IP links only for addresses two accounts have used
        (graph/ipsightings.py), judged from the IP nodes and the stored transactions."""
        ips = list(plan.nodes["IP"])
        states: dict[str, State] = {}
        first: dict[str, tuple[int, str]] = {}
        for name in ("ip_sightings", "ip_nodes"):  # chunks that fit FalkorDB's Bolt buffer
            for chunk in chunk_rows(ips, self._budget(load_query(name, dialect=DIALECT))):
                for r in self._read(name, ids=chunk):
                    if name == "ip_nodes":
                        states[r["ip"]] = SHARED
                    else:  # the earliest account, were there more
                        seen = (r["first_ts"], r["account_id"])
                        first[r["ip"]] = min(first.get(r["ip"], seen), seen)
        for ip, (ts, account) in first.items():
            states.setdefault(ip, one_user(account, ts))
        return settle_ips(plan, states, {}).plan

    def _write_entities(self, tx: ManagedTransaction, plan: BatchPlan) -> None:
        for label in NODE_LABELS:
            rows = [[k, ts] for k, ts in plan.nodes[label].items()]
            self._write_rows(tx, f"ensure_{label.lower()}_nodes", rows)
        for name in (*LINK_EDGES, *IDENTITY_EDGES):
            rows = [[s, d, ts] for (s, d), ts in plan.links[name].items()]
            if name in IDENTITY_EDGES:
                rows = [r[:2] for r in rows]
            self._write_rows(tx, f"apply_{name}_links", rows)
        accounts = [[a.account_id, a.opened_at] for a in plan.accounts]
        self._write_rows(tx, "apply_accounts", accounts)

    def _write_rows(self, tx: ManagedTransaction, name: str, rows: list[list[Any]]) -> int:
        """Run one query over ``rows`` in chunks that fit the server; sums the first column."""
        if not rows:
            return 0
        query = load_query(name, dialect=DIALECT)
        key = "txs" if name in _MONEY_QUERIES.values() or name == "apply_transactions" else "rows"
        token = uuid.uuid4().hex
        fixed = {"token": token} if key == "txs" else {}
        total = 0
        for chunk in chunk_rows(rows, self._budget(query, **fixed)):
            record = tx.run(query, {key: chunk, **fixed}).single()
            total += int(record[0] or 0) if record is not None else 0
        return total

    def applied_ids(self, tx_ids: Sequence[str]) -> set[str]:
        if not tx_ids:
            return set()
        query = load_query("applied_ids", dialect=DIALECT)
        found: set[str] = set()
        for chunk in chunk_rows(list(tx_ids), self._budget(query)):
            found.update(r["id"] for r in self._read("applied_ids", ids=chunk))
        return found

    # --- reads ------------------------------------------------------------------------------
    def find_transaction(self, tx_id: str) -> TransactionRecord | None:
        rows = self._read("find_transaction", id=tx_id)
        return TransactionRecord.from_properties(dict(rows[0]["t"])) if rows else None

    def find_transactions_between(
        self, since_ms: int, until_ms: int, limit: int = 1000
    ) -> list[TransactionRecord]:
        rows = self._read("find_transactions_between", since=since_ms, until=until_ms, limit=limit)
        return [TransactionRecord.from_properties(dict(r["t"])) for r in rows]

    def counts(self) -> dict[str, float]:
        """Nodes per label and summed edge counts per type, as ``FalkorStore.counts``."""
        out: dict[str, float] = {}
        for label, n in self._read("count_graph"):
            out[label] = n
        for rel, count, _total in self._read("sum_edge_counts"):
            if count is not None:
                out[rel] = count
        return out

    def edge_totals(self) -> dict[str, float]:
        """Summed ``total`` per money-edge type (for comparing stores)."""
        return {rel: total for rel, _count, total in self._read("sum_edge_counts") if total}

    def close(self) -> None:
        if self.flavour == "falkordb":
            _drop_without_goodbye(self.driver)
        self.driver.close()


def _run(tx: ManagedTransaction, query: str, params: dict[str, Any]) -> None:
    tx.run(query, params).consume()


def _falkor_indexes(tx: ManagedTransaction) -> set[tuple[str, str]]:
    rows = tx.run("CALL db.indexes() YIELD label, properties")
    return {(r["label"], prop) for r in rows for prop in r["properties"]}


def _drop_without_goodbye(driver: neo4j.Driver) -> None:
    """Close pooled sockets without the Bolt GOODBYE message.

    FalkorDB 4.16 frees a client on GOODBYE but leaves its socket's read handler registered, so
    the next connection to the server that reuses the descriptor (a Redis client, or Bolt)
    hangs. A plain disconnect takes its clean path (docs/bolt.md). The pool is driver-private:
    if it changes shape this does nothing and ``driver.close()`` says goodbye as usual.
    """
    pool = getattr(driver, "_pool", None)
    for connections in getattr(pool, "connections", {}).values():
        for connection in list(connections):
            kill = getattr(connection, "kill", None)
            if callable(kill):
                kill()
