"""The strawberry schema: Query, Mutation, Subscription. Resolvers live in ``api.resolvers``."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from strawberry.scalars import JSON
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from api import cases, triage
from api import resolvers as r
from api.case_types import Case, CaseDisposition, CaseFileInput, CasePriority, CaseStatus
from api.connections import Connection
from api.documents import Limits, document_cache
from api.entities import Account, Ring, Transaction
from api.errors import classify
from api.explanations import ModelQueries
from api.fields import described_field, described_mutation, described_subscription
from api.investigate import InvestigatorQueries
from api.records import Alert, DetectionRun, IngestResult
from api.stats import Stats
from api.subgraph import Subgraph
from api.triage import AlertDisposition, AlertTriageRecord, TriageItem
from api.types import Info, NodeType, RingSort, RingStatus, Verdict


@strawberry.type
class Query(InvestigatorQueries, ModelQueries):
    @strawberry.field
    async def account(self, info: Info, id: strawberry.ID) -> Account | None:
        return await r.account(info, id)

    @described_field("A transaction with its score and the reasons behind it.")
    async def transaction(self, info: Info, id: strawberry.ID) -> Transaction | None:
        return await r.transaction(info, id)

    @strawberry.field
    async def ring(self, info: Info, id: strawberry.ID) -> Ring | None:
        return await r.ring(info, id)

    @described_field("Rings, highest score first unless `sort` says otherwise.")
    async def rings(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        min_score: float | None = None,
        status: RingStatus | None = None,
        typology: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        sort: RingSort = RingSort.SCORE,
        descending: bool = True,
    ) -> Connection[Ring]:
        return await r.rings(
            info, first, after, min_score, status, typology, since, until, sort, descending
        )

    @described_field("Alerts from the `alerts` stream, newest first.")
    async def alerts(
        self, info: Info, first: int = 50, after: str | None = None, min_score: float | None = None
    ) -> Connection[Alert]:
        return await r.alerts(info, first, after, min_score)

    @described_field(
        "Nodes within `hops` of `id`; `limit` caps nodes (see truncated). `asOf` returns the "
        "graph as it stood then: only edges that existed, money totals summed up to that instant."
    )
    async def neighbourhood(
        self,
        info: Info,
        id: strawberry.ID,
        hops: int = 1,
        limit: int = 200,
        since: datetime | None = None,
        until: datetime | None = None,
        types: list[NodeType] | None = None,
        as_of: datetime | None = None,
    ) -> Subgraph:
        return await r.neighbourhood(info, id, hops, limit, since, until, types, as_of)

    @described_field(
        "A shortest undirected path between two nodes, or null; `asOf`: through edges that "
        "existed then, with totals as of then."
    )
    async def shortest_path(
        self,
        info: Info,
        from_: Annotated[strawberry.ID, strawberry.argument(name="from")],
        to: strawberry.ID,
        max_hops: int = 6,
        as_of: datetime | None = None,
    ) -> Subgraph | None:
        return await r.shortest_path(info, from_, to, max_hops, as_of)

    @described_field("Detection runs, newest first.")
    async def detection_runs(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> Connection[DetectionRun]:
        return await r.detection_runs(info, first, after)

    @strawberry.field
    async def detection_run(self, info: Info, id: strawberry.ID) -> DetectionRun | None:
        return await r.detection_run(info, id)

    @described_field(
        "Cases, newest first, filtered by status, assignee, priority, ring or account."
    )
    async def cases(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        status: CaseStatus | None = None,
        assignee: str | None = None,
        priority: CasePriority | None = None,
        ring_id: strawberry.ID | None = None,
        account_id: strawberry.ID | None = None,
    ) -> Connection[Case]:
        return await cases.cases(
            info, first, after, status, assignee, priority, ring_id, account_id
        )

    @strawberry.field
    async def case(self, info: Info, id: strawberry.ID) -> Case | None:
        return await cases.case(info, id)

    @described_field(
        "Alerts nobody has triaged or put in a case: highest score, then oldest first."
    )
    async def triage_queue(
        self, info: Info, first: int = 50, after: str | None = None, min_score: float | None = None
    ) -> Connection[TriageItem]:
        return await triage.triage_queue(info, first, after, min_score)

    @described_field("What triage decided about an alert, or null if nothing yet.")
    async def alert_triage(self, info: Info, alert_id: strawberry.ID) -> AlertTriageRecord | None:
        return await triage.alert_triage(info, alert_id)

    @described_field("Dashboard figures over a window (default: the last 24 h).")
    async def stats(
        self,
        info: Info,
        since: datetime | None = None,
        until: datetime | None = None,
        buckets: int = 24,
    ) -> Stats:
        return await r.stats(info, since, until, buckets)


@strawberry.type
class Mutation:
    @described_mutation("Record a verdict on a ring (investigator).")
    async def label_ring(
        self,
        info: Info,
        id: strawberry.ID,
        verdict: Verdict,
        note: str | None = None,
        reason_code: str | None = None,
    ) -> Ring:
        return await r.label_ring(info, id, verdict, note, reason_code)

    @described_mutation("Record a verdict on an account (investigator).")
    async def label_account(
        self,
        info: Info,
        id: strawberry.ID,
        verdict: Verdict,
        note: str | None = None,
        reason_code: str | None = None,
    ) -> Account:
        return await r.label_account(info, id, verdict, note, reason_code)

    @described_mutation("Move a ring through open -> investigating -> closed.")
    async def update_ring(
        self,
        info: Info,
        id: strawberry.ID,
        status: RingStatus | None = None,
        assignee: str | None = None,
    ) -> Ring:
        return await r.update_ring(info, id, status, assignee)

    @described_mutation("Run ring detection now (admin); returns the run record.")
    async def run_detection(self, info: Info) -> DetectionRun:
        return await r.run_detection(info)

    @described_mutation("Open a case from alerts, rings and accounts (investigator).")
    async def create_case(
        self,
        info: Info,
        title: str,
        priority: CasePriority = CasePriority.MEDIUM,
        assignee: str | None = None,
        due_at: datetime | None = None,
        alert_ids: list[strawberry.ID] | None = None,
        ring_ids: list[strawberry.ID] | None = None,
        account_ids: list[strawberry.ID] | None = None,
        note: str | None = None,
    ) -> Case:
        return await cases.create_case(
            info,
            title,
            priority,
            assignee,
            due_at,
            alert_ids or [],
            ring_ids or [],
            account_ids or [],
            note,
        )

    @described_mutation(
        "Change a case's status (new -> investigating -> escalated -> closed; closing needs a "
        "disposition), priority, assignee (reassigning someone else's case: admin) or due date."
    )
    async def update_case(
        self,
        info: Info,
        id: strawberry.ID,
        title: str | None = None,
        status: CaseStatus | None = None,
        priority: CasePriority | None = None,
        assignee: str | None = None,
        unassign: bool = False,
        due_at: datetime | None = None,
        disposition: CaseDisposition | None = None,
    ) -> Case:
        return await cases.update_case(
            info, id, title, status, priority, assignee, unassign, due_at, disposition
        )

    @described_mutation("Append a note to a case (investigator); notes are never edited.")
    async def add_case_note(self, info: Info, id: strawberry.ID, text: str) -> Case:
        return await cases.add_case_note(info, id, text)

    @described_mutation("Attach alerts, rings, accounts and/or an export file to a case.")
    async def attach_to_case(
        self,
        info: Info,
        id: strawberry.ID,
        alert_ids: list[strawberry.ID] | None = None,
        ring_ids: list[strawberry.ID] | None = None,
        account_ids: list[strawberry.ID] | None = None,
        file: CaseFileInput | None = None,
    ) -> Case:
        return await cases.attach_to_case(
            info, id, alert_ids or [], ring_ids or [], account_ids or [], file
        )

    @described_mutation("Assign alerts to an investigator (takes them out of the queue).")
    async def assign_alerts(
        self, info: Info, ids: list[strawberry.ID], assignee: str
    ) -> list[AlertTriageRecord]:
        return await triage.assign_alerts(info, ids, assignee)

    @described_mutation("Dismiss alerts with a reason code (investigator).")
    async def dismiss_alerts(
        self, info: Info, ids: list[strawberry.ID], reason_code: str, note: str | None = None
    ) -> list[AlertTriageRecord]:
        return await triage.dismiss_alerts(info, ids, reason_code, note)

    @described_mutation(
        "Record alerts as true or false positives; each also becomes a verdict on the alert's "
        "account, which training uses as a label."
    )
    async def disposition_alerts(
        self,
        info: Info,
        ids: list[strawberry.ID],
        disposition: AlertDisposition,
        reason_code: str | None = None,
        note: str | None = None,
    ) -> list[AlertTriageRecord]:
        return await triage.disposition_alerts(info, ids, disposition, reason_code, note)

    @described_mutation("Submit transactions, validated exactly like the stream (admin).")
    async def ingest_transactions(self, info: Info, events: list[JSON]) -> IngestResult:
        return await r.ingest_transactions(info, events)


@strawberry.type
class Subscription:
    @described_subscription("Live alerts; `after` replays what a reconnect missed.")
    async def alerts(
        self, info: Info, min_score: float = 0, after: strawberry.ID | None = None
    ) -> AsyncGenerator[Alert, None]:
        async for alert in r.live_alerts(info, min_score, after):
            yield alert

    @described_subscription("Ring changes published by detection and workflow.")
    async def ring_updates(self, info: Info, min_score: float = 0) -> AsyncGenerator[Ring, None]:
        async for ring in r.live_rings(info, min_score):
            yield ring

    @described_subscription("Cases as they change (created, updated, noted, attached).")
    async def case_updates(
        self, info: Info, status: CaseStatus | None = None
    ) -> AsyncGenerator[Case, None]:
        async for case in cases.live_cases(info, status):
            yield case


class RingscopeSchema(strawberry.Schema):
    """Codes every error (``extensions.code``) and masks internal ones."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            classify(error)


def build_schema(
    *,
    max_depth: int = 10,
    max_tokens: int = 2000,
    max_aliases: int = 30,
    introspection: bool = True,
    extra: list[Any] | None = None,
    max_cost: int = 20_000,
    max_page: int = 100,
    public_introspection: bool = True,
) -> strawberry.Schema:
    """The schema with its limits; each distinct document is parsed and validated once."""
    limits = Limits(
        max_depth=max_depth,
        max_tokens=max_tokens,
        max_aliases=max_aliases,
        introspection=introspection,
        max_cost=max_cost,
        max_page=max_page,
        public_introspection=public_introspection,
    )
    extensions: list[Any] = [document_cache(limits), *(extra or [])]
    return RingscopeSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True),
    )


schema = build_schema()  # the default shape, exported to api/schema.graphql
