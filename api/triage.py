"""The triage queue over GraphQL: unassigned alerts by score and age, and bulk actions on them.

Investigators assign alerts, dismiss them with a reason code, or record a true / false positive
disposition (also a verdict on the alert's account, so it feeds training labels). Opening a case
with ``createCase(alertIds: ...)`` takes alerts out of the queue too.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from enum import Enum

import strawberry

from api.connections import Connection, check_first, decode_offset, offset_connection
from api.errors import BadInputError
from api.records import Alert
from api.types import Info, now_ms, to_datetime
from core.alerts import Alert as AlertRecord
from core.cases import CaseFilter
from core.investigation import VerdictView
from core.triage import DISPOSITION_VERDICTS, MAX_BULK, AlertTriage, TriageStore

# How many of the newest alerts the queue looks at: older untriaged alerts age out of it.
QUEUE_SCAN = 20_000


@strawberry.enum
class AlertDisposition(Enum):
    TRUE_POSITIVE = "true_positive"
    FALSE_POSITIVE = "false_positive"


@strawberry.type(description="What triage decided about an alert, by whom and when.")
class AlertTriageRecord:
    alert_id: strawberry.ID
    state: str
    assignee: str | None
    reason_code: str | None
    note: str | None
    by: str
    at: datetime | None
    account_id: strawberry.ID | None

    @classmethod
    def of(cls, t: AlertTriage) -> AlertTriageRecord:
        return cls(
            alert_id=strawberry.ID(t.alert_id),
            state=t.state,
            assignee=t.assignee,
            reason_code=t.reason_code,
            note=t.note,
            by=t.by,
            at=to_datetime(t.at),
            account_id=strawberry.ID(t.account_id) if t.account_id else None,
        )


@strawberry.type(description="An alert waiting for triage, with how long it has waited.")
class TriageItem:
    alert: Alert
    age_minutes: float


def triage_store(info: Info) -> TriageStore:
    store: TriageStore | None = getattr(info.context.services, "triage", None)
    if store is None:
        raise BadInputError("triage is not available on this server")
    return store


def _created_ms(alert: AlertRecord) -> int | None:
    try:
        return int(
            datetime.fromisoformat(alert.created_at.replace("Z", "+00:00")).timestamp() * 1000
        )
    except ValueError:
        return None


async def _newest_alerts(info: Info, limit: int) -> list[AlertRecord]:
    """Newest first; a deduplicated alert is re-sent under its id as it grows: its newest entry."""
    seen: set[str] = set()
    out: list[AlertRecord] = []
    for alert in await info.context.services.alerts.page(None, limit, None):
        if alert.id not in seen:
            seen.add(alert.id)
            out.append(alert)
    return out


async def triage_queue(
    info: Info, first: int = 50, after: str | None = None, min_score: float | None = None
) -> Connection[TriageItem]:
    """Alerts nobody has triaged or put in a case: highest score first, then oldest first."""
    info.context.require("viewer")
    check_first(first, info.context.max_page)
    offset = decode_offset(after)
    done = await triage_store(info).triaged_ids()
    cases = getattr(info.context.services, "cases", None)
    if cases is not None:
        for case in await cases.list_cases(CaseFilter(), 0, 100_000):
            done.update(case.alert_ids)
    now = now_ms()
    waiting = [
        (a, _created_ms(a))
        for a in await _newest_alerts(info, QUEUE_SCAN)
        if str(a.id) not in done and (min_score is None or a.score >= min_score)
    ]
    waiting.sort(key=lambda pair: (-pair[0].score, pair[1] if pair[1] is not None else now))
    items = [
        TriageItem(alert=Alert.of(a), age_minutes=round((now - (ms or now)) / 60_000, 1))
        for a, ms in waiting
    ]
    return offset_connection(items[offset : offset + first + 1], offset, first, len(items))


async def _find(info: Info, ids: Sequence[str]) -> dict[str, AlertRecord]:
    if not ids or len(ids) > MAX_BULK:
        raise BadInputError(f"ids: between 1 and {MAX_BULK} alert ids")
    wanted = set(ids)
    found = {str(a.id): a for a in await _newest_alerts(info, 100_000) if str(a.id) in wanted}
    missing = sorted(wanted - set(found))
    if missing:
        raise BadInputError(f"ids: no alert {missing[0][:80]!r} in the alerts stream")
    return found


def _reason(reason_code: str | None, note: str | None) -> None:
    if reason_code is not None and not 0 < len(reason_code) <= 64:
        raise BadInputError("reasonCode: 1 to 64 characters")
    if note is not None and len(note) > 4000:
        raise BadInputError("note: at most 4000 characters")


async def _record(info: Info, records: list[AlertTriage]) -> list[AlertTriageRecord]:
    await triage_store(info).record_triage(records)
    return [AlertTriageRecord.of(r) for r in records]


async def assign_alerts(
    info: Info, ids: list[strawberry.ID], assignee: str
) -> list[AlertTriageRecord]:
    ctx = info.context
    ctx.require("investigator")
    if not 0 < len(assignee.strip()) <= 128:
        raise BadInputError("assignee: 1 to 128 characters")
    found = await _find(info, [str(i) for i in ids])
    now = now_ms()
    return await _record(
        info,
        [
            AlertTriage(
                alert_id=i,
                state="assigned",
                by=ctx.principal,
                at=now,
                assignee=assignee.strip(),
                account_id=_account(a),
            )
            for i, a in found.items()
        ],
    )


async def dismiss_alerts(
    info: Info, ids: list[strawberry.ID], reason_code: str, note: str | None = None
) -> list[AlertTriageRecord]:
    ctx = info.context
    ctx.require("investigator")
    _reason(reason_code, note)
    found = await _find(info, [str(i) for i in ids])
    now = now_ms()
    return await _record(
        info,
        [
            AlertTriage(
                alert_id=i,
                state="dismissed",
                by=ctx.principal,
                at=now,
                reason_code=reason_code,
                note=note,
                account_id=_account(a),
            )
            for i, a in found.items()
        ],
    )


async def disposition_alerts(
    info: Info,
    ids: list[strawberry.ID],
    disposition: AlertDisposition,
    reason_code: str | None = None,
    note: str | None = None,
) -> list[AlertTriageRecord]:
    """Record true / false positive, and the matching verdict on each alert's account."""
    ctx = info.context
    ctx.require("investigator")
    _reason(reason_code, note)
    found = await _find(info, [str(i) for i in ids])
    now = now_ms()
    records = [
        AlertTriage(
            alert_id=i,
            state=disposition.value,
            by=ctx.principal,
            at=now,
            reason_code=reason_code,
            note=note,
            account_id=_account(a),
        )
        for i, a in found.items()
    ]
    for account in sorted({r.account_id for r in records if r.account_id}):
        alerts = ", ".join(r.alert_id for r in records if r.account_id == account)
        await ctx.store.record_verdict(
            VerdictView(
                id=f"verdict-{uuid.uuid4().hex[:16]}",
                target_type="account",
                target_id=account,
                verdict=DISPOSITION_VERDICTS[disposition.value],
                reason_code=reason_code,
                note=f"alert disposition ({alerts})" + (f": {note}" if note else ""),
                author=ctx.principal,
                at=now,
            )
        )
    return await _record(info, records)


def _account(alert: AlertRecord) -> str | None:
    return str(alert.account_id) if alert.account_id else None


async def alert_triage(info: Info, alert_id: strawberry.ID) -> AlertTriageRecord | None:
    info.context.require("viewer")
    found = (await triage_store(info).triage([alert_id]))[0]
    return None if found is None else AlertTriageRecord.of(found)
