"""The store port of a ``--bulk`` loader (``BulkWriter``) and what it hands the builder of
graph/bulk.py for each batch (``BulkPart``): its tx_ids claimed in the applied set, its edge-log
entry written, its Transaction nodes encoded, its nodes and edges by event id."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import orjson

from core.ports import ApplyResult, PreparedBatch
from core.transactions import TransactionRecord
from graph import bulkformat
from graph.batch import (
    IDENTITY_EDGES,
    LINK_EDGES,
    NODE_LABELS,
    BatchPlan,
    Pair,
    PlannedWrites,
)
from graph.falkordb_store import FalkorStore

if TYPE_CHECKING:  # pyarrow (and numpy) are imported only by the loaders that use them
    import pyarrow as pa

    from graph.bulkcolumns import ColumnPlan, MoneyColumns
    from graph.bulkips import IpRows


@dataclass
class BulkPart:
    """One batch as a loader process hands it to the builder: its Transaction nodes already
    encoded, and its planned nodes, edges and account openings (event ids, not internal ids)."""

    batch: int
    txs: int = 0
    tx_blob: bytes = b""
    nodes: dict[str, dict[str, int]] = field(default_factory=dict)
    # money edge -> its pairs' sums as arrays: they cross to the builder as a few buffers, not
    # as objects per pair
    money: dict[str, MoneyColumns] = field(default_factory=dict)
    links: dict[str, dict[Pair, int]] = field(default_factory=dict)  # all but FROM_IP
    ips: IpRows | None = None  # its addresses' links, as arrays (graph/bulkips.py)
    opened: list[tuple[str, int]] = field(default_factory=list)


class BulkWriter(PlannedWrites):
    """The store port of a ``--bulk`` loader: claims each batch's tx_ids in the applied set,
    appends its edge-log entry, encodes its Transaction nodes and hands a ``BulkPart`` to
    ``sink`` (the builder's ``fold``, or a queue to it). Batches are numbered as they come.

    Claiming (SADD, atomically per batch) decides which copy of a repeated tx_id counts, so
    several loader processes never both apply one.
    """

    def __init__(
        self, store: FalkorStore, sink: Callable[[BulkPart], None], first: int = 0, step: int = 1
    ) -> None:
        self.store = store
        self.graph_name = store.graph_name
        self.sink = sink
        self._batch, self._step = first, step
        # what this writer has handed on: a node's first_seen and a link's first_ts come from
        # the first batch that has it, so a later batch of this writer need not send it again
        # (addresses are the builder's to tell apart: graph/bulkips.py)
        self._passed_nodes: dict[str, set[str]] = {
            label: set() for label in NODE_LABELS if label != "IP"
        }
        self._passed_links: dict[str, set[Pair]] = {
            k: set() for k in (*LINK_EDGES, *IDENTITY_EDGES) if k != "from_ip"
        }

    def applied_ids(self, tx_ids: Sequence[str]) -> set[str]:
        return self.store.applied_ids(tx_ids)

    def prepare_columns(self, table: pa.Table, raws: list[str]) -> ColumnPlan:
        """Plan a clean batch column by column (``ingest.columnar.read_clean``'s table)."""
        from graph.bulkcolumns import plan_columns

        return plan_columns(table, raws)

    def apply_prepared(self, prepared: PreparedBatch) -> ApplyResult:
        if not isinstance(prepared, BatchPlan):  # prepare_columns made it
            return self._apply_columns(cast("ColumnPlan", prepared))
        plan = self.as_plan(prepared)
        if plan.tx_ids:
            taken = self._claim(plan.tx_ids)
            if taken:
                plan = plan.without(taken)
        return self._hand_on(plan)

    def _apply_columns(self, plan: ColumnPlan) -> ApplyResult:
        taken = self._claim(plan.tx_ids)
        if taken:  # some were loaded before: plan the batch again, event by event, without them
            return self._hand_on(BatchPlan(tx_ids=plan.tx_ids, raws=plan.raws).without(taken))
        self.store.redis.xadd(self.store.log_key, {"rows": plan.log_json})
        part = self._next_part()
        part.txs = len(plan.tx_ids)
        part.tx_blob = plan.tx_blob
        part.nodes = {k: _unsent(v, self._passed_nodes[k]) for k, v in plan.nodes.items()}
        part.links = {k: _unsent(v, self._passed_links[k]) for k, v in plan.links.items()}
        part.money = plan.money
        part.ips = plan.ips
        self.sink(part)
        return ApplyResult(part.txs, applied_ids=tuple(plan.tx_ids))

    def _hand_on(self, plan: BatchPlan) -> ApplyResult:
        """Log, encode and hand on a plan whose tx_ids this writer has claimed."""
        from graph.bulkips import IpRows

        part = self._next_part()
        if plan.txs or plan.accounts:
            self.store.redis.xadd(self.store.log_key, {"rows": orjson.dumps(plan.log_rows)})
            part.txs = len(plan.txs)
            part.tx_blob = bulkformat.transaction_records(plan.txs)
            part.nodes = {
                k: _unsent(v, self._passed_nodes[k]) for k, v in plan.nodes.items() if k != "IP"
            }
            part.links = {
                k: _unsent(v, self._passed_links[k])
                for k, v in plan.links.items()
                if k != "from_ip"
            }
            part.ips = IpRows.of_links(plan.links["from_ip"])
            part.money = {k: _money_columns(v) for k, v in plan.money.items() if v}
            part.opened = [
                (a.account_id, a.opened_at) for a in plan.accounts if a.opened_at is not None
            ]
        self.sink(part)
        return ApplyResult(
            applied=len(plan.txs),
            duplicates=plan.duplicates,
            accounts=len(plan.accounts),
            applied_ids=tuple(plan.tx_ids),
        )

    def _next_part(self) -> BulkPart:
        part = BulkPart(self._batch)
        self._batch += self._step
        return part

    def _claim(self, tx_ids: list[str]) -> set[str]:
        """Add the (distinct) tx_ids to the applied set in one transaction; return those that
        were there already, claimed by an earlier batch."""
        key = self.store.seen_key
        pipe = self.store.redis.pipeline(transaction=True)
        pipe.smismember(key, tx_ids)  # type: ignore[no-untyped-call]
        pipe.sadd(key, *tx_ids)
        member, added = pipe.execute()
        if added == len(tx_ids):
            return set()
        return {t for t, m in zip(tx_ids, member, strict=True) if m}

    # the rest of the GraphStore port: reads see what has been built so far
    def ensure_schema(self) -> None:
        """``BulkBuilder.begin()`` made the indexes and constraints, on the empty graph."""

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


def _unsent(seen: dict[Any, int], sent: set[Any]) -> dict[Any, int]:
    """The entries of ``seen`` not in ``sent``, which then holds them too."""
    fresh = {key: ts for key, ts in seen.items() if key not in sent}
    sent.update(fresh)
    return fresh


def _money_columns(pairs: dict[Pair, list[Any]]) -> MoneyColumns:
    import numpy as np

    count, total, first, last = zip(*pairs.values(), strict=True)
    return (
        [s for s, _ in pairs],
        [d for _, d in pairs],
        np.array(count, np.int64),
        np.array(total, np.float64),
        np.array(first, np.int64),
        np.array(last, np.int64),
    )
