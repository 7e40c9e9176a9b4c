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

from api import resolvers as r
from api.connections import Connection
from api.documents import document_cache
from api.entities import Account, Ring, Transaction
from api.errors import classify
from api.fields import described_field, described_mutation, described_subscription
from api.investigate import InvestigatorQueries
from api.records import Alert, DetectionRun, IngestResult
from api.stats import Stats
from api.subgraph import Subgraph
from api.types import Info, NodeType, RingSort, RingStatus, Verdict


@strawberry.type
class Query(InvestigatorQueries):
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
        self, info: Info, first: int = 20, after: str | None = None,
        min_score: float | None = None, status: RingStatus | None = None,
        typology: str | None = None, since: datetime | None = None, until: datetime | None = None,
        sort: RingSort = RingSort.SCORE, descending: bool = True,
    ) -> Connection[Ring]:  # fmt: skip
        return await r.rings(info, first, after, min_score, status, typology, since, until, sort,
                             descending)  # fmt: skip

    @described_field("Alerts from the `alerts` stream, newest first.")
    async def alerts(
        self, info: Info, first: int = 50, after: str | None = None, min_score: float | None = None
    ) -> Connection[Alert]:
        return await r.alerts(info, first, after, min_score)

    @described_field("Nodes within `hops` of `id`; `limit` caps nodes (see truncated).")
    async def neighbourhood(
        self, info: Info, id: strawberry.ID, hops: int = 1, limit: int = 200,
        since: datetime | None = None, until: datetime | None = None,
        types: list[NodeType] | None = None,
    ) -> Subgraph:  # fmt: skip
        return await r.neighbourhood(info, id, hops, limit, since, until, types)

    @described_field("A shortest undirected path between two nodes, or null.")
    async def shortest_path(
        self, info: Info, from_: Annotated[strawberry.ID, strawberry.argument(name="from")],
        to: strawberry.ID, max_hops: int = 6,
    ) -> Subgraph | None:  # fmt: skip
        return await r.shortest_path(info, from_, to, max_hops)

    @described_field("Detection runs, newest first.")
    async def detection_runs(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> Connection[DetectionRun]:
        return await r.detection_runs(info, first, after)

    @strawberry.field
    async def detection_run(self, info: Info, id: strawberry.ID) -> DetectionRun | None:
        return await r.detection_run(info, id)

    @described_field("Dashboard figures over a window (default: the last 24 h).")
    async def stats(
        self, info: Info, since: datetime | None = None, until: datetime | None = None,
        buckets: int = 24,
    ) -> Stats:  # fmt: skip
        return await r.stats(info, since, until, buckets)


@strawberry.type
class Mutation:
    @described_mutation("Record a verdict on a ring (investigator).")
    async def label_ring(
        self, info: Info, id: strawberry.ID, verdict: Verdict, note: str | None = None,
        reason_code: str | None = None,
    ) -> Ring:  # fmt: skip
        return await r.label_ring(info, id, verdict, note, reason_code)

    @described_mutation("Record a verdict on an account (investigator).")
    async def label_account(
        self, info: Info, id: strawberry.ID, verdict: Verdict, note: str | None = None,
        reason_code: str | None = None,
    ) -> Account:  # fmt: skip
        return await r.label_account(info, id, verdict, note, reason_code)

    @described_mutation("Move a ring through open -> investigating -> closed.")
    async def update_ring(
        self, info: Info, id: strawberry.ID, status: RingStatus | None = None,
        assignee: str | None = None,
    ) -> Ring:  # fmt: skip
        return await r.update_ring(info, id, status, assignee)

    @described_mutation("Run ring detection now (admin); returns the run record.")
    async def run_detection(self, info: Info) -> DetectionRun:
        return await r.run_detection(info)

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


class RingscopeSchema(strawberry.Schema):
    """Codes every error (``extensions.code``) and masks internal ones."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            classify(error)


def build_schema(
    *, max_depth: int = 10, max_tokens: int = 2000, max_aliases: int = 30,
    introspection: bool = True, extra: list[Any] | None = None,
) -> strawberry.Schema:  # fmt: skip
    """The schema with its limits; each distinct document is parsed and validated once."""
    extensions: list[Any] = [
        document_cache(max_depth, max_tokens, max_aliases, introspection),
        *(extra or []),
    ]
    return RingscopeSchema(
        query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True),
    )  # fmt: skip


schema = build_schema()  # the default shape, exported to api/schema.graphql
