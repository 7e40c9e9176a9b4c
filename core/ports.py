"""Ports: what the domain needs from the outside, as Protocols the adapters implement."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from core.alerts import Alert, RingUpdate
from core.events import AccountEvent, Event, TransactionEvent
from core.features import Features
from core.scores import TxScore
from core.settings import Settings
from core.streams import EntryFields, StreamEntry, StreamStats
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


class RingRepository(Protocol):
    """Detection's view of the graph: stored rings, member risk, ring writes, runs and events.

    ``write_rings`` takes rows per write (``ring_upsert``, ``ring_member_remove``,
    ``ring_member_add``, ``ring_version_add``, ``ring_victim_remove``, ``ring_victim_add``; each
    query file's header gives its row shape) and applies them in that order.
    """

    graph_name: str

    def current_rings(self) -> list[tuple[str, float, int, int, str | None, list[str]]]: ...
    def account_risk(self, account_ids: Sequence[str]) -> dict[str, float]: ...
    def write_rings(self, writes: Mapping[str, Sequence[list[Any]]]) -> None: ...
    def publish(
        self, alerts: Sequence[Alert], updates: Sequence[RingUpdate], settings: Settings
    ) -> None: ...
    def start_run(self, run_id: str, now_ms: int) -> None: ...
    def finish_run(self, run_id: str, fields: Mapping[str, object]) -> None: ...
    def run_lock(self, ttl_s: int) -> AbstractContextManager[None]: ...


class RejectedEvent(Protocol):
    """One event refused by ingest: where it came from and why."""

    @property
    def source(self) -> str: ...
    @property
    def reason(self) -> str: ...


class IngestOutcome(Protocol):
    """What one ingest call did."""

    @property
    def applied(self) -> int: ...
    @property
    def duplicates(self) -> int: ...
    @property
    def rejected(self) -> Sequence[RejectedEvent]: ...


class EventIngest(Protocol):
    """Raw events in (JSON text, bytes or objects), validated, scored and written (the pipeline)."""

    def process_raw(
        self, raws: Sequence[bytes | str | dict[str, Any]], sources: Sequence[str] | None = None
    ) -> IngestOutcome: ...


class DetectionOutcome(Protocol):
    """A finished detection run, named by its id."""

    @property
    def run_id(self) -> str: ...


class DetectionRunner(Protocol):
    """Runs ring detection once (blocking) and says which run it was."""

    def __call__(self) -> DetectionOutcome: ...


class EntrySink(Protocol):
    """Appends entries to a stream (dead letters, simulated traffic); raises
    GraphUnavailableError when the server cannot take them."""

    def append(
        self, stream: str, entries: Sequence[EntryFields], maxlen: int | None = None
    ) -> None: ...


class StreamSource(Protocol):
    """One consumer of a stream's consumer group: read, reclaim, acknowledge, check in.

    Raises GraphUnavailableError when the server is away (retry), and
    StreamGroupMissingError when the stream or group was deleted (create them again).
    """

    stream: str
    group: str

    def ensure_group(self) -> None: ...
    def read(self, consumer: str, count: int, block_ms: int) -> list[StreamEntry]: ...
    def reclaim(
        self, consumer: str, min_idle_ms: int, cursor: str, count: int
    ) -> tuple[str, list[StreamEntry]]:
        """Entries other consumers left pending that long, and the cursor to go on from."""
        ...

    def deliveries(self, first: str, last: str, count: int) -> dict[str, int]:
        """Entry id -> times delivered, of the pending entries from ``first`` to ``last``."""
        ...

    def ack(self, ids: Sequence[str]) -> None: ...
    def check_in(self, consumer: str, now_ms: int) -> None: ...
    def check_out(self, consumer: str) -> None: ...
    def close(self) -> None: ...


class StreamMonitor(Protocol):
    """The ingest streams' lengths and the consumer group's state (metrics, readiness)."""

    def stream_stats(self) -> StreamStats: ...


class FeatureStore(Protocol):
    """Streaming feature state per account, folded in event-time order, idempotent per tx_id."""

    def update(self, events: Sequence[TransactionEvent]) -> list[Features]:
        """Fold transactions in (in order); each one's features from just before it."""
        ...

    def observe_accounts(self, events: Sequence[AccountEvent]) -> None: ...
    def account_state(self, account_id: str) -> dict[str, str]: ...


class AlertLog(Protocol):
    """Records scored transactions and publishes their alerts, atomically per batch.

    Each item is ``[tx_id, result JSON, dedup key or False, ts, alert JSON or False]``; returns
    the alerts published (new or updated) with what changed (``new``, ``escalated``, ...).
    """

    def record(self, items: Sequence[list[Any]]) -> list[tuple[dict[str, Any], str]]: ...


class EdgeLogReader(Protocol):
    """The append-only edge log ingest writes: entries in order, each a batch's rows."""

    key: str

    def first_id(self) -> str | None:
        """The oldest entry's id (a different one means the log was recreated)."""
        ...

    def read_after(self, after_id: str, count: int) -> list[tuple[str, list[list[Any]]]]:
        """Up to ``count`` entries after ``after_id``: each its id and its rows."""
        ...


class MessageBus(Protocol):
    """Pub/sub channels (the broadcaster's backend); GraphUnavailableError when the server is
    away, so a reader can retry."""

    async def publish(self, channel: str, payload: bytes | str) -> None: ...
    def subscribe(
        self, *channels: str
    ) -> AbstractAsyncContextManager[AsyncIterator[tuple[str, str]]]: ...
    async def aclose(self) -> None: ...


class StreamReads(Protocol):
    """Async reads of streams: pages of entries, lengths, a consumer group's lag, check-ins."""

    async def length(self, stream: str) -> int: ...
    async def range(self, stream: str, lower: str, upper: str, count: int) -> list[StreamEntry]: ...
    async def revrange(
        self, stream: str, upper: str, lower: str, count: int
    ) -> list[StreamEntry]: ...
    async def group_lag(self, stream: str, group: str) -> int | None: ...
    async def heartbeats(self, key: str) -> dict[str, int]: ...


class KeyRecords(Protocol):
    """API key records by key id (JSON bytes); ``delete`` also announces the revocation."""

    def put(self, key_id: str, record: bytes) -> None: ...
    def all(self) -> dict[str, bytes]: ...
    def delete(self, key_id: str) -> bool: ...


class AsyncKeyRecords(Protocol):
    """The API's read of one key record; ``revoked_channel`` carries revoked key ids."""

    revoked_channel: str

    async def get(self, key_id: str) -> bytes | None: ...
