"""Dashboard figures: volumes, alert and fraud rates over time buckets, risk distribution."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.types import to_datetime
from core.investigation import StatsBucket, StatsView


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


@strawberry.type
class StatusCount:
    status: str
    count: int


@strawberry.type
class TimeBucket:
    start: datetime
    transactions: int
    amount: float
    alerts: int
    blocked: int
    fraud: int
    alert_rate: float
    fraud_rate: float

    @classmethod
    def of(cls, b: StatsBucket) -> TimeBucket:
        start = to_datetime(b.start)
        assert start is not None
        return cls(
            start=start,
            transactions=b.transactions,
            amount=b.amount,
            alerts=b.alerts,
            blocked=b.blocked,
            fraud=b.fraud,
            alert_rate=_rate(b.alerts, b.transactions),
            fraud_rate=_rate(b.fraud, b.transactions),
        )


@strawberry.type(description="Alerts here are transactions scored review or block.")
class Stats:
    since: datetime
    until: datetime
    transactions: int
    amount: float
    alerts: int
    alert_rate: float
    blocked: int
    fraud: int
    fraud_rate: float
    amount_at_risk: float
    amount_blocked: float
    accounts: int
    rings_by_status: list[StatusCount]
    risk_histogram: list[int] = strawberry.field(
        description="Transactions per risk decile: [0-10), [10-20), ... [90-100]."
    )
    buckets: list[TimeBucket]

    @classmethod
    def of(cls, s: StatsView) -> Stats:
        since, until = to_datetime(s.since), to_datetime(s.until)
        assert since is not None and until is not None
        return cls(
            since=since,
            until=until,
            transactions=s.transactions,
            amount=s.amount,
            alerts=s.alerts,
            alert_rate=_rate(s.alerts, s.transactions),
            blocked=s.blocked,
            fraud=s.fraud,
            fraud_rate=_rate(s.fraud, s.transactions),
            amount_at_risk=s.amount_at_risk,
            amount_blocked=s.amount_blocked,
            accounts=s.accounts,
            rings_by_status=[
                StatusCount(status=k, count=v) for k, v in sorted(s.rings_by_status.items())
            ],
            risk_histogram=list(s.risk_histogram),
            buckets=[TimeBucket.of(b) for b in s.buckets],
        )
