"""The GraphQL types of cases (``Case``, its notes, attachments and audit trail, enums, inputs),
built from ``core.cases`` views at the edge. The resolvers are in ``api/cases.py``."""

from __future__ import annotations

import base64
from datetime import datetime
from enum import Enum
from typing import cast

import strawberry
from strawberry.scalars import JSON

from api.entities import Ring
from api.errors import BadInputError
from api.fields import described_field
from api.types import Info, to_datetime
from core.cases import AuditEntry, CaseStore, CaseView


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
            at=to_datetime(entry.at),
            actor=entry.actor,
            role=entry.role,
            action=entry.action,
            before=cast(JSON, entry.before),
            after=cast(JSON, entry.after),
        )


@strawberry.type(description="An investigation gathering alerts, rings and accounts.")
class Case:
    view: strawberry.Private[CaseView]

    id: strawberry.ID
    title: str
    status: CaseStatus
    priority: CasePriority
    assignee: str | None
    due_at: datetime | None
    disposition: CaseDisposition | None
    created_at: datetime | None
    updated_at: datetime | None
    created_by: str
    alert_ids: list[strawberry.ID]
    ring_ids: list[strawberry.ID]
    account_ids: list[strawberry.ID]

    @classmethod
    def of(cls, view: CaseView) -> Case:
        return cls(
            view=view,
            id=strawberry.ID(view.id),
            title=view.title,
            status=CaseStatus(view.status),
            priority=CasePriority(view.priority),
            assignee=view.assignee,
            due_at=to_datetime(view.due_at),
            disposition=CaseDisposition(view.disposition) if view.disposition else None,
            created_at=to_datetime(view.created_at),
            updated_at=to_datetime(view.updated_at),
            created_by=view.created_by,
            alert_ids=[strawberry.ID(i) for i in view.alert_ids],
            ring_ids=[strawberry.ID(i) for i in view.ring_ids],
            account_ids=[strawberry.ID(i) for i in view.account_ids],
        )

    @described_field("The case's rings that still exist.")
    async def rings(self, info: Info) -> list[Ring]:
        views = await info.context.loaders.ring.load_many(list(self.view.ring_ids))
        return [Ring.of(v) for v in views if v is not None]

    @described_field("Append-only notes, oldest first.")
    def notes(self) -> list[CaseNote]:
        return [
            CaseNote(at=to_datetime(n.at), author=n.author, text=n.text) for n in self.view.notes
        ]

    @strawberry.field
    def attachments(self) -> list[CaseAttachmentInfo]:
        return [
            CaseAttachmentInfo(
                id=strawberry.ID(a.id),
                name=a.name,
                content_type=a.content_type,
                size=a.size,
                sha256=a.sha256,
                at=to_datetime(a.at),
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
