"""Cases in Redis, beside the graph: one JSON document per case and an append-only audit stream.

Keys (``<g>`` is the graph name): ``ringscope:<g>:case:<id>`` (the case as JSON),
``ringscope:<g>:cases`` (sorted set of ids by creation time), ``ringscope:<g>:case:<id>:audit``
(a stream: one entry per change, never rewritten) and ``ringscope:<g>:case:<id>:file:<n>``
(attachment bytes). A change reads the case under WATCH and writes the case, its audit entry
and any attachment in one MULTI/EXEC, then publishes the case id on the case-updates channel.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

import orjson
import redis
import redis.asyncio as aioredis

from core.cases import (
    Actor,
    AuditEntry,
    CaseAttachment,
    CaseFilter,
    CaseNote,
    CaseView,
    snapshot,
)
from core.errors import GraphUnavailableError, NotFoundError
from graph.decode import as_text

logger = logging.getLogger(__name__)


def _case_from_json(raw: bytes | str) -> CaseView:
    data = orjson.loads(raw)
    data["notes"] = tuple(CaseNote(**n) for n in data.get("notes", ()))
    data["attachments"] = tuple(CaseAttachment(**a) for a in data.get("attachments", ()))
    for name in ("alert_ids", "ring_ids", "account_ids"):
        data[name] = tuple(data.get(name, ()))
    return CaseView(**data)


class RedisCaseStore:
    """The CaseStore port on the graph's Redis."""

    def __init__(self, client: aioredis.Redis[Any], graph: str, channel: str) -> None:
        self.client = client
        self.prefix = f"ringscope:{graph}:case"
        self.index = f"ringscope:{graph}:cases"
        self.channel = channel

    def _key(self, case_id: str) -> str:
        return f"{self.prefix}:{case_id}"

    async def create_case(self, case: CaseView, actor: Actor) -> CaseView:
        entry = AuditEntry(case.created_at, actor.name, actor.role, "create", {}, snapshot(case))
        try:
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.set(self._key(case.id), orjson.dumps(asdict(case)), nx=True)
                pipe.zadd(self.index, {case.id: case.created_at})
                self._audit(pipe, case.id, entry)
                created, *_ = await pipe.execute()
        except redis.RedisError as exc:
            raise GraphUnavailableError(f"cannot store case {case.id}: {exc}") from exc
        if not created:
            raise NotFoundError(f"id: case {case.id} exists already")
        await self._publish(case.id, "create")
        return case

    async def cases(self, ids: Sequence[str]) -> list[CaseView | None]:
        if not ids:
            return []
        raws = await self.client.mget([self._key(i) for i in ids])
        return [None if raw is None else _case_from_json(raw) for raw in raws]

    async def _all(self) -> list[CaseView]:
        ids = [as_text(i) for i in await self.client.zrevrange(self.index, 0, -1)]
        return [c for c in await self.cases(ids) if c is not None]

    async def list_cases(self, flt: CaseFilter, offset: int, limit: int) -> list[CaseView]:
        """Newest first. Filters run over the case documents: fine for thousands of cases."""
        found = [c for c in await self._all() if flt.matches(c)]
        return found[offset : offset + limit]

    async def count_cases(self, flt: CaseFilter) -> int:
        if flt == CaseFilter():
            return int(await self.client.zcard(self.index))
        return sum(1 for c in await self._all() if flt.matches(c))

    async def change_case(
        self,
        case_id: str,
        change: Callable[[CaseView], CaseView],
        action: str,
        actor: Actor,
        attachment: tuple[CaseAttachment, bytes] | None = None,
    ) -> CaseView:
        key = self._key(case_id)
        async with self.client.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    raw = await pipe.get(key)
                    if raw is None:
                        raise NotFoundError(f"id: no case {case_id[:80]!r}")
                    before = _case_from_json(raw)
                    after = change(before)
                    entry = AuditEntry(
                        after.updated_at, actor.name, actor.role, action, *_diff(before, after)
                    )
                    pipe.multi()
                    pipe.set(key, orjson.dumps(asdict(after)))
                    if attachment is not None:
                        pipe.set(f"{key}:file:{attachment[0].id}", attachment[1])
                    self._audit(pipe, case_id, entry)
                    await pipe.execute()
                    break
                except redis.WatchError:
                    continue  # someone else changed the case meanwhile: apply to theirs
        await self._publish(case_id, action)
        return after

    def _audit(self, pipe: Any, case_id: str, entry: AuditEntry) -> None:
        pipe.xadd(f"{self._key(case_id)}:audit", {"entry": orjson.dumps(asdict(entry))})

    async def audit_trail(self, case_id: str) -> list[AuditEntry]:
        rows = await self.client.xrange(f"{self._key(case_id)}:audit")
        out = []
        for _, fields in rows:
            data = orjson.loads(fields.get(b"entry") or fields.get("entry"))
            out.append(AuditEntry(**data))
        return out

    async def attachment_bytes(self, case_id: str, attachment_id: str) -> bytes | None:
        raw = await self.client.get(f"{self._key(case_id)}:file:{attachment_id}")
        return None if raw is None else bytes(raw)

    async def _publish(self, case_id: str, action: str) -> None:
        with contextlib.suppress(redis.RedisError):
            await self.client.publish(self.channel, orjson.dumps({"id": case_id, "action": action}))


def _diff(before: CaseView, after: CaseView) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields that changed, before and after; added notes, links and files as counts/items."""
    old, new = asdict(before), asdict(after)
    changed = [k for k in new if k not in ("updated_at",) and old[k] != new[k]]
    was = {k: _brief(old[k]) for k in changed}
    now = {k: _brief(new[k]) for k in changed}
    for name in ("notes", "attachments"):
        if name in changed:
            was[name] = len(old[name])
            now[name] = new[name][len(old[name]) :]
    return was, now


def _brief(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
