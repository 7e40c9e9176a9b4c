"""Read models for investigation (accounts, rings, subgraphs, runs) and the port that serves them.

Adapters in ``graph/`` build these from graph rows; the API turns them into GraphQL types.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from core.transactions import TransactionRecord

VerdictValue = Literal["confirmed_fraud", "false_positive", "needs_review"]
RingStatusValue = Literal["open", "investigating", "closed"]
RING_SORTS = ("score", "size", "updated_at", "created_at")
NODE_TYPES = ("Account", "Device", "Merchant", "IP", "Phone", "Email", "Address", "Ring")


@dataclass(frozen=True)
class AccountView:
    id: str
    first_seen: int | None = None
    opened_at: int | None = None
    risk_score: float | None = None
    model_version: str | None = None
    verdict: str | None = None
    verdict_at: int | None = None
    risk_history: Any = None  # [[at_ms, score, model_version], ...] (core.history.risk_points)


@dataclass(frozen=True)
class LinkView:
    """An account's edge to a device, merchant or counterparty, aggregated."""

    id: str
    type: str
    direction: Literal["out", "in"]
    count: int = 0
    total: float | None = None
    first_ts: int | None = None
    last_ts: int | None = None


@dataclass(frozen=True)
class RingView:
    id: str
    score: float = 0.0
    size: int = 0
    status: str = "open"
    verdict: str | None = None
    assignee: str | None = None
    typologies: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    evidence: str | None = None
    version: int = 1
    created_at: int | None = None
    updated_at: int | None = None
    last_change: str | None = None


@dataclass(frozen=True)
class RingMemberView:
    ring_id: str
    account_id: str
    risk: float | None = None
    role: str | None = None
    account_risk: float | None = None


@dataclass(frozen=True)
class RingVersionView:
    ring_id: str
    version: int
    at: int | None = None
    change: str | None = None
    score: float | None = None
    size: int | None = None
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class DetectionRunView:
    id: str
    started_at: int | None = None
    finished_at: int | None = None
    duration_ms: float | None = None
    detector_ms: str | None = None
    rings_new: int = 0
    rings_changed: int = 0
    rings_unchanged: int = 0
    rings_total: int = 0
    status: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class VerdictView:
    id: str
    target_type: str
    target_id: str
    verdict: str
    reason_code: str | None = None
    note: str | None = None
    author: str | None = None
    at: int | None = None


@dataclass(frozen=True)
class NodeView:
    id: str
    type: str
    risk_score: float | None = None
    props: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EdgeView:
    source: str
    target: str
    type: str
    count: int | None = None
    total: float | None = None
    first_ts: int | None = None
    last_ts: int | None = None


@dataclass(frozen=True)
class SubgraphView:
    """``node_count`` is set when only the count was read (``nodes`` is then empty)."""

    nodes: tuple[NodeView, ...] = ()
    edges: tuple[EdgeView, ...] = ()
    truncated: bool = False
    node_count: int | None = None

    @property
    def size(self) -> int:
        return len(self.nodes) if self.node_count is None else self.node_count


@dataclass(frozen=True)
class RingFilter:
    status: str | None = None
    min_score: float | None = None
    typology: str | None = None
    since: int | None = None
    until: int | None = None
    sort: str = "score"
    descending: bool = True


@dataclass(frozen=True)
class StatsBucket:
    start: int
    transactions: int
    amount: float
    alerts: int
    blocked: int
    fraud: int


@dataclass(frozen=True)
class StatsView:
    since: int
    until: int
    transactions: int
    amount: float
    alerts: int
    blocked: int
    fraud: int
    amount_at_risk: float
    amount_blocked: float
    accounts: int
    rings_by_status: dict[str, int]
    risk_histogram: tuple[int, ...]
    buckets: tuple[StatsBucket, ...]


class InvestigationStore(Protocol):
    """What the API reads and writes in the graph (async: it serves many clients at once)."""

    async def accounts(self, ids: Sequence[str]) -> list[AccountView | None]: ...
    async def transactions(self, ids: Sequence[str]) -> list[TransactionRecord | None]: ...
    async def account_links(self, ids: Sequence[str]) -> list[list[LinkView]]: ...
    async def account_transactions(
        self, account_id: str, since: int, until: int, before: tuple[int, str] | None, limit: int
    ) -> list[TransactionRecord]: ...
    async def account_rings(self, ids: Sequence[str]) -> list[list[RingView]]: ...
    async def rings(self, ids: Sequence[str]) -> list[RingView | None]: ...
    async def ring_members(self, ids: Sequence[str]) -> list[list[RingMemberView]]: ...
    async def rings_with_members(
        self, ids: Sequence[str]
    ) -> list[tuple[RingView, list[RingMemberView]] | None]: ...
    async def ring_victims(self, ids: Sequence[str]) -> list[list[RingMemberView]]: ...
    async def ring_versions(self, ids: Sequence[str]) -> list[list[RingVersionView]]: ...
    async def list_rings(self, flt: RingFilter, offset: int, limit: int) -> list[RingView]: ...
    async def count_rings(self, flt: RingFilter) -> int: ...
    async def verdicts(self, target_ids: Sequence[str]) -> list[list[VerdictView]]: ...
    async def detection_runs(self, offset: int, limit: int) -> list[DetectionRunView]: ...
    async def detection_run(self, run_id: str | None) -> DetectionRunView | None: ...
    async def count_detection_runs(self) -> int: ...
    async def neighbourhood(
        self,
        node_id: str,
        hops: int,
        limit: int,
        since: int | None,
        until: int | None,
        types: Sequence[str] | None,
        props: bool = True,
        edges: bool = True,
        nodes: bool = True,
    ) -> SubgraphView: ...
    async def ring_subgraph(self, ring_id: str, limit: int) -> SubgraphView: ...
    async def ring_subgraph_as_of(
        self, ring_id: str, members: Sequence[str], limit: int, as_of: int
    ) -> SubgraphView: ...
    async def shortest_path(
        self, source: str, target: str, max_hops: int, as_of: int | None = None
    ) -> SubgraphView | None: ...
    async def rewind(self, sub: SubgraphView, as_of: int) -> SubgraphView: ...
    async def stats(self, since: int, until: int, bucket_ms: int) -> StatsView: ...
    async def search(self, prefix: str, limit: int) -> list[NodeView]: ...
    async def account_ring_ids(self, ids: Sequence[str]) -> dict[str, str]: ...
    async def neighbourhood_via(
        self,
        node_id: str,
        rels: Sequence[str],
        hops: int,
        limit: int,
        since: int | None,
        until: int | None,
    ) -> SubgraphView: ...
    async def shortest_path_via(
        self, source: str, target: str, max_hops: int, rels: Sequence[str]
    ) -> SubgraphView | None: ...
    async def record_verdict(self, verdict: VerdictView) -> None: ...
    async def update_ring_workflow(
        self, ring_id: str, status: str | None, assignee: str | None, at: int
    ) -> RingView | None: ...
    async def ping(self) -> bool: ...
    async def close(self) -> None: ...
