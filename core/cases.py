"""Cases: alerts, rings and accounts gathered for one investigation, with an audit trail.

A case moves new -> investigating -> escalated -> closed (closing needs a disposition; an admin
may reopen). Notes and attachments are append-only, and every change is an ``AuditEntry``
(who, role, what, when, before/after) that nothing can edit. The rules live here, free of I/O;
``graph/cases.py`` stores cases, ``api/cases.py`` serves them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from core.errors import RingscopeError

CASE_STATUSES = ("new", "investigating", "escalated", "closed")
CASE_PRIORITIES = ("low", "medium", "high", "critical")
CASE_DISPOSITIONS = ("confirmed_fraud", "false_positive", "no_action", "referred")
# Where each status may move next; leaving `closed` (reopening) is for admins only.
CASE_TRANSITIONS = {
    "new": {"investigating", "escalated", "closed"},
    "investigating": {"escalated", "closed"},
    "escalated": {"investigating", "closed"},
    "closed": {"investigating"},
}
MAX_TEXT = 10_000
MAX_LINKS = 1_000


class CaseError(RingscopeError):
    """A change a case does not allow; the message names the field and what is allowed."""


class CasePermissionError(CaseError):
    """The caller's role may not make this change (e.g. reassigning needs an admin)."""


@dataclass(frozen=True)
class Actor:
    """Who makes a change: the API key's name or id, and its role."""

    name: str
    role: str


@dataclass(frozen=True)
class CaseNote:
    at: int
    author: str
    text: str


@dataclass(frozen=True)
class CaseAttachment:
    """An export attached to a case (PNG / CSV / GraphML snapshot); bytes are stored apart."""

    id: str
    name: str
    content_type: str
    size: int
    sha256: str
    at: int
    author: str


@dataclass(frozen=True)
class AuditEntry:
    at: int
    actor: str
    role: str
    action: str
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CaseView:
    id: str
    title: str
    status: str = "new"
    priority: str = "medium"
    assignee: str | None = None
    due_at: int | None = None
    disposition: str | None = None
    created_at: int = 0
    updated_at: int = 0
    created_by: str = ""
    alert_ids: tuple[str, ...] = ()
    ring_ids: tuple[str, ...] = ()
    account_ids: tuple[str, ...] = ()
    notes: tuple[CaseNote, ...] = ()
    attachments: tuple[CaseAttachment, ...] = ()


@dataclass(frozen=True)
class CaseFilter:
    status: str | None = None
    assignee: str | None = None
    priority: str | None = None
    ring_id: str | None = None
    account_id: str | None = None

    def matches(self, case: CaseView) -> bool:
        return (
            (self.status is None or case.status == self.status)
            and (self.assignee is None or case.assignee == self.assignee)
            and (self.priority is None or case.priority == self.priority)
            and (self.ring_id is None or self.ring_id in case.ring_ids)
            and (self.account_id is None or self.account_id in case.account_ids)
        )


@dataclass(frozen=True)
class CaseChange:
    """Fields to change; ``None`` leaves a field as it is (``clear_*`` empties it)."""

    title: str | None = None
    status: str | None = None
    priority: str | None = None
    assignee: str | None = None
    clear_assignee: bool = False
    due_at: int | None = None
    disposition: str | None = None


# Fields the audit trail shows before/after for.
AUDITED = ("title", "status", "priority", "assignee", "due_at", "disposition")


def snapshot(case: CaseView, names: Sequence[str] = AUDITED) -> dict[str, Any]:
    return {name: getattr(case, name) for name in names}


def _one_of(value: str, allowed: Sequence[str], name: str) -> str:
    if value not in allowed:
        raise CaseError(f"{name}: {value!r} is not one of {', '.join(allowed)}")
    return value


def _text(value: str, name: str, limit: int = MAX_TEXT) -> str:
    value = value.strip()
    if not value:
        raise CaseError(f"{name}: must not be empty")
    if len(value) > limit or "\x00" in value:
        raise CaseError(f"{name}: at most {limit} characters, no NUL bytes")
    return value


