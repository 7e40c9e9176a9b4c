"""Turn the dashboard's aggregate rows into a StatsView."""

from __future__ import annotations

from typing import Any

from core.investigation import StatsBucket, StatsView


def build_stats(
    since: int,
    until: int,
    bucket_ms: int,
    buckets: list[list[Any]],
    risk: list[list[Any]],
    totals: list[list[Any]],
) -> StatsView:
    count = max(1, -(-(until - since) // bucket_ms))
    per = {int(r[0]): r for r in buckets}
    series = []
    for i in range(count):
        r = per.get(i, [i, 0, 0.0, 0, 0, 0, 0.0, 0.0])
        series.append(
            StatsBucket(
                start=since + i * bucket_ms,
                transactions=int(r[1] or 0),
                amount=float(r[2] or 0),
                alerts=int(r[3] or 0),
                blocked=int(r[4] or 0),
                fraud=int(r[5] or 0),
            )
        )
    histogram = [0] * 10
    for decile, n in risk:
        histogram[min(9, max(0, int(decile)))] += int(n)
    rings = {str(k)[5:]: int(n) for k, n in totals if str(k).startswith("ring:")}
    accounts = next((int(n) for k, n in totals if k == "accounts"), 0)
    return StatsView(
        since=since,
        until=until,
        transactions=sum(b.transactions for b in series),
        amount=sum(b.amount for b in series),
        alerts=sum(b.alerts for b in series),
        blocked=sum(b.blocked for b in series),
        fraud=sum(b.fraud for b in series),
        amount_at_risk=sum(float(r[6] or 0) for r in buckets),
        amount_blocked=sum(float(r[7] or 0) for r in buckets),
        accounts=accounts,
        rings_by_status=rings,
        risk_histogram=tuple(histogram),
        buckets=tuple(series),
    )
