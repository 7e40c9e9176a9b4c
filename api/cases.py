"""Cases over GraphQL: the resolvers (types in ``api/case_types.py``).

Viewers read cases and audit trails; investigators open, work, note and attach; admins also
reassign a case held by someone else and reopen closed ones. Every change lands in the case's
audit trail with the API key's name and role.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from collections.abc import AsyncGenerator
from dataclasses import replace
from datetime import datetime
from typing import Any

import orjson
import strawberry

from api.case_types import (
    Case,
    CaseDisposition,
    CaseFileInput,
    CasePriority,
    CaseStatus,
    case_store,
)
from api.connections import Connection, check_first, decode_offset, offset_connection
from api.errors import BadInputError, ForbiddenError
from api.types import Info, now_ms, to_ms
from core.cases import (
    Actor,
    CaseAttachment,
    CaseChange,
    CaseError,
    CaseFilter,
    CasePermissionError,
    CaseView,
    add_note,
    apply_change,
    attach,
    new_case,
)

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = ("image/png", "text/csv", "application/graphml+xml", "application/json")


def _actor(info: Info, role: str) -> Actor:
    ctx = info.context
    ctx.require(role)
    return Actor(name=ctx.principal, role=str(ctx.role))


def _domain_errors(exc: CaseError) -> Exception:
    if isinstance(exc, CasePermissionError):
        return ForbiddenError(str(exc))
    return BadInputError(str(exc))


async def cases(
    info: Info,
    first: int = 20,
    after: str | None = None,
    status: CaseStatus | None = None,
    assignee: str | None = None,
    priority: CasePriority | None = None,
    ring_id: strawberry.ID | None = None,
    account_id: strawberry.ID | None = None,
) -> Connection[Case]:
    info.context.require("viewer")
    check_first(first, info.context.max_page)
    offset = decode_offset(after)
    flt = CaseFilter(
        status=status.value if status else None,
        assignee=assignee,
        priority=priority.value if priority else None,
        ring_id=str(ring_id) if ring_id else None,
        account_id=str(account_id) if account_id else None,
    )
    store = case_store(info)
    found = await store.list_cases(flt, offset, first + 1)

    async def total() -> int:
        return await store.count_cases(flt)

    return offset_connection([Case.of(c) for c in found], offset, first, total)


async def case(info: Info, id: strawberry.ID) -> Case | None:
    info.context.require("viewer")
    found = (await case_store(info).cases([str(id)]))[0]
    return None if found is None else Case.of(found)


def _ids(ids: list[strawberry.ID] | None) -> list[str]:
    return [str(i) for i in ids or ()]


async def create_case(
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
    actor = _actor(info, "investigator")
    now = now_ms()
    try:
        view = new_case(
            f"case-{uuid.uuid4().hex[:12]}",
            title,
            actor,
            now,
            priority=priority.value,
            assignee=assignee,
            due_at=to_ms(due_at),
            alert_ids=_ids(alert_ids),
            ring_ids=_ids(ring_ids),
            account_ids=_ids(account_ids),
        )
        if note:
            view = add_note(view, note, actor, now)
    except CaseError as exc:
        raise _domain_errors(exc) from exc
    return Case.of(await case_store(info).create_case(view, actor))


async def _change(info: Info, id: str, action: str, fn: Any) -> Case:
    actor = _actor(info, "investigator")
    now = now_ms()
    try:
        view = await case_store(info).change_case(
            str(id), lambda c: fn(c, actor, now), action, actor
        )
    except CaseError as exc:
        raise _domain_errors(exc) from exc
    return Case.of(view)


async def update_case(
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
    change = CaseChange(
        title=title,
        status=status.value if status else None,
        priority=priority.value if priority else None,
        assignee=assignee,
        clear_assignee=unassign,
        due_at=to_ms(due_at),
        disposition=disposition.value if disposition else None,
    )
    return await _change(info, id, "update", lambda c, a, now: apply_change(c, change, a, now))


async def add_case_note(info: Info, id: strawberry.ID, text: str) -> Case:
    return await _change(info, id, "note", lambda c, a, now: add_note(c, text, a, now))


async def attach_to_case(
    info: Info,
    id: strawberry.ID,
    alert_ids: list[strawberry.ID] | None = None,
    ring_ids: list[strawberry.ID] | None = None,
    account_ids: list[strawberry.ID] | None = None,
    file: CaseFileInput | None = None,
) -> Case:
    actor = _actor(info, "investigator")
    now = now_ms()
    upload = None if file is None else _attachment(file, actor, now)

    def apply(c: CaseView, a: Actor, at: int) -> CaseView:
        c = attach(c, _ids(alert_ids), _ids(ring_ids), _ids(account_ids))
        files = c.attachments if upload is None else (*c.attachments, upload[0])
        return replace(c, attachments=files, updated_at=at)

    try:
        view = await case_store(info).change_case(
            str(id), lambda c: apply(c, actor, now), "attach", actor, upload
        )
    except CaseError as exc:
        raise _domain_errors(exc) from exc
    return Case.of(view)


def _attachment(file: CaseFileInput, actor: Actor, now: int) -> tuple[CaseAttachment, bytes]:
    if file.content_type not in ATTACHMENT_TYPES:
        raise BadInputError(f"file.contentType: one of {', '.join(ATTACHMENT_TYPES)}")
    name = file.name.strip()
    if not name or len(name) > 200 or "\x00" in name:
        raise BadInputError("file.name: 1 to 200 characters, no NUL bytes")
    if len(file.data_base64) > MAX_ATTACHMENT_BYTES * 4 // 3 + 4:
        raise BadInputError(f"file.dataBase64: at most {MAX_ATTACHMENT_BYTES} bytes")
    try:
        data = base64.b64decode(file.data_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadInputError("file.dataBase64: not valid base64") from exc
    meta = CaseAttachment(
        id=uuid.uuid4().hex[:12],
        name=name,
        content_type=file.content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        at=now,
        author=actor.name,
    )
    return meta, data


async def live_cases(info: Info, status: CaseStatus | None = None) -> AsyncGenerator[Case, None]:
    """Each changed case, read fresh after its change was published."""
    info.context.require("viewer")
    services = info.context.services
    store = case_store(info)
    async with services.bus.subscribe(services.settings.case_updates_channel) as messages:
        async for _channel, data in messages:
            try:
                case_id = str(orjson.loads(data)["id"])
            except (orjson.JSONDecodeError, KeyError, TypeError):
                continue
            view = (await store.cases([case_id]))[0]
            if view is not None and (status is None or view.status == status.value):
                yield Case.of(view)
