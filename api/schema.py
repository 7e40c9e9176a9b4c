"""The strawberry schema: Query, Mutation, Subscription. Resolvers live in ``api.resolvers``."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from api import cases as case_resolvers
from api import resolvers as r
from api import triage
from api.documents import Limits, document_cache
from api.errors import classify
from api.explanations import ModelQueries
from api.investigate import InvestigatorQueries


@strawberry.type
class Query(InvestigatorQueries, ModelQueries):
    account = strawberry.field(resolver=r.account)
    transaction = strawberry.field(
        resolver=r.transaction,
        description="A transaction with its score and the reasons behind it.",
    )
    ring = strawberry.field(resolver=r.ring)
    rings = strawberry.field(
        resolver=r.rings, description="Rings, highest score first unless `sort` says otherwise."
    )
    alerts = strawberry.field(
        resolver=r.alerts, description="Alerts from the `alerts` stream, newest first."
    )
    neighbourhood = strawberry.field(
        resolver=r.neighbourhood,
        description="Nodes within `hops` of `id`; `limit` caps nodes (see truncated). `asOf` "
        "returns the graph as it stood then: only edges that existed, money totals summed up to "
        "that instant.",
    )
    shortest_path = strawberry.field(
        resolver=r.shortest_path,
        description="A shortest undirected path between two nodes, or null; `asOf`: through "
        "edges that existed then, with totals as of then.",
    )
    detection_runs = strawberry.field(
        resolver=r.detection_runs, description="Detection runs, newest first."
    )
    detection_run = strawberry.field(resolver=r.detection_run)
    cases = strawberry.field(
        resolver=case_resolvers.cases,
        description="Cases, newest first, filtered by status, assignee, priority, ring or account.",
    )
    case = strawberry.field(resolver=case_resolvers.case)
    triage_queue = strawberry.field(
        resolver=triage.triage_queue,
        description="Alerts nobody has triaged or put in a case: highest score, then oldest first.",
    )
    alert_triage = strawberry.field(
        resolver=triage.alert_triage,
        description="What triage decided about an alert, or null if nothing yet.",
    )
    stats = strawberry.field(
        resolver=r.stats, description="Dashboard figures over a window (default: the last 24 h)."
    )


@strawberry.type
class Mutation:
    label_ring = strawberry.mutation(
        resolver=r.label_ring, description="Record a verdict on a ring (investigator)."
    )
    label_account = strawberry.mutation(
        resolver=r.label_account, description="Record a verdict on an account (investigator)."
    )
    update_ring = strawberry.mutation(
        resolver=r.update_ring, description="Move a ring through open -> investigating -> closed."
    )
    run_detection = strawberry.mutation(
        resolver=r.run_detection,
        description="Run ring detection now (admin); returns the run record.",
    )
    create_case = strawberry.mutation(
        resolver=case_resolvers.create_case,
        description="Open a case from alerts, rings and accounts (investigator).",
    )
    update_case = strawberry.mutation(
        resolver=case_resolvers.update_case,
        description="Change a case's status (new -> investigating -> escalated -> closed; closing "
        "needs a disposition), priority, assignee (reassigning someone else's case: admin) or due "
        "date.",
    )
    add_case_note = strawberry.mutation(
        resolver=case_resolvers.add_case_note,
        description="Append a note to a case (investigator); notes are never edited.",
    )
    attach_to_case = strawberry.mutation(
        resolver=case_resolvers.attach_to_case,
        description="Attach alerts, rings, accounts and/or an export file to a case.",
    )
    assign_alerts = strawberry.mutation(
        resolver=triage.assign_alerts,
        description="Assign alerts to an investigator (takes them out of the queue).",
    )
    dismiss_alerts = strawberry.mutation(
        resolver=triage.dismiss_alerts,
        description="Dismiss alerts with a reason code (investigator).",
    )
    disposition_alerts = strawberry.mutation(
        resolver=triage.disposition_alerts,
        description="Record alerts as true or false positives; each also becomes a verdict on the "
        "alert's account, which training uses as a label.",
    )
    ingest_transactions = strawberry.mutation(
        resolver=r.ingest_transactions,
        description="Submit transactions, validated exactly like the stream (admin).",
    )


@strawberry.type
class Subscription:
    alerts = strawberry.subscription(
        resolver=r.live_alerts,
        description="Live alerts; `after` replays what a reconnect missed.",
    )
    ring_updates = strawberry.subscription(
        resolver=r.live_rings, description="Ring changes published by detection and workflow."
    )
    case_updates = strawberry.subscription(
        resolver=case_resolvers.live_cases,
        description="Cases as they change (created, updated, noted, attached).",
    )


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
