"""Turn a batch of events into the rows one atomic graph write needs.

Pairs are summed here, before any query, so every (source, target) pair occurs once per list:
FalkorDB 4.16 crashes on MERGE ... ON MATCH SET of an edge the same query created.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from core.events import AccountEvent, Event, TransactionEvent
from core.scores import TxScore

# Node labels whose ids come from events, in the order nodes are ensured.
NODE_LABELS = ("Account", "Merchant", "Device", "IP", "Phone", "Email", "Address")
MONEY_EDGES = ("transferred", "paid", "refunded")
LINK_EDGES = ("used", "from_ip")
IDENTITY_EDGES = ("has_phone", "has_email", "has_address")

# The Transaction node's properties, in the order of a row of $txs in apply_batch.cypher:
# the event's fields (tx_id stored as id), then risk_score, decision, reasons.
TX_EVENT_COLUMNS = (
    "tx_id", "ts", "kind", "amount", "currency", "account_id", "counterparty_id", "merchant_id",
    "device_id", "ip", "card_id", "country", "city", "lat", "lon", "label",
)  # fmt: skip

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


@dataclass
class _Agg:
    n: int = 0
    amt: float = 0.0
    f: int = 2**62
    l: int = 0  # noqa: E741 - "last", matching the query's parameter name

    def add(self, ts: int, amount: float = 0.0) -> None:
        self.n += 1
        self.amt += amount
        self.f = min(self.f, ts)
        self.l = max(self.l, ts)


@dataclass
class BatchPlan:
    """Everything one batch writes, with nodes still named by their event ids."""

    txs: list[list[Any]] = field(default_factory=list)
    tx_ids: list[str] = field(default_factory=list)
    accounts: list[AccountEvent] = field(default_factory=list)
    # label -> {event id -> first ts seen in this batch}
    nodes: dict[str, dict[str, int]] = field(default_factory=lambda: {k: {} for k in NODE_LABELS})
    # edge list -> {(source id, target id) -> aggregate}
    edges: dict[str, dict[tuple[str, str], _Agg]] = field(
        default_factory=lambda: {k: {} for k in EDGE_ENDS}
    )
    log_rows: list[list[Any]] = field(default_factory=list)

    def _node(self, label: str, node_id: str, ts: int) -> None:
        seen = self.nodes[label]
        if node_id not in seen or ts < seen[node_id]:
            seen[node_id] = ts

    def _edge(self, name: str, src: str, dst: str, ts: int, amount: float = 0.0) -> None:
        key = (src, dst)
        agg = self.edges[name].get(key)
        if agg is None:
            agg = self.edges[name][key] = _Agg()
        agg.add(ts, amount)

    def add_transaction(self, e: TransactionEvent, score: TxScore | None) -> None:
        ts = e.ts
        self._node("Account", e.account_id, ts)
        row = [getattr(e, name) for name in TX_EVENT_COLUMNS]
        if score is not None:
            row += [score.score, score.decision, list(score.reasons)]
        else:
            row += [None, None, None]
        self.txs.append(row)
        self.tx_ids.append(e.tx_id)
        if e.kind == "transfer" and e.counterparty_id:
            self._node("Account", e.counterparty_id, ts)
            self._edge("transferred", e.account_id, e.counterparty_id, ts, e.amount)
        elif e.kind == "payment" and e.merchant_id:
            self._node("Merchant", e.merchant_id, ts)
            self._edge("paid", e.account_id, e.merchant_id, ts, e.amount)
        elif e.kind == "refund" and e.merchant_id:
            self._node("Merchant", e.merchant_id, ts)
            self._edge("refunded", e.merchant_id, e.account_id, ts, e.amount)
        if e.device_id:
            self._node("Device", e.device_id, ts)
            self._edge("used", e.account_id, e.device_id, ts)
        if e.ip:
            self._node("IP", e.ip, ts)
            self._edge("from_ip", e.account_id, e.ip, ts)
        self.log_rows.append(
            ["t", e.tx_id, ts, e.kind, e.amount, e.account_id, e.receiver, e.device_id, e.ip,
             e.card_id, e.country, e.label]
        )  # fmt: skip

    def add_account(self, e: AccountEvent) -> None:
        ts = e.opened_at or 0
        self._node("Account", e.account_id, ts)
        self.accounts.append(e)
        for kind, label in (("phone", "Phone"), ("email", "Email"), ("address", "Address")):
            value = getattr(e, kind)
            if value:
                self._node(label, value, ts)
                self.edges[f"has_{kind}"][(e.account_id, value)] = _Agg()
        self.log_rows.append(["a", e.account_id, e.opened_at, e.phone, e.email, e.address])

    def edge_rows(self, name: str, ids: dict[str, dict[str, int]]) -> list[list[Any]]:
        """The edge list for the query, with nodes replaced by their internal ids.

        Rows are positional: money ``[s, d, n, total, first_ts, last_ts]``, links
        ``[s, d, n, first_ts, last_ts]``, identities ``[s, d]``.
        """
        src_label, dst_label = EDGE_ENDS[name]
        src_ids, dst_ids = ids[src_label], ids[dst_label]
        items = self.edges[name].items()
        if name in MONEY_EDGES:
            return [[src_ids[s], dst_ids[d], a.n, a.amt, a.f, a.l] for (s, d), a in items]
        if name in LINK_EDGES:
            return [[src_ids[s], dst_ids[d], a.n, a.f, a.l] for (s, d), a in items]
        return [[src_ids[s], dst_ids[d]] for (s, d), _ in items]


def plan_batch(
    events: Iterable[Event], already_applied: set[str], scores: dict[str, TxScore] | None = None
) -> tuple[BatchPlan, int]:
    """Plan the write of the events not yet applied; returns the plan and the duplicate count."""
    plan = BatchPlan()
    seen = set(already_applied)
    duplicates = 0
    scores = scores or {}
    for e in events:
        if isinstance(e, TransactionEvent):
            if e.tx_id in seen:
                duplicates += 1
                continue
            seen.add(e.tx_id)
            plan.add_transaction(e, scores.get(e.tx_id))
        else:
            plan.add_account(e)
    return plan, duplicates
