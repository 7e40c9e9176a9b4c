"""Alert triage records in Redis: the latest per alert in a hash, every change in a stream.

Keys: ``ringscope:<g>:alert-triage`` (hash: alert id -> JSON of the latest record) and
``ringscope:<g>:alert-triage:log`` (stream: every record ever written, for the audit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import orjson
import redis
import redis.asyncio as aioredis

from core.errors import GraphUnavailableError
from core.triage import AlertTriage
from graph.decode import as_text


class RedisTriageStore:
    """The TriageStore port on the graph's Redis."""

    def __init__(self, client: aioredis.Redis[Any], graph: str) -> None:
        self.client = client
        self.key = f"ringscope:{graph}:alert-triage"
        self.log = f"{self.key}:log"

    async def triage(self, alert_ids: Sequence[str]) -> list[AlertTriage | None]:
        if not alert_ids:
            return []
        raws = await self.client.hmget(self.key, list(alert_ids))
        return [None if raw is None else AlertTriage(**orjson.loads(raw)) for raw in raws]

    async def record_triage(self, records: Sequence[AlertTriage]) -> None:
        if not records:
            return
        try:
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.hset(self.key, mapping={r.alert_id: orjson.dumps(asdict(r)) for r in records})
                for r in records:
                    pipe.xadd(self.log, {"triage": orjson.dumps(asdict(r))})
                await pipe.execute()
        except redis.RedisError as exc:
            raise GraphUnavailableError(f"cannot store alert triage: {exc}") from exc

    async def triaged_ids(self) -> set[str]:
        return {as_text(k) for k in await self.client.hkeys(self.key)}
