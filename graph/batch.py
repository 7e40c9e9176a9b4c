"""Turn a batch of events into the rows one atomic graph write needs.

Pairs are summed here, before any query, so every (source, target) pair occurs once per list:
FalkorDB 4.16 crashes on MERGE ... ON MATCH SET of an edge the same query created.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.events import AccountEvent, Event, TransactionEvent
from core.ports import ApplyResult, PreparedBatch
from core.scores import TxScore

# Node labels whose ids come from events, in the order nodes are ensured.
NODE_LABELS = ("Account", "Merchant", "Device", "IP", "Phone", "Email", "Address")
MONEY_EDGES = ("transferred", "paid", "refunded")
LINK_EDGES = ("used", "from_ip")
IDENTITY_EDGES = ("has_phone", "has_email", "has_address")

# Edge list name -> (source label, target label).
EDGE_ENDS: dict[str, tuple[str, str]] = {
    "transferred": ("Account", "Account"),
    "paid": ("Account", "Merchant"),
    "refunded": ("Merchant", "Account"),
    "used": ("Account", "Device"),
    "from_ip": ("Account", "IP"),
    "has_phone": ("Account", "Phone"),
    "has_email": ("Account", "Email"),
    "has_address": ("Account", "Address"),
}

# The Transaction node's properties, in the order of a row of $txs in apply_batch.cypher:
# the event's fields (tx_id stored as id), then risk_score, decision, reasons.
TX_EVENT_COLUMNS = (
    "tx_id",
    "ts",
    "kind",
    "amount",
    "currency",
    "account_id",
    "counterparty_id",
    "merchant_id",
    "device_id",
    "ip",
    "card_id",
    "country",
    "city",
    "lat",
    "lon",
    "label",
)
# The Transaction node's property names, in the same order.
TX_PROPERTIES = ("id", *TX_EVENT_COLUMNS[1:], "risk_score", "decision", "reasons")
_MONEY_EDGE = {"transfer": "transferred", "payment": "paid", "refund": "refunded"}

Pair = tuple[str, str]
_NEVER = 1 << 62  # later than any timestamp


@dataclass
class BatchPlan:
    """Everything one batch writes, with nodes still named by their event ids."""

    # the Transaction rows (a plan made column by column has them only as ``tx_records``)
    txs: list[list[Any]] = field(default_factory=list)
    tx_ids: list[str] = field(default_factory=list)  # one per transaction, in order
    accounts: list[AccountEvent] = field(default_factory=list)
    # label -> {event id -> first ts seen in this batch}
    nodes: dict[str, dict[str, int]] = field(default_factory=lambda: {k: {} for k in NODE_LABELS})
    # money edge -> {pair -> [count, total, first_ts, last_ts]}
    money: dict[str, dict[Pair, list[Any]]] = field(
        default_factory=lambda: {k: {} for k in MONEY_EDGES}
    )
    # link or identity edge -> {pair -> first ts}
    links: dict[str, dict[Pair, int]] = field(
        default_factory=lambda: {k: {} for k in (*LINK_EDGES, *IDENTITY_EDGES)}
    )
    log_rows: list[list[Any]] = field(default_factory=list)
    log_json: bytes = field(default=b"", repr=False)  # log_rows' JSON, if made with the plan
    tx_records: bytes = field(default=b"", repr=False)  # txs as GRAPH.BULK records, likewise
    # what the plan was made from, to plan again without tx_ids found applied meanwhile: the
    # events, or the JSON lines of a plan made column by column (graph/bulkcolumns.py)
    events: list[Event] = field(default_factory=list, repr=False)
    raws: list[str] = field(default_factory=list, repr=False)
    scores: dict[str, TxScore] = field(default_factory=dict, repr=False)
    duplicates: int = 0
    # what a store made of this plan before its write (FalkorStore: the serialised rows)
    serialised: Any = field(default=None, repr=False)

    def is_empty(self) -> bool:
        """Made of no events."""
        return not self.events and not self.raws

    def source_events(self) -> list[Event]:
        """The events the plan was made of (a plan made column by column parses its lines)."""
        if self.raws and not self.events:
            self.events = [TransactionEvent.model_validate_json(r) for r in self.raws]
        return self.events

    def without(self, applied: set[str]) -> BatchPlan:
        """The plan made again without the transactions in ``applied`` (re-sent ones). A plan
        made column by column holds each tx_id once and no account event: when every one is
        applied, nothing needs parsing."""
        if self.raws and not self.events and applied.issuperset(self.tx_ids):
            return BatchPlan(duplicates=len(self.tx_ids))
        return plan_batch(self.source_events(), applied, self.scores)

    def _node(self, label: str, node_id: str, ts: int) -> None:
        seen = self.nodes[label]
        if ts < seen.get(node_id, ts + 1):
            seen[node_id] = ts

    def _link(self, name: str, src: str, dst: str, ts: int) -> None:
        links = self.links[name]
        if ts < links.get((src, dst), ts + 1):
            links[(src, dst)] = ts

    def add_transaction(self, e: TransactionEvent, score: TxScore | None) -> None:
        self.add_transactions([e], {e.tx_id: score} if score else {})

    def add_transactions(
        self, events: Sequence[TransactionEvent], scores: dict[str, TxScore]
    ) -> None:
        """Plan transactions (one loop with local names: this runs for every event)."""
        nodes = self.nodes
        accounts, merchants = nodes["Account"], nodes["Merchant"]
        devices, ips = nodes["Device"], nodes["IP"]
        money = self.money
        transferred, paid, refunded = money["transferred"], money["paid"], money["refunded"]
        used, from_ip = self.links["used"], self.links["from_ip"]
        txs_append, ids_append, log_append = (
            self.txs.append,
            self.tx_ids.append,
            self.log_rows.append,
        )
        no_score = [None, None, None]
        for e in events:
            ts = e.ts
            acc = e.account_id
            if ts < accounts.get(acc, _NEVER):
                accounts[acc] = ts
            score = scores.get(e.tx_id) if scores else None
            row = list(e.__dict__.values())  # the model's fields, in TX_EVENT_COLUMNS order
            row += [score.score, score.decision, list(score.reasons)] if score else no_score
            txs_append(row)
            ids_append(e.tx_id)
            kind = e.kind
            agg_map: dict[Pair, list[Any]] | None = None
            if kind == "transfer":
                other = e.counterparty_id
                assert other is not None  # the event contract requires it for this kind
                if ts < accounts.get(other, _NEVER):
                    accounts[other] = ts
                pair, agg_map = (acc, other), transferred
            elif kind == "payment" or kind == "refund":
                other = e.merchant_id
                assert other is not None
                if ts < merchants.get(other, _NEVER):
                    merchants[other] = ts
                if kind == "payment":
                    pair, agg_map = (acc, other), paid
                else:
                    pair, agg_map = (other, acc), refunded
            if agg_map is not None:
                agg = agg_map.get(pair)
                if agg is None:
                    agg_map[pair] = [1, e.amount, ts, ts]
                else:
                    agg[0] += 1
                    agg[1] += e.amount
                    if ts < agg[2]:
                        agg[2] = ts
                    if ts > agg[3]:
                        agg[3] = ts
            device = e.device_id
            if device:
                if ts < devices.get(device, _NEVER):
                    devices[device] = ts
                link = (acc, device)
                if ts < used.get(link, _NEVER):
                    used[link] = ts
            ip = e.ip
            if ip:
                if ts < ips.get(ip, _NEVER):
                    ips[ip] = ts
                link = (acc, ip)
                if ts < from_ip.get(link, _NEVER):
                    from_ip[link] = ts
            log_append(
                [
                    "t",
                    e.tx_id,
                    ts,
                    kind,
                    e.amount,
                    acc,
                    e.receiver,
                    device,
                    ip,
                    e.card_id,
                    e.country,
                    e.label,
                ]
            )

    def add_account(self, e: AccountEvent) -> None:
        ts = e.opened_at or 0
        self._node("Account", e.account_id, ts)
        self.accounts.append(e)
        for kind, label in (("phone", "Phone"), ("email", "Email"), ("address", "Address")):
            value = getattr(e, kind)
            if value:
                self._node(label, value, ts)
                self._link(f"has_{kind}", e.account_id, value, ts)
        self.log_rows.append(["a", e.account_id, e.opened_at, e.phone, e.email, e.address])

    def money_rows(
        self,
        name: str,
        ids: dict[str, dict[str, int]],
        pairs: dict[Pair, list[Any]] | None = None,
    ) -> list[list[Any]]:
        """``[s, d, count, total, first_ts, last_ts]`` rows with internal node ids, of all the
        edge's pairs or of ``pairs`` (some of them)."""
        src_label, dst_label = EDGE_ENDS[name]
        src, dst = ids[src_label], ids[dst_label]
        items = (self.money[name] if pairs is None else pairs).items()
        return [[src[s], dst[d], *agg] for (s, d), agg in items]

    def link_rows(
        self,
        name: str,
        ids: dict[str, dict[str, int]],
        known: set[tuple[int, int]],
        pairs: dict[Pair, int] | None = None,
    ) -> list[list[Any]]:
        """``[s, d, first_ts]`` rows for the pairs (all, or ``pairs``) not in ``known`` (links
        carry no counters)."""
        src_label, dst_label = EDGE_ENDS[name]
        src, dst = ids[src_label], ids[dst_label]
        rows = []
        for (s, d), ts in (self.links[name] if pairs is None else pairs).items():
            pair = (src[s], dst[d])
            if pair not in known:
                rows.append([pair[0], pair[1], ts])
        return rows


