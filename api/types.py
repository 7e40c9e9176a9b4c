"""GraphQL object types, built at the edge from the read models in ``core.investigation``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from api.connections import Connection, paginate_list
from api.context import Context
from core.investigation import (
    AccountView,
    DetectionRunView,
    EdgeView,
    LinkView,
    NodeView,
    RingMemberView,
    RingVersionView,
    RingView,
    SubgraphView,
    VerdictView,
)
from core.transactions import TransactionRecord

Info = strawberry.Info[Context, None]


def to_datetime(ms: int | float | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, tz=UTC)


@strawberry.enum
class RingStatus(Enum):
    OPEN = "open"
    INVESTIGATING = "investigating"
    CLOSED = "closed"


@strawberry.enum
class Verdict(Enum):
    CONFIRMED_FRAUD = "confirmed_fraud"
    FALSE_POSITIVE = "false_positive"
    NEEDS_REVIEW = "needs_review"


@strawberry.enum
class RingSort(Enum):
    SCORE = "score"
    SIZE = "size"
    UPDATED_AT = "updated_at"
    CREATED_AT = "created_at"


@strawberry.enum
class NodeType(Enum):
    ACCOUNT = "Account"
    DEVICE = "Device"
    MERCHANT = "Merchant"
    IP = "IP"
    PHONE = "Phone"
    EMAIL = "Email"
    ADDRESS = "Address"
    RING = "Ring"


@strawberry.type(description="A node of a subgraph; `props` holds its stored properties.")
class GraphNode:
    id: strawberry.ID
    type: str
    label: str
    risk_score: float | None
    props: JSON

    @classmethod
    def of(cls, node: NodeView) -> GraphNode:
        label = f"{node.type} {node.id}"
        return cls(id=strawberry.ID(node.id), type=node.type, label=label,
                   risk_score=node.risk_score, props=node.props)  # fmt: skip


@strawberry.type(description="An aggregated edge: every transaction between the pair summed.")
class GraphEdge:
    source: strawberry.ID
    target: strawberry.ID
    type: str
    count: int | None
    total: float | None
    first_ts: datetime | None
    last_ts: datetime | None

    @classmethod
    def of(cls, edge: EdgeView) -> GraphEdge:
        return cls(
            source=strawberry.ID(edge.source), target=strawberry.ID(edge.target), type=edge.type,
            count=edge.count, total=edge.total, first_ts=to_datetime(edge.first_ts),
            last_ts=to_datetime(edge.last_ts),
        )  # fmt: skip


@strawberry.type(description="Nodes and edges; `truncated` says the node budget cut it short.")
class Subgraph:
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: bool
    node_count: int

    @classmethod
    def of(cls, sub: SubgraphView) -> Subgraph:
        return cls(nodes=[GraphNode.of(n) for n in sub.nodes],
                   edges=[GraphEdge.of(e) for e in sub.edges],
                   truncated=sub.truncated, node_count=len(sub.nodes))  # fmt: skip


@strawberry.type(description="A recorded verdict: the audit trail, and labels the GNN trains on.")
class VerdictRecord:
    id: strawberry.ID
    target_type: str
    target_id: strawberry.ID
    verdict: Verdict
    reason_code: str | None
    note: str | None
    author: str | None
    at: datetime | None

    @classmethod
    def of(cls, v: VerdictView) -> VerdictRecord:
        return cls(
            id=strawberry.ID(v.id), target_type=v.target_type, target_id=strawberry.ID(v.target_id),
            verdict=Verdict(v.verdict), reason_code=v.reason_code, note=v.note, author=v.author,
            at=to_datetime(v.at),
        )  # fmt: skip


@strawberry.type(description="An account's aggregated link to a device, merchant or account.")
class AccountLink:
    id: strawberry.ID
    type: str
    direction: str
    count: int
    total: float | None
    first_ts: datetime | None
    last_ts: datetime | None

    @classmethod
    def of(cls, link: LinkView) -> AccountLink:
        return cls(
            id=strawberry.ID(link.id), type=link.type, direction=link.direction, count=link.count,
            total=link.total, first_ts=to_datetime(link.first_ts), last_ts=to_datetime(link.last_ts),
        )  # fmt: skip


@strawberry.type
class Transaction:
    record: strawberry.Private[TransactionRecord]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.record.id)

    @strawberry.field
    def ts(self) -> datetime:
        return datetime.fromtimestamp(self.record.ts / 1000, tz=UTC)

    @strawberry.field
    def kind(self) -> str:
        return self.record.kind

    @strawberry.field
    def amount(self) -> float:
        return self.record.amount

    @strawberry.field
    def currency(self) -> str:
        return self.record.currency

    @strawberry.field
    def account_id(self) -> strawberry.ID:
        return strawberry.ID(self.record.account_id)

    @strawberry.field
    def counterparty_id(self) -> strawberry.ID | None:
        return _opt_id(self.record.counterparty_id)

    @strawberry.field
    def merchant_id(self) -> strawberry.ID | None:
        return _opt_id(self.record.merchant_id)

    @strawberry.field
    def device_id(self) -> strawberry.ID | None:
        return _opt_id(self.record.device_id)

    @strawberry.field
    def ip(self) -> str | None:
        return self.record.ip

    @strawberry.field
    def country(self) -> str | None:
        return self.record.country

    @strawberry.field
    def city(self) -> str | None:
        return self.record.city

    @strawberry.field(description="Risk 0-100 given by scoring when the transaction arrived.")
    def score(self) -> float | None:
        return self.record.risk_score

    @strawberry.field
    def decision(self) -> str | None:
        return self.record.decision

    @strawberry.field
    def reasons(self) -> list[str]:
        return list(self.record.reasons)

    @strawberry.field(description="Ground-truth label, when the source supplied one.")
    def label(self) -> str | None:
        return self.record.label

    @strawberry.field
    async def account(self, info: Info) -> Account | None:
        view = await info.context.loaders.account.load(self.record.account_id)
        return None if view is None else Account(view=view)


def _opt_id(value: str | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(value)


@strawberry.type
class Account:
    view: strawberry.Private[AccountView]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.view.id)

    @strawberry.field(description="Model risk 0-100 from the latest GNN batch scoring.")
    def risk_score(self) -> float | None:
        return self.view.risk_score

    @strawberry.field
    def model_version(self) -> str | None:
        return self.view.model_version

    @strawberry.field
    def first_seen(self) -> datetime | None:
        return to_datetime(self.view.first_seen)

    @strawberry.field
    def opened_at(self) -> datetime | None:
        return to_datetime(self.view.opened_at)

    @strawberry.field
    def verdict(self) -> Verdict | None:
        return None if self.view.verdict is None else Verdict(self.view.verdict)

    @strawberry.field
    async def devices(self, info: Info) -> list[AccountLink]:
        return await _links(info, self.view.id, {"USED"})

    @strawberry.field
    async def ips(self, info: Info) -> list[AccountLink]:
        return await _links(info, self.view.id, {"FROM_IP"})

    @strawberry.field
    async def merchants(self, info: Info) -> list[AccountLink]:
        return await _links(info, self.view.id, {"PAID", "REFUNDED"})

    @strawberry.field
    async def counterparties(self, info: Info) -> list[AccountLink]:
        return await _links(info, self.view.id, {"TRANSFERRED"})

    @strawberry.field(description="Newest first; `since`/`until` bound the time window.")
    async def transactions(
        self, info: Info, first: int = 20, after: str | None = None,
        since: datetime | None = None, until: datetime | None = None,
    ) -> Connection[Transaction]:  # fmt: skip
        from api.resolvers import account_transactions

        return await account_transactions(info, self.view.id, first, after, since, until)

    @strawberry.field
    async def rings(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> Connection[Ring]:
        views = await info.context.loaders.account_rings.load(self.view.id)
        return paginate_list([Ring(view=v) for v in views], first, after,
                             info.context.max_page)  # fmt: skip

    @strawberry.field
    async def verdicts(self, info: Info) -> list[VerdictRecord]:
        return [VerdictRecord.of(v) for v in await info.context.loaders.verdicts.load(self.view.id)]

    @strawberry.field(description="Why this account scores as it does, in plain sentences.")
    async def explanation(self, info: Info) -> list[str]:
        from api.resolvers import explain_account

        return await explain_account(info, self.view)


async def _links(info: Info, account_id: str, types: set[str]) -> list[AccountLink]:
    links = await info.context.loaders.account_links.load(account_id)
    return [AccountLink.of(link) for link in links if link.type in types]


@strawberry.type
class RingMember:
    member: strawberry.Private[RingMemberView]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.member.account_id)

    @strawberry.field(description="The member's risk within this ring, 0-100.")
    def risk_score(self) -> float | None:
        return self.member.risk

    @strawberry.field
    def role(self) -> str | None:
        return self.member.role

    @strawberry.field
    async def account(self, info: Info) -> Account | None:
        view = await info.context.loaders.account.load(self.member.account_id)
        return None if view is None else Account(view=view)

    @strawberry.field(description="Every ring this account belongs to.")
    async def rings(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> Connection[Ring]:
        views = await info.context.loaders.account_rings.load(self.member.account_id)
        return paginate_list([Ring(view=v) for v in views], first, after,
                             info.context.max_page)  # fmt: skip


@strawberry.type
class RingVersion:
    version: int
    at: datetime | None
    change: str | None
    score: float | None
    size: int | None
    members: list[strawberry.ID]

    @classmethod
    def of(cls, v: RingVersionView) -> RingVersion:
        return cls(version=v.version, at=to_datetime(v.at), change=v.change, score=v.score,
                   size=v.size, members=[strawberry.ID(m) for m in v.members])  # fmt: skip


@strawberry.type
class Ring:
    view: strawberry.Private[RingView]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.view.id)

    @strawberry.field(description="Ring score 0-100.")
    def score(self) -> float:
        return self.view.score

    @strawberry.field
    def size(self) -> int:
        return self.view.size

    @strawberry.field
    def status(self) -> RingStatus:
        return RingStatus(self.view.status or "open")

    @strawberry.field
    def verdict(self) -> Verdict | None:
        return None if self.view.verdict is None else Verdict(self.view.verdict)

    @strawberry.field
    def assignee(self) -> str | None:
        return self.view.assignee

    @strawberry.field
    def typologies(self) -> list[str]:
        return list(self.view.typologies)

    @strawberry.field
    def reasons(self) -> list[str]:
        return list(self.view.reasons)

    @strawberry.field(description="Detector evidence, as stored by detection.")
    def evidence(self) -> JSON | None:
        return _json_or_text(self.view.evidence)

    @strawberry.field
    def version(self) -> int:
        return self.view.version

    @strawberry.field
    def created_at(self) -> datetime | None:
        return to_datetime(self.view.created_at)

    @strawberry.field
    def updated_at(self) -> datetime | None:
        return to_datetime(self.view.updated_at)

    @strawberry.field(description="new, grown, shrunk, merged, split, rescored or unchanged.")
    def last_change(self) -> str | None:
        return self.view.last_change

    @strawberry.field
    async def members(self, info: Info) -> list[RingMember]:
        return [
            RingMember(member=m) for m in await info.context.loaders.ring_members.load(self.view.id)
        ]

    @strawberry.field(description="Earlier versions of this ring, newest first.")
    async def versions(self, info: Info) -> list[RingVersion]:
        return [
            RingVersion.of(v) for v in await info.context.loaders.ring_versions.load(self.view.id)
        ]

    @strawberry.field
    async def verdicts(self, info: Info) -> list[VerdictRecord]:
        return [VerdictRecord.of(v) for v in await info.context.loaders.verdicts.load(self.view.id)]

    @strawberry.field(description="Members, their links to each other and shared entities.")
    async def subgraph(self, info: Info, limit: int = 200) -> Subgraph:
        from api.resolvers import check_limit

        check_limit(limit, "limit", info.context.max_nodes)
        return Subgraph.of(await info.context.store.ring_subgraph(self.view.id, limit))


def _json_or_text(raw: str | None) -> Any:
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except (TypeError, ValueError):
        return raw


@strawberry.type(description="One alert: a transaction scored risky, or a ring flagged.")
class Alert:
    id: strawberry.ID
    kind: str
    score: float
    created_at: str
    account_id: strawberry.ID | None
    transaction_id: strawberry.ID | None
    ring_id: strawberry.ID | None
    reasons: list[str]
    decision: str | None
    stream_id: str | None = strawberry.field(
        description="Position in the `alerts` stream; pass it as `after` to resume."
    )

    @classmethod
    def of(cls, data: dict[str, Any], stream_id: str | None) -> Alert:
        return cls(
            id=strawberry.ID(str(data.get("id") or stream_id)), kind=str(data.get("kind") or ""),
            score=float(data.get("score") or 0.0), created_at=str(data.get("createdAt") or ""),
            account_id=_opt_id(data.get("accountId")), transaction_id=_opt_id(data.get("transactionId")),
            ring_id=_opt_id(data.get("ringId")), reasons=[str(r) for r in data.get("reasons") or []],
            decision=data.get("decision"), stream_id=stream_id,
        )  # fmt: skip


@strawberry.type
class DetectionRun:
    id: strawberry.ID
    started_at: datetime | None
    finished_at: datetime | None
    duration_ms: float | None
    detector_ms: JSON | None
    rings_new: int
    rings_changed: int
    rings_unchanged: int
    rings_total: int
    status: str | None
    error: str | None

    @classmethod
    def of(cls, run: DetectionRunView) -> DetectionRun:
        return cls(
            id=strawberry.ID(run.id), started_at=to_datetime(run.started_at),
            finished_at=to_datetime(run.finished_at), duration_ms=run.duration_ms,
            detector_ms=_json_or_text(run.detector_ms), rings_new=run.rings_new,
            rings_changed=run.rings_changed, rings_unchanged=run.rings_unchanged,
            rings_total=run.rings_total, status=run.status, error=run.error,
        )  # fmt: skip


@strawberry.type
class Rejection:
    index: int
    reason: str


@strawberry.type(description="What a batch submission did; rejected events say why.")
class IngestResult:
    applied: int
    duplicates: int
    rejected: int
    rejections: list[Rejection]
