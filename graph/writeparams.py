"""The parameters of a batch's graph write (apply_batch.cypher and the GRAPH.BULK insert of its
Transaction nodes), made before the writer lock where they can be: the ``CYPHER`` header, the
Transaction records and edge-log JSON, the addresses' users, and the edge rows whose ends are in
the id cache (graph/falkordb_store.py holds the lock and does the rest)."""

from __future__ import annotations

from typing import Any

import orjson

from graph import bulkformat
from graph.batch import EDGE_ENDS, IDENTITY_EDGES, MONEY_EDGES, BatchPlan, Pair
from graph.ipsightings import users_by_ip


def params_header(params: dict[str, Any]) -> str:
    """FalkorDB's ``CYPHER name=value`` prefix, serialised by orjson.

    A JSON array of scalars is a valid Cypher literal (strings are double-quoted with JSON
    escapes, which FalkorDB reads back faithfully; events carry no control characters), and it
    serialises 20-50x faster than the client's generic encoder. Maps are not: JSON quotes keys,
    so rows travel as positional lists.
    """
    return params_header_bytes(params).decode()


def params_header_bytes(params: dict[str, Any]) -> bytes:
    """``params_header`` as bytes; a value may be ``orjson.Fragment`` (JSON serialised before)."""
    parts = [b"CYPHER"]
    for name, value in params.items():
        if isinstance(value, dict):
            raise TypeError(f"parameter {name!r}: maps are not supported, send positional lists")
        parts.append(name.encode() + b"=" + orjson.dumps(value))
    return b" ".join(parts) + b" "


def split_new(rows: list[list[Any]], created: set[int]) -> tuple[list[list[Any]], list[list[Any]]]:
    """Rows whose ends both existed before this batch (MERGE), and rows at a new node (CREATE)."""
    if not created:
        return rows, []
    old: list[list[Any]] = []
    new: list[list[Any]] = []
    old_append, new_append = old.append, new.append
    for row in rows:
        if row[0] in created or row[1] in created:
            new_append(row)
        else:
            old_append(row)
    return old, new


class Premapped:
    """A plan's edge rows whose ends were in the id cache before the writer lock was taken,
    made then (mapping 20,000 pairs under the lock kept the server waiting): ``rows`` by edge,
    and ``rest``, the pairs with an end not cached then, to map under the lock. Valid while the
    cache's ``generation`` stands (ids are forgotten when the server may have renumbered them).
    FROM_IP is left out: which addresses have nodes is only known under the lock."""

    __slots__ = ("generation", "rest", "rows")

    def __init__(
        self,
        plan: BatchPlan,
        ids: dict[str, dict[str, int]],
        known_links: dict[str, set[tuple[int, int]]],
        generation: int,
    ) -> None:
        self.generation = generation
        self.rows: dict[str, list[list[Any]]] = {}
        self.rest: dict[str, dict[Pair, Any]] = {}
        for name in (*MONEY_EDGES, "used", *IDENTITY_EDGES):
            src_label, dst_label = EDGE_ENDS[name]
            src, dst = ids[src_label], ids[dst_label]
            rows: list[list[Any]] = []
            rest: dict[Pair, Any] = {}
            if name in MONEY_EDGES:
                for (s, d), sums in plan.money[name].items():
                    a, b = src.get(s), dst.get(d)
                    if a is None or b is None:
                        rest[(s, d)] = sums
                    else:
                        rows.append([a, b, *sums])
            else:
                known = known_links[name]
                for (s, d), ts in plan.links[name].items():
                    a, b = src.get(s), dst.get(d)
                    if a is None or b is None:
                        rest[(s, d)] = ts
                    elif (a, b) not in known:
                        rows.append([a, b, ts])
            self.rows[name], self.rest[name] = rows, rest


def tx_insert_args(count: int, records: bytes) -> list[Any]:
    """``GRAPH.BULK``'s arguments after the graph name for ``count`` Transaction nodes (their
    ``records``): into a graph that exists, no BEGIN. It checks no unique constraint (the
    applied tx_id set, in the same MULTI/EXEC, keeps a transaction from going in twice), and a
    malformed blob can bring the server down (seen with a header that lacked its property
    count), so the records come only from graph/bulkformat.py's encoders, tested byte for byte."""
    return [count, 0, 1, 0, bulkformat.TX_HEADER + records]


class Serialised:
    """What a plan's write needs that can be made before the writer lock is taken: its
    Transaction records and edge-log JSON (serialising 10,000 transaction rows under the lock
    kept the other loaders waiting), its addresses' users, and its premapped edge rows."""

    __slots__ = ("ip_users", "log", "plan", "premapped", "tx_records")

    def __init__(self, plan: BatchPlan, premapped: Premapped | None = None) -> None:
        self.plan = plan
        self.tx_records = plan.tx_records or bulkformat.transaction_records(plan.txs)
        self.log = plan.log_json or orjson.dumps(plan.log_rows)
        self.ip_users = users_by_ip(plan)
        self.premapped = premapped

    def of(self, plan: BatchPlan) -> bool:
        """Made of this plan's transactions (not of one planned again without some)."""
        return self.plan.tx_ids is plan.tx_ids