def plan_batch(
    events: Iterable[Event], already_applied: set[str], scores: dict[str, TxScore] | None = None
) -> BatchPlan:
    """Plan the write of the events not yet applied (``plan.duplicates`` counts the rest)."""
    plan = BatchPlan(events=list(events), scores=scores or {})
    seen = set(already_applied)
    run: list[TransactionEvent] = []  # consecutive transactions, planned in one call
    for e in plan.events:
        if isinstance(e, TransactionEvent):
            if e.tx_id in seen:
                plan.duplicates += 1
                continue
            seen.add(e.tx_id)
            run.append(e)
        else:
            if run:
                plan.add_transactions(run, plan.scores)
                run = []
            plan.add_account(e)
    if run:
        plan.add_transactions(run, plan.scores)
    return plan


class PlannedWrites(ABC):
    """What every store does the same way around its own atomic write of a BatchPlan.

    A store supplies ``applied_ids`` and ``apply_prepared``; inside ``apply_prepared`` it calls
    ``fresh_part`` under whatever makes its write exclusive.
    """

    @abstractmethod
    def applied_ids(self, tx_ids: Sequence[str]) -> set[str]:
        """The subset of tx_ids this store has already written."""

    @abstractmethod
    def apply_prepared(self, prepared: PreparedBatch) -> ApplyResult:
        """Write the plan atomically, exactly once in effect."""

    def apply_batch(
        self, events: Sequence[Event], scores: dict[str, TxScore] | None = None
    ) -> ApplyResult:
        return self.apply_prepared(self.prepare_batch(events, scores))

    def prepare_batch(
        self, events: Sequence[Event], scores: dict[str, TxScore] | None = None
    ) -> BatchPlan:
        """Plan a batch without touching the server (so it can overlap another batch's write)."""
        return plan_batch(events, set(), scores)

    @staticmethod
    def as_plan(prepared: PreparedBatch) -> BatchPlan:
        assert isinstance(prepared, BatchPlan), "prepared by another kind of store"
        return prepared

    def fresh_part(self, plan: BatchPlan) -> BatchPlan:
        """The plan without transactions already applied (re-sent ones are planned again)."""
        applied = self.applied_ids(plan.tx_ids)
        return plan.without(applied) if applied else plan
