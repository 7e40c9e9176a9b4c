"""Ports: what the domain needs from the outside, as Protocols the adapters implement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from core.events import Event
from core.scores import TxScore
from core.transactions import TransactionRecord


@dataclass(frozen=True)
class ApplyResult:
    """What one batch did to the graph."""

    applied: int = 0  # new transactions written
    duplicates: int = 0  # transactions whose tx_id the graph already had (or twice in the batch)
    accounts: int = 0  # account events applied
    applied_ids: tuple[str, ...] = field(default=(), repr=False)


class GraphStore(Protocol):
    """The transaction graph."""

    graph_name: str

    def ensure_schema(self) -> None: ...

    def apply_batch(
        self, events: Sequence[Event], scores: dict[str, TxScore] | None = None
    ) -> ApplyResult:
        """Write events exactly once in effect: tx_ids already applied change nothing."""
        ...

    def find_transaction(self, tx_id: str) -> TransactionRecord | None: ...

    def find_transactions_between(
        self, since_ms: int, until_ms: int, limit: int = 1000
    ) -> list[TransactionRecord]: ...

    def counts(self) -> dict[str, float]: ...

    def close(self) -> None: ...