def new_case(
    case_id: str,
    title: str,
    actor: Actor,
    now: int,
    *,
    priority: str = "medium",
    assignee: str | None = None,
    due_at: int | None = None,
    alert_ids: Sequence[str] = (),
    ring_ids: Sequence[str] = (),
    account_ids: Sequence[str] = (),
) -> CaseView:
    require_role(actor, "investigator", "open a case")
    case = CaseView(
        id=case_id,
        title=_text(title, "title", 300),
        created_at=now,
        updated_at=now,
        created_by=actor.name,
        priority=_one_of(priority, CASE_PRIORITIES, "priority"),
        assignee=_text(assignee, "assignee", 128) if assignee else None,
        due_at=due_at,
    )
    return attach(case, alert_ids, ring_ids, account_ids)


def require_role(actor: Actor, role: str, what: str) -> None:
    order = ("viewer", "investigator", "admin")
    if actor.role not in order or order.index(actor.role) < order.index(role):
        raise CasePermissionError(f"to {what} needs the {role} role; your key has {actor.role}")


def apply_change(case: CaseView, change: CaseChange, actor: Actor, now: int) -> CaseView:
    """The case after ``change``, or a CaseError saying which rule it breaks."""
    require_role(actor, "investigator", "change a case")
    updates: dict[str, Any] = {"updated_at": now}
    if change.title is not None:
        updates["title"] = _text(change.title, "title", 300)
    if change.priority is not None:
        updates["priority"] = _one_of(change.priority, CASE_PRIORITIES, "priority")
    if change.due_at is not None:
        updates["due_at"] = change.due_at
    if change.assignee is not None or change.clear_assignee:
        new = _text(change.assignee, "assignee", 128) if change.assignee else None
        if case.assignee not in (None, new, actor.name):
            require_role(actor, "admin", f"reassign a case held by {case.assignee}")
        updates["assignee"] = new
    if change.disposition is not None:
        updates["disposition"] = _one_of(change.disposition, CASE_DISPOSITIONS, "disposition")
    if change.status is not None and change.status != case.status:
        status = _one_of(change.status, CASE_STATUSES, "status")
        if status not in CASE_TRANSITIONS[case.status]:
            raise CaseError(f"status: a {case.status} case cannot move to {status}")
        if case.status == "closed":
            require_role(actor, "admin", "reopen a closed case")
            updates["disposition"] = None
        updates["status"] = status
    if updates.get("status", case.status) == "closed" and not updates.get(
        "disposition", case.disposition
    ):
        raise CaseError(f"disposition: closing a case needs one of {', '.join(CASE_DISPOSITIONS)}")
    return replace(case, **updates)


def _merged(have: tuple[str, ...], more: Sequence[str], name: str) -> tuple[str, ...]:
    out = list(have)
    for item in more:
        item = _text(str(item), name, 256)
        if item not in out:
            out.append(item)
    if len(out) > MAX_LINKS:
        raise CaseError(f"{name}: a case holds at most {MAX_LINKS}")
    return tuple(out)


def attach(
    case: CaseView,
    alert_ids: Sequence[str] = (),
    ring_ids: Sequence[str] = (),
    account_ids: Sequence[str] = (),
) -> CaseView:
    return replace(
        case,
        alert_ids=_merged(case.alert_ids, alert_ids, "alertIds"),
        ring_ids=_merged(case.ring_ids, ring_ids, "ringIds"),
        account_ids=_merged(case.account_ids, account_ids, "accountIds"),
    )


def add_note(case: CaseView, text: str, actor: Actor, now: int) -> CaseView:
    require_role(actor, "investigator", "add a note")
    note = CaseNote(at=now, author=actor.name, text=_text(text, "text"))
    return replace(case, notes=(*case.notes, note), updated_at=now)


class CaseStore(Protocol):
    """Cases and their audit trails; every write is atomic with its audit entry."""

    async def create_case(self, case: CaseView, actor: Actor) -> CaseView: ...
    async def cases(self, ids: Sequence[str]) -> list[CaseView | None]: ...
    async def list_cases(self, flt: CaseFilter, offset: int, limit: int) -> list[CaseView]: ...
    async def count_cases(self, flt: CaseFilter) -> int: ...
    async def change_case(
        self,
        case_id: str,
        change: Callable[[CaseView], CaseView],
        action: str,
        actor: Actor,
        attachment: tuple[CaseAttachment, bytes] | None = None,
    ) -> CaseView: ...
    async def audit_trail(self, case_id: str) -> list[AuditEntry]: ...
    async def attachment_bytes(self, case_id: str, attachment_id: str) -> bytes | None: ...
