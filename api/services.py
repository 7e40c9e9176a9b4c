"""What resolvers reach besides the graph: Redis, the alert feeds, cases, triage, ingest, detection.

Built once per process by ``api.app.create_app`` (the API's composition root).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
import redis
import redis.asyncio as aioredis

from api.feeds import AlertFeed, Broadcaster
from core.alerts import RingUpdate
from core.cases import CaseStore
from core.explanations import AccountExplainer
from core.investigation import RingView
from core.settings import Settings
from core.triage import TriageStore


@dataclass
class Services:
    """What resolvers reach besides the graph: Redis, feeds, and the optional ingest/detection."""

    redis: aioredis.Redis[Any]
    broadcaster: Broadcaster
    alerts: AlertFeed
    settings: Settings
    pipeline: Any = None
    runner: Callable[[], Any] | None = None
    auth_required: bool = False
    cases: CaseStore | None = None
    triage: TriageStore | None = None
    explainer: AccountExplainer | None = None  # the account model's explanations and cards

    async def publish_ring(self, view: RingView, change: str) -> None:
        payload = orjson.dumps(RingUpdate.of(view, change).to_json())
        with contextlib.suppress(redis.RedisError):
            await self.redis.publish(self.settings.ring_updates_channel, payload)
