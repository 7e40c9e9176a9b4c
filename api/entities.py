"""Transaction, Account and Ring with their members and links, built from ``core.investigation``.

They refer to each other, so they share one module: strawberry resolves the annotations here
without lazy imports.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from api.connections import (
    Connection,
    Edge,
    PageInfo,
    check_first,
    check_limit,
    decode_time_cursor,
    encode_cursor,
    paginate_list,
)
from api.explanations import ModelExplanation, explain_account, explain_with_model
from api.fields import described_field
from api.history import RingDiff, RiskScorePoint, ring_diff, ring_subgraph_as_of
from api.records import VerdictRecord
from api.subgraph import Subgraph
from api.types import (
    FAR_FUTURE,
    Info,
    RingStatus,
    Verdict,
    json_or_text,
    opt_id,
    to_datetime,
    to_ms,
)
from core.history import risk_points
from core.investigation import AccountView, LinkView, RingMemberView, RingVersionView, RingView
from core.transactions import TransactionRecord


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
            id=strawberry.ID(link.id),
            type=link.type,
            direction=link.direction,
            count=link.count,
            total=link.total,
            first_ts=to_datetime(link.first_ts),
            last_ts=to_datetime(link.last_ts),
        )


@strawberry.type
class Transaction:
    # plain fields, not resolvers: strawberry reads them directly (pages of transactions)
    id: strawberry.ID
    ts: datetime
    kind: str
    amount: float
    currency: str
    account_id: strawberry.ID
    counterparty_id: strawberry.ID | None
    merchant_id: strawberry.ID | None
    device_id: strawberry.ID | None
    ip: str | None
    country: str | None
    city: str | None
    score: float | None = strawberry.field(
        description="Risk 0-100 given by scoring when the transaction arrived."
    )
    decision: str | None
    reasons: list[str]
    label: str | None = strawberry.field(
        description="Ground-truth label, when the source supplied one."
    )

    @classmethod
    def of(cls, r: TransactionRecord) -> Transaction:
        return cls(
            id=strawberry.ID(r.id),
            ts=datetime.fromtimestamp(r.ts / 1000, tz=UTC),
            kind=r.kind,
            amount=r.amount,
            currency=r.currency,
            account_id=strawberry.ID(r.account_id),
            counterparty_id=opt_id(r.counterparty_id),
            merchant_id=opt_id(r.merchant_id),
            device_id=opt_id(r.device_id),
            ip=r.ip,
            country=r.country,
            city=r.city,
            score=r.risk_score,
            decision=r.decision,
            reasons=list(r.reasons),
            label=r.label,
        )

    @strawberry.field
    async def account(self, info: Info) -> Account | None:
        view = await info.context.loaders.account.load(self.account_id)
        return None if view is None else Account.of(view)


@strawberry.type
class Account:
    view: strawberry.Private[AccountView]
    id: strawberry.ID
    risk_score: float | None = strawberry.field(
        description="Model risk 0-100 from the latest GNN batch scoring."
    )
    model_version: str | None
    first_seen: datetime | None
    opened_at: datetime | None
    verdict: Verdict | None

    @classmethod
    def of(cls, view: AccountView) -> Account:
        return cls(
            view=view,
            id=strawberry.ID(view.id),
            risk_score=view.risk_score,
            model_version=view.model_version,
            first_seen=to_datetime(view.first_seen),
            opened_at=to_datetime(view.opened_at),
            verdict=None if view.verdict is None else Verdict(view.verdict),
        )

    @strawberry.field
    async def devices(self, info: Info) -> list[AccountLink]:
        return await _links(info, self.view.id, {"USED"})

    @strawberry.field
    async def ips(self, info: Info) -> list[AccountLink]:
        """Addresses this account shares with another account (an address one account alone
        has used has no IP node: it is on that account's transactions)."""
        return await _links(info, self.view.id, {"FROM_IP"})

    @strawberry.field
    async def merchants(self, info: Info) -> list[AccountLink]:
        return await _links(info, self.view.id, {"PAID", "REFUNDED"})

    @strawberry.field
    async def counterparties(self, info: Info) -> list[AccountLink]:
        return await _links(info, self.view.id, {"TRANSFERRED"})

    @described_field("Newest first; `since`/`until` bound the time window.")
    async def transactions(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Connection[Transaction]:
        return await account_transactions(info, self.view.id, first, after, since, until)

    @strawberry.field
    async def rings(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> Connection[Ring]:
        views = await info.context.loaders.account_rings.load(self.view.id)
        return paginate_list([Ring.of(v) for v in views], first, after, info.context.max_page)

    @strawberry.field
    async def verdicts(self, info: Info) -> list[VerdictRecord]:
        return [VerdictRecord.of(v) for v in await info.context.loaders.verdicts.load(self.view.id)]

    @described_field(
        "The account's model risk over time with the model version, oldest first (a bounded"
        " history: the latest changes the batch scoring wrote)."
    )
    def risk_history(self) -> list[RiskScorePoint]:
        return [RiskScorePoint.of(p) for p in risk_points(self.view.risk_history)]

    @described_field("Why this account scores as it does, in plain sentences.")
    async def explanation(self, info: Info) -> list[str]:
        return await explain_account(info, self.view)

    @described_field(
        "The account model's own explanation: the model and its card, the features and the "
        "neighbour edges that drove the score (null when no model is registered or the model "
        "has not seen the account)."
    )
    async def model_explanation(self, info: Info) -> ModelExplanation | None:
        return await explain_with_model(info, self.view.id)


async def _links(info: Info, account_id: str, types: set[str]) -> list[AccountLink]:
    links = await info.context.loaders.account_links.load(account_id)
    return [AccountLink.of(link) for link in links if link.type in types]


@strawberry.type
class RingMember:
    # plain fields, not resolvers: strawberry reads them directly (members lists are long)
    member: strawberry.Private[RingMemberView]
    id: strawberry.ID
    risk_score: float | None = strawberry.field(
        default=None, description="The member's risk within this ring, 0-100."
    )
    role: str | None = None

    @classmethod
    def of(cls, member: RingMemberView) -> RingMember:
        return cls(
            member=member,
            id=strawberry.ID(member.account_id),
            risk_score=member.risk,
            role=member.role,
        )

    @strawberry.field
    async def account(self, info: Info) -> Account | None:
        view = await info.context.loaders.account.load(self.member.account_id)
        return None if view is None else Account.of(view)

    @described_field("Every ring this account belongs to.")
    async def rings(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> Connection[Ring]:
        views = await info.context.loaders.account_rings.load(self.member.account_id)
        return paginate_list([Ring.of(v) for v in views], first, after, info.context.max_page)


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
        return cls(
            version=v.version,
            at=to_datetime(v.at),
            change=v.change,
            score=v.score,
            size=v.size,
            members=[strawberry.ID(m) for m in v.members],
        )


@strawberry.type
class Ring:
    view: strawberry.Private[RingView]
    id: strawberry.ID
    score: float = strawberry.field(description="Ring score 0-100.")
    size: int
    status: RingStatus
    verdict: Verdict | None
    assignee: str | None
    typologies: list[str]
    reasons: list[str]
    version: int
    created_at: datetime | None
    updated_at: datetime | None
    last_change: str | None = strawberry.field(
        description="new, grown, shrunk, merged, split, rescored or unchanged."
    )

    @classmethod
    def of(cls, view: RingView) -> Ring:
        return cls(
            view=view,
            id=strawberry.ID(view.id),
            score=view.score,
            size=view.size,
            status=RingStatus(view.status or "open"),
            verdict=None if view.verdict is None else Verdict(view.verdict),
            assignee=view.assignee,
            typologies=list(view.typologies),
            reasons=list(view.reasons),
            version=view.version,
            created_at=to_datetime(view.created_at),
            updated_at=to_datetime(view.updated_at),
            last_change=view.last_change,
        )

    @described_field("Detector evidence, as stored by detection.")
    def evidence(self) -> JSON | None:
        return json_or_text(self.view.evidence)

    @strawberry.field
    async def members(self, info: Info) -> list[RingMember]:
        return [
            RingMember.of(m) for m in await info.context.loaders.ring_members.load(self.view.id)
        ]

    @described_field(
        "Accounts that paid into the ring (or were paid by it) without acting for it: victims"
        " and counterparties, kept apart from the members and not counted in the size."
    )
    async def victims(self, info: Info) -> list[RingMember]:
        return [
            RingMember.of(m) for m in await info.context.loaders.ring_victims.load(self.view.id)
        ]

    @described_field("Earlier versions of this ring, newest first.")
    async def versions(self, info: Info) -> list[RingVersion]:
        return [
            RingVersion.of(v) for v in await info.context.loaders.ring_versions.load(self.view.id)
        ]

    @strawberry.field
    async def verdicts(self, info: Info) -> list[VerdictRecord]:
        return [VerdictRecord.of(v) for v in await info.context.loaders.verdicts.load(self.view.id)]

    @described_field(
        "Members, their links to each other and shared entities. `asOf` returns the graph as it"
        " stood then: members of the ring version then current (none before the ring existed),"
        " only edges that existed then, money counts and totals summed up to then."
    )
    async def subgraph(
        self, info: Info, limit: int = 200, as_of: datetime | None = None
    ) -> Subgraph:
        if as_of is not None:
            return await ring_subgraph_as_of(info, self.view, limit, as_of)
        check_limit(limit, "limit", info.context.max_nodes)
        return Subgraph.of(await info.context.store.ring_subgraph(self.view.id, limit))

    @described_field(
        "What changed between versions `from` and `to` (see `versions`): members, nodes and"
        " edges added or removed, each version's graph taken at the time it was written."
    )
    async def diff(
        self,
        info: Info,
        from_: Annotated[int, strawberry.argument(name="from")],
        to: int,
        limit: int = 1000,
    ) -> RingDiff:
        return await ring_diff(info, self.view, from_, to, limit)


async def account_transactions(
    info: Info,
    account_id: str,
    first: int,
    after: str | None,
    since: datetime | None,
    until: datetime | None,
) -> Connection[Transaction]:
    ctx = info.context
    check_first(first, ctx.max_page)
    before = decode_time_cursor(after)
    lo, hi = to_ms(since) or 0, to_ms(until) or FAR_FUTURE
    records = await ctx.store.account_transactions(account_id, lo, hi, before, first + 1)
    page = records[:first]
    edges = [
        Edge(node=Transaction.of(r), cursor=encode_cursor("t", f"{r.ts}|{r.id}")) for r in page
    ]
    info_ = PageInfo(
        has_next_page=len(records) > first,
        has_previous_page=before is not None,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )

    async def total() -> int:
        return len(await ctx.store.account_transactions(account_id, lo, hi, None, 100_000))

    return Connection(edges=edges, page_info=info_, total=total)
