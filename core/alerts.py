"""The alert and ring-update wire formats: one type each, one serializer, one parser.

An alert travels as JSON in the ``alerts`` stream (field ``alert``) and on the alerts pub/sub
channel (DESIGN.md); a ring update as JSON on the ring-updates channel. Producers (transaction
scoring, detection, ring workflow) build these types; consumers (the API's feeds, triage) parse
them back. Unknown extra keys (``count``, ``transactionIds`` of a deduplicated alert) are kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from core.investigation import RingView


def _opt(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


@dataclass(frozen=True)
class Alert:
    id: str
    kind: str  # TRANSACTION or RING
    score: float
    created_at: str  # ISO-8601
    account_id: str | None = None
    transaction_id: str | None = None
    ring_id: str | None = None
    reasons: tuple[str, ...] = ()
    decision: str | None = None
    stream_id: str | None = None  # where it sits in the alerts stream, when read from there
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            **self.extra,
            "id": self.id,
            "kind": self.kind,
            "score": self.score,
            "createdAt": self.created_at,
            "accountId": self.account_id,
            "transactionId": self.transaction_id,
            "ringId": self.ring_id,
            "reasons": list(self.reasons),
            "decision": self.decision,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], stream_id: str | None = None) -> Alert:
        known = (
            "id",
            "kind",
            "score",
            "createdAt",
            "accountId",
            "transactionId",
            "ringId",
            "reasons",
            "decision",
        )
        try:
            score = float(data.get("score") or 0.0)
        except (TypeError, ValueError):
            score = 0.0
        reasons = data.get("reasons")
        return cls(
            id=str(data.get("id") or stream_id),
            kind=str(data.get("kind") or ""),
            score=score,
            created_at=str(data.get("createdAt") or ""),
            account_id=_opt(data.get("accountId")),
            transaction_id=_opt(data.get("transactionId")),
            ring_id=_opt(data.get("ringId")),
            reasons=tuple(str(r) for r in reasons) if isinstance(reasons, list) else (),
            decision=_opt(data.get("decision")),
            stream_id=stream_id,
            extra={k: v for k, v in data.items() if k not in known},
        )


@dataclass(frozen=True)
class RingUpdate:
    """A ring's new state, published when detection or a verdict/workflow change touches it."""

    id: str
    score: float
    size: int
    status: str = "open"
    typologies: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    change: str | None = None
    verdict: str | None = None
    assignee: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "score": self.score,
            "size": self.size,
            "status": self.status,
            "typologies": list(self.typologies),
            "reasons": list(self.reasons),
            "change": self.change,
            "verdict": self.verdict,
            "assignee": self.assignee,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RingUpdate:
        return cls(
            id=str(data.get("id")),
            score=float(data.get("score") or 0),
            size=int(data.get("size") or 0),
            status=str(data.get("status") or "open"),
            typologies=_strings(data.get("typologies")),
            reasons=_strings(data.get("reasons")),
            change=_opt(data.get("change")),
            verdict=_opt(data.get("verdict")),
            assignee=_opt(data.get("assignee")),
        )

    @classmethod
    def of(cls, view: RingView, change: str) -> RingUpdate:
        return cls(
            id=view.id,
            score=view.score,
            size=view.size,
            status=view.status or "open",
            typologies=tuple(view.typologies),
            reasons=tuple(view.reasons),
            change=change,
            verdict=view.verdict,
            assignee=view.assignee,
        )

    def view(self) -> RingView:
        return RingView(
            id=self.id,
            score=self.score,
            size=self.size,
            status=self.status,
            typologies=self.typologies,
            reasons=self.reasons,
            last_change=self.change,
            verdict=self.verdict,
            assignee=self.assignee,
        )


def _strings(value: Any) -> tuple[str, ...]:
    return (
        tuple(str(v) for v in value)
        if isinstance(value, Sequence) and not isinstance(value, str)
        else ()
    )
