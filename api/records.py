"""Flat records: verdicts, alerts from the stream, detection runs and ingest results."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from api.types import Verdict, json_or_text, opt_id, to_datetime
from core.alerts import Alert as AlertRecord
from core.investigation import DetectionRunView, VerdictView


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
            id=strawberry.ID(v.id),
            target_type=v.target_type,
            target_id=strawberry.ID(v.target_id),
            verdict=Verdict(v.verdict),
            reason_code=v.reason_code,
            note=v.note,
            author=v.author,
            at=to_datetime(v.at),
        )


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
    def of(cls, alert: AlertRecord) -> Alert:
        return cls(
            id=strawberry.ID(alert.id),
            kind=alert.kind,
            score=alert.score,
            created_at=alert.created_at,
            account_id=opt_id(alert.account_id),
            transaction_id=opt_id(alert.transaction_id),
            ring_id=opt_id(alert.ring_id),
            reasons=list(alert.reasons),
            decision=alert.decision,
            stream_id=alert.stream_id,
        )


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
            id=strawberry.ID(run.id),
            started_at=to_datetime(run.started_at),
            finished_at=to_datetime(run.finished_at),
            duration_ms=run.duration_ms,
            detector_ms=json_or_text(run.detector_ms),
            rings_new=run.rings_new,
            rings_changed=run.rings_changed,
            rings_unchanged=run.rings_unchanged,
            rings_total=run.rings_total,
            status=run.status,
            error=run.error,
        )


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
