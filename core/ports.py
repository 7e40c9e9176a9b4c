"""Ports: what the domain needs from the outside, as Protocols the adapters implement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from core.events import Event, TransactionEvent
from core.scores import TxScore
from core.transactions import TransactionRecord


@dataclass(frozen=True)
class ApplyResult:
    """What one batch did to the graph."""

    applied: int = 0  # new transactions written
    duplicates: int = 0  # transactions whose tx_id the graph already had (or twice in the batch)
    accounts: int = 0  # account events applied
    applied_ids: tuple[str, ...] = field(default=(), repr=False)


class PreparedBatch(Protocol):
    """A batch planned for writing (opaque outside the store that made it)."""

    tx_ids: list[str]


class GraphStore(Protocol):
    """The transaction graph."""

    graph_name: str

    def ensure_schema(self) -> None: ...

    def apply_batch(
        self, events: Sequence[Event], scores: dict[str, TxScore] | None = None
    ) -> ApplyResult:
        """Write events exactly once in effect: tx_ids already applied change nothing."""
        ...

    def prepare_batch(
        self, events: Sequence[Event], scores: dict[str, TxScore] | None = None
    ) -> PreparedBatch:
        """Plan a write without I/O; ``apply_prepared`` writes it (exactly once in effect)."""
        ...

    def apply_prepared(self, prepared: PreparedBatch) -> ApplyResult: ...

    def applied_ids(self, tx_ids: Sequence[str]) -> set[str]:
        """The subset of tx_ids already written to the graph."""
        ...

    def find_transaction(self, tx_id: str) -> TransactionRecord | None: ...

    def find_transactions_between(
        self, since_ms: int, until_ms: int, limit: int = 1000
    ) -> list[TransactionRecord]: ...

    def counts(self) -> dict[str, float]: ...

    def close(self) -> None: ...


class TransactionScorer(Protocol):
    """Per-transaction risk: streaming features and rules (and a model when one is active).

    Called by ingest before the graph write, with the batch's transactions in stream order.
    Must be idempotent per tx_id: a redelivered transaction must not count twice in features.
    """

    def score_batch(self, events: Sequence[TransactionEvent]) -> dict[str, TxScore]: ...


class AlertPublisher(Protocol):
    """Turns scored, newly applied transactions into alerts (stream ``alerts`` + pub/sub)."""

    def publish(
        self, events: Sequence[TransactionEvent], scores: dict[str, TxScore], applied: set[str]
    ) -> None: ...


class AccountRiskModel(Protocol):
    """A trained model's risk for accounts, 0-100 (the GNN, through a port)."""

    version: str

    def score_accounts(self, account_ids: Sequence[str]) -> dict[str, float]: ...
