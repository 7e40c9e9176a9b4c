"""Resolver logic behind the schema: argument checks, paging, roles, calls into the ports."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from api.connections import (
    Connection,
    Edge,
    PageInfo,
    check_first,
    check_limit,
    decode_offset,
    decode_stream_id,
    encode_cursor,
    offset_connection,
)
from api.entities import Account, Ring, Transaction
from api.errors import ApiError, BadInputError
from api.investigate import alert_rings
from api.records import Alert, DetectionRun, IngestResult, Rejection
from api.stats import Stats
from api.subgraph import Subgraph
from api.types import Info, NodeType, RingSort, RingStatus, Verdict, now_ms
from core.errors import NotFoundError
from core.investigation import NODE_TYPES, RingFilter, VerdictView
from core.ports import IngestOutcome

MAX_HOPS = 3
MAX_PATH_HOPS = 10
MAX_INGEST = 10_000

# Ring workflow: where each status may move next (closed rings can be reopened).
TRANSITIONS = {
    "open": {"open", "investigating", "closed"},
    "investigating": {"investigating", "open", "closed"},
    "closed": {"closed", "open"},
}


class NotConfiguredError(ApiError):
    code = "NOT_CONFIGURED"


def selects(fields: Any, name: str) -> bool:
    """True when ``name`` is asked for anywhere below ``fields`` (fragments included)."""
    return any(
        getattr(f, "name", None) == name or selects(getattr(f, "selections", ()), name)
        for f in fields
    )


def _ms(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


# --- queries -------------------------------------------------------------------------------
async def account(info: Info, id: strawberry.ID) -> Account | None:
    info.context.require("viewer")
    view = await info.context.loaders.account.load(str(id))
    return None if view is None else Account.of(view)


async def transaction(info: Info, id: strawberry.ID) -> Transaction | None:
    info.context.require("viewer")
    record = await info.context.loaders.transaction.load(str(id))
    return None if record is None else Transaction.of(record)


async def ring(info: Info, id: strawberry.ID) -> Ring | None:
    info.context.require("viewer")
    view = await info.context.loaders.ring.load(str(id))
    return None if view is None else Ring.of(view)


async def rings(
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
    ctx = info.context
    ctx.require("viewer")
    check_first(first, ctx.max_page)
    offset = decode_offset(after)
    flt = RingFilter(
        status=status.value if status else None,
        min_score=min_score,
        typology=typology,
        since=_ms(since),
        until=_ms(until),
        sort=sort.value,
        descending=descending,
    )
    views = await ctx.store.list_rings(flt, offset, first + 1)
    for view in views:  # prime the loader: members {...} below need not fetch rings again
        ctx.loaders.ring.prime(view.id, view)

    async def total() -> int:
        return await ctx.store.count_rings(flt)

    return offset_connection([Ring.of(v) for v in views], offset, first, total)


async def alerts(
    info: Info, first: int = 50, after: str | None = None, min_score: float | None = None
) -> Connection[Alert]:
    ctx = info.context
    ctx.require("viewer")
    check_first(first, ctx.max_page)
    start = decode_stream_id(after)
    feed = ctx.services.alerts
    items = await feed.page(start, first + 1, min_score)
    page = await alert_rings.fill(ctx.store, [Alert.of(a) for a in items[:first]])
    edges = [Edge(node=a, cursor=encode_cursor("s", a.stream_id or "")) for a in page]
    page_info = PageInfo(
        has_next_page=len(items) > first,
        has_previous_page=start is not None,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )

    async def total() -> int:
        return await feed.count(min_score)

    return Connection(edges=edges, page_info=page_info, total=total)


async def neighbourhood(
    info: Info,
    id: strawberry.ID,
    hops: int = 1,
    limit: int = 200,
    since: datetime | None = None,
    until: datetime | None = None,
    types: list[NodeType] | None = None,
    as_of: datetime | None = None,
) -> Subgraph:
    ctx = info.context
    ctx.require("viewer")
    check_limit(hops, "hops", MAX_HOPS)
    check_limit(limit, "limit", ctx.max_nodes)
    wanted = [t.value for t in types] if types else list(NODE_TYPES)
    at = _ms(as_of)
    hi = _ms(until) if at is None else min(at, _ms(until) or at)
    fields = info.selected_fields
    sub = await ctx.store.neighbourhood(
        str(id),
        hops,
        limit,
        _ms(since),
        hi,
        wanted,
        props=selects(fields, "props"),
        edges=at is not None or selects(fields, "edges"),
        nodes=at is not None or selects(fields, "nodes"),
    )
    if not sub.size:
        raise NotFoundError(f"id: no node has id {str(id)[:80]!r}")
    if at is not None:
        sub = await ctx.store.rewind(sub, at)
    return Subgraph.of(sub)


async def shortest_path(
    info: Info,
    source: Annotated[strawberry.ID, strawberry.argument(name="from")],
    target: Annotated[strawberry.ID, strawberry.argument(name="to")],
    max_hops: int = 6,
    as_of: datetime | None = None,
) -> Subgraph | None:
    info.context.require("viewer")
    check_limit(max_hops, "maxHops", MAX_PATH_HOPS)
    sub = await info.context.store.shortest_path(str(source), str(target), max_hops, _ms(as_of))
    return None if sub is None else Subgraph.of(sub)


async def detection_runs(
    info: Info, first: int = 20, after: str | None = None
) -> Connection[DetectionRun]:
    ctx = info.context
    ctx.require("viewer")
    check_first(first, ctx.max_page)
    offset = decode_offset(after)
    runs = await ctx.store.detection_runs(offset, first + 1)
    return offset_connection(
        [DetectionRun.of(r) for r in runs], offset, first, ctx.store.count_detection_runs
    )


async def detection_run(info: Info, id: strawberry.ID) -> DetectionRun | None:
    info.context.require("viewer")
    run = await info.context.store.detection_run(str(id))
    return None if run is None else DetectionRun.of(run)


async def stats(
    info: Info, since: datetime | None = None, until: datetime | None = None, buckets: int = 24
) -> Stats:
    info.context.require("viewer")
    check_limit(buckets, "buckets", 366)
    hi = _ms(until) or now_ms()
    lo = _ms(since) or hi - 86_400_000
    if lo >= hi:
        raise BadInputError("since: must be before until")
    bucket_ms = max(1, -(-(hi - lo) // buckets))
    return Stats.of(await info.context.store.stats(lo, hi, bucket_ms))


# --- mutations -----------------------------------------------------------------------------
def _verdict(
    info: Info,
    target_type: str,
    target_id: str,
    verdict: Verdict,
    note: str | None,
    reason_code: str | None,
) -> VerdictView:
    if note is not None and len(note) > 4000:
        raise BadInputError("note: at most 4000 characters")
    if reason_code is not None and len(reason_code) > 64:
        raise BadInputError("reasonCode: at most 64 characters")
    return VerdictView(
        id=f"verdict-{uuid.uuid4().hex[:16]}",
        target_type=target_type,
        target_id=target_id,
        verdict=verdict.value,
        reason_code=reason_code,
        note=note,
        author=info.context.principal,
        at=now_ms(),
    )


async def label_ring(
    info: Info,
    id: strawberry.ID,
    verdict: Verdict,
    note: str | None = None,
    reason_code: str | None = None,
) -> Ring:
    info.context.require("investigator")
    record = _verdict(info, "ring", str(id), verdict, note, reason_code)
    await info.context.store.record_verdict(record)
    return await _fresh_ring(info, str(id), "verdict")


async def label_account(
    info: Info,
    id: strawberry.ID,
    verdict: Verdict,
    note: str | None = None,
    reason_code: str | None = None,
) -> Account:
    info.context.require("investigator")
    record = _verdict(info, "account", str(id), verdict, note, reason_code)
    await info.context.store.record_verdict(record)
    view = (await info.context.store.accounts([str(id)]))[0]
    if view is None:
        raise NotFoundError(f"id: no account {str(id)[:80]!r}")
    return Account.of(view)


async def update_ring(
    info: Info,
    id: strawberry.ID,
    status: RingStatus | None = None,
    assignee: str | None = None,
) -> Ring:
    ctx = info.context
    ctx.require("investigator")
    current = (await ctx.store.rings([str(id)]))[0]
    if current is None:
        raise NotFoundError(f"id: no ring {str(id)[:80]!r}")
    if status is not None and status.value not in TRANSITIONS.get(current.status or "open", set()):
        raise BadInputError(f"status: a {current.status} ring cannot move to {status.value}")
    if assignee is not None and len(assignee) > 128:
        raise BadInputError("assignee: at most 128 characters")
    await ctx.store.update_ring_workflow(
        str(id), status.value if status else None, assignee, now_ms()
    )
    return await _fresh_ring(info, str(id), "workflow")


async def _fresh_ring(info: Info, ring_id: str, change: str) -> Ring:
    view = (await info.context.store.rings([ring_id]))[0]
    if view is None:
        raise NotFoundError(f"id: no ring {ring_id[:80]!r}")
    info.context.loaders.ring.prime(ring_id, view, force=True)
    await info.context.services.publish_ring(view, change)
    return Ring.of(view)


async def run_detection(info: Info) -> DetectionRun:
    ctx = info.context
    ctx.require("admin")
    runner = ctx.services.runner
    if runner is None:
        raise NotConfiguredError("detection is not wired into this API process")
    result = await asyncio.to_thread(runner)
    run = await ctx.store.detection_run(result.run_id)
    if run is None:
        raise NotFoundError("the detection run finished but left no DetectionRun record")
    return DetectionRun.of(run)


async def ingest_transactions(info: Info, events: list[JSON]) -> IngestResult:
    ctx = info.context
    ctx.require("admin")
    pipeline = ctx.services.pipeline
    if pipeline is None:
        raise NotConfiguredError("ingest is not wired into this API process")
    if len(events) > MAX_INGEST:
        raise BadInputError(f"events: at most {MAX_INGEST} per call (got {len(events)})")
    sources = [f"api:{i}" for i in range(len(events))]
    raw: list[Any] = list(events)  # JSON values, validated by the pipeline like stream entries
    result = await asyncio.to_thread(pipeline.process_raw, raw, sources)
    return _ingest_result(result)


def _ingest_result(result: IngestOutcome) -> IngestResult:
    items: list[Rejection] = []
    for i, item in enumerate(result.rejected):
        source = item.source
        index = int(source[4:]) if source.startswith("api:") and source[4:].isdigit() else i
        items.append(Rejection(index=index, reason=item.reason))
    return IngestResult(
        applied=result.applied,
        duplicates=result.duplicates,
        rejected=len(items),
        rejections=items,
    )


# --- subscriptions -------------------------------------------------------------------------
async def live_alerts(
    info: Info, min_score: float = 0, after: strawberry.ID | None = None
) -> AsyncIterator[Alert]:
    info.context.require("viewer")
    async for alert in info.context.services.alerts.follow(min_score, after):
        yield (await alert_rings.fill(info.context.store, [Alert.of(alert)]))[0]


async def live_rings(info: Info, min_score: float = 0) -> AsyncIterator[Ring]:
    info.context.require("viewer")
    async for view in info.context.services.broadcaster.rings(min_score):
        yield Ring.of(view)
