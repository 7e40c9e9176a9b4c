"""Cases over GraphQL: types built from ``core.cases`` views, and their resolvers.

Viewers read cases and audit trails; investigators open, work, note and attach; admins also
reassign a case held by someone else and reopen closed ones. Every change lands in the case's
audit trail with the API key's name and role.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import time
import uuid
from collections.abc import AsyncGenerator
from dataclasses import replace
from datetime import UTC, datetime
from enum import Enum
from typing import Any, cast

import orjson
import strawberry
from strawberry.scalars import JSON

from api.connections import Connection, check_first, decode_offset, offset_connection
from api.entities import Ring
from api.errors import BadInputError, ForbiddenError
from api.feeds import _close_pubsub
from api.fields import described_field
from api.types import Info
from core.cases import (
    Actor,
    AuditEntry,
    CaseAttachment,
    CaseChange,
    CaseError,
    CaseFilter,
    CasePermissionError,
    CaseStore,
    CaseView,
    add_note,
    apply_change,
    attach,
    new_case,
)

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = ("image/png", "text/csv", "application/graphml+xml", "application/json")


@strawberry.enum
class CaseStatus(Enum):
    NEW = "new"
    INVESTIGATING = "investigating"
    ESCALATED = "escalated"
    CLOSED = "closed"


@strawberry.enum
class CasePriority(Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


@strawberry.enum
class CaseDisposition(Enum):
    CONFIRMED_FRAUD = "confirmed_fraud"
    FALSE_POSITIVE = "false_positive"
    NO_ACTION = "no_action"
    REFERRED = "referred"


def _dt(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)


def _ms(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


@strawberry.type
class CaseNote:
    at: datetime | None
    author: str
    text: str


@strawberry.type(description="An export attached to a case; `dataBase64` returns its bytes.")
class CaseAttachmentInfo:
    id: strawberry.ID
    name: str
    content_type: str
    size: int
    sha256: str
    at: datetime | None
    author: str
    case_id: strawberry.Private[str]

    @strawberry.field
    async def data_base64(self, info: Info) -> str | None:
        raw = await case_store(info).attachment_bytes(self.case_id, str(self.id))
        return None if raw is None else base64.b64encode(raw).decode()


@strawberry.type(description="One change to a case: who, with which role, what, when.")
class CaseAuditEntry:
    at: datetime | None
    actor: str
    role: str
    action: str
    before: JSON
    after: JSON

    @classmethod
    def of(cls, entry: AuditEntry) -> CaseAuditEntry:
        return cls(
            at=_dt(entry.at),
            actor=entry.actor,
            role=entry.role,
            action=entry.action,
            before=cast(JSON, entry.before),
            after=cast(JSON, entry.after),
        )


@strawberry.type(description="An investigation gathering alerts, rings and accounts.")
class Case:
    view: strawberry.Private[CaseView]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.view.id)

    @strawberry.field
    def title(self) -> str:
        return self.view.title

    @strawberry.field
    def status(self) -> CaseStatus:
        return CaseStatus(self.view.status)

    @strawberry.field
    def priority(self) -> CasePriority:
        return CasePriority(self.view.priority)

    @strawberry.field
    def assignee(self) -> str | None:
        return self.view.assignee

    @strawberry.field
    def due_at(self) -> datetime | None:
        return _dt(self.view.due_at)

    @strawberry.field
    def disposition(self) -> CaseDisposition | None:
        return CaseDisposition(self.view.disposition) if self.view.disposition else None

    @strawberry.field
    def created_at(self) -> datetime | None:
        return _dt(self.view.created_at)

    @strawberry.field
    def updated_at(self) -> datetime | None:
        return _dt(self.view.updated_at)

    @strawberry.field
    def created_by(self) -> str:
        return self.view.created_by

    @strawberry.field
    def alert_ids(self) -> list[strawberry.ID]:
        return [strawberry.ID(i) for i in self.view.alert_ids]

    @strawberry.field
    def ring_ids(self) -> list[strawberry.ID]:
        return [strawberry.ID(i) for i in self.view.ring_ids]

    @strawberry.field
    def account_ids(self) -> list[strawberry.ID]:
        return [strawberry.ID(i) for i in self.view.account_ids]

    @described_field("The case's rings that still exist.")
    async def rings(self, info: Info) -> list[Ring]:
        views = await info.context.loaders.ring.load_many(list(self.view.ring_ids))
        return [Ring(view=v) for v in views if v is not None]

    @described_field("Append-only notes, oldest first.")
    def notes(self) -> list[CaseNote]:
        return [CaseNote(at=_dt(n.at), author=n.author, text=n.text) for n in self.view.notes]

    @strawberry.field
    def attachments(self) -> list[CaseAttachmentInfo]:
        return [
            CaseAttachmentInfo(
                id=strawberry.ID(a.id),
                name=a.name,
                content_type=a.content_type,
                size=a.size,
                sha256=a.sha256,
                at=_dt(a.at),
                author=a.author,
                case_id=self.view.id,
            )
            for a in self.view.attachments
        ]

    @described_field("Every change, oldest first; it cannot be edited.")
    async def audit(self, info: Info) -> list[CaseAuditEntry]:
        return [CaseAuditEntry.of(e) for e in await case_store(info).audit_trail(self.view.id)]


@strawberry.input(description="A PNG, CSV or GraphML snapshot to attach, base64-encoded.")
class CaseFileInput:
    name: str
    content_type: str
    data_base64: str


def case_store(info: Info) -> CaseStore:
    store: CaseStore | None = getattr(info.context.services, "cases", None)
    if store is None:
        raise BadInputError("cases are not available on this server")
    return store


def _actor(info: Info, role: str) -> Actor:
    ctx = info.context
    ctx.require(role)
    return Actor(name=ctx.principal, role=str(ctx.role))


def _now() -> int:
    return int(time.time() * 1000)


def _domain_errors(exc: CaseError) -> Exception:
    if isinstance(exc, CasePermissionError):
        return ForbiddenError(str(exc))
    return BadInputError(str(exc))


async def cases(
    info: Info,
    first: int,
    after: str | None,
    status: CaseStatus | None,
    assignee: str | None,
    priority: CasePriority | None,
    ring_id: str | None,
    account_id: str | None,
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

    return offset_connection([Case(view=c) for c in found], offset, first, total)


async def case(info: Info, id: str) -> Case | None:
    info.context.require("viewer")
    found = (await case_store(info).cases([str(id)]))[0]
    return None if found is None else Case(view=found)


async def create_case(
    info: Info,
    title: str,
    priority: CasePriority,
    assignee: str | None,
    due_at: datetime | None,
    alert_ids: list[strawberry.ID],
    ring_ids: list[strawberry.ID],
    account_ids: list[strawberry.ID],
    note: str | None,
) -> Case:
    actor = _actor(info, "investigator")
    now = _now()
    try:
        view = new_case(
            f"case-{uuid.uuid4().hex[:12]}",
            title,
            actor,
            now,
            priority=priority.value,
            assignee=assignee,
            due_at=_ms(due_at),
            alert_ids=[str(i) for i in alert_ids],
            ring_ids=[str(i) for i in ring_ids],
            account_ids=[str(i) for i in account_ids],
        )
        if note:
            view = add_note(view, note, actor, now)
    except CaseError as exc:
        raise _domain_errors(exc) from exc
    return Case(view=await case_store(info).create_case(view, actor))


async def _change(info: Info, id: str, action: str, fn: Any) -> Case:
    actor = _actor(info, "investigator")
    now = _now()
    try:
        view = await case_store(info).change_case(
            str(id), lambda c: fn(c, actor, now), action, actor
        )
    except CaseError as exc:
        raise _domain_errors(exc) from exc
    return Case(view=view)


async def update_case(
    info: Info,
    id: str,
    title: str | None,
    status: CaseStatus | None,
    priority: CasePriority | None,
    assignee: str | None,
    unassign: bool,
    due_at: datetime | None,
    disposition: CaseDisposition | None,
) -> Case:
    change = CaseChange(
        title=title,
        status=status.value if status else None,
        priority=priority.value if priority else None,
        assignee=assignee,
        clear_assignee=unassign,
        due_at=_ms(due_at),
        disposition=disposition.value if disposition else None,
    )
    return await _change(info, id, "update", lambda c, a, now: apply_change(c, change, a, now))


async def add_case_note(info: Info, id: str, text: str) -> Case:
    return await _change(info, id, "note", lambda c, a, now: add_note(c, text, a, now))


async def attach_to_case(
    info: Info,
    id: str,
    alert_ids: list[strawberry.ID],
    ring_ids: list[strawberry.ID],
    account_ids: list[strawberry.ID],
    file: CaseFileInput | None,
) -> Case:
    actor = _actor(info, "investigator")
    now = _now()
    upload = None if file is None else _attachment(file, actor, now)

    def apply(c: CaseView, a: Actor, at: int) -> CaseView:
        c = attach(
            c,
            [str(i) for i in alert_ids],
            [str(i) for i in ring_ids],
            [str(i) for i in account_ids],
        )
        files = c.attachments if upload is None else (*c.attachments, upload[0])
        return replace(c, attachments=files, updated_at=at)

    try:
        view = await case_store(info).change_case(
            str(id), lambda c: apply(c, actor, now), "attach", actor, upload
        )
    except CaseError as exc:
        raise _domain_errors(exc) from exc
    return Case(view=view)


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


async def live_cases(info: Info, status: CaseStatus | None) -> AsyncGenerator[Case, None]:
    """Each changed case, read fresh after its change was published."""
    info.context.require("viewer")
    services = info.context.services
    store = case_store(info)
    pubsub = services.redis.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(services.settings.case_updates_channel)
    try:
        async for message in pubsub.listen():
            try:
                case_id = str(orjson.loads(message["data"])["id"])
            except (orjson.JSONDecodeError, KeyError, TypeError):
                continue
            view = (await store.cases([case_id]))[0]
            if view is not None and (status is None or view.status == status.value):
                yield Case(view=view)
    finally:
        await _close_pubsub(pubsub)
