"""What resolvers reach besides the graph: the bus, the alert feeds, keys, cases, triage, ingest
and detection, each through a port.

Built once per process by the composition root (``ringscope.bootstrap.create_app``).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import orjson

from api.feeds import AlertFeed, Broadcaster
from core.alerts import RingUpdate
from core.cases import CaseStore
from core.errors import RingscopeError
from core.explanations import AccountExplainer
from core.investigation import RingView
from core.ports import AsyncKeyRecords, DetectionRunner, EventIngest, MessageBus, StreamReads
from core.settings import Settings
from core.triage import TriageStore


@dataclass
class Services:
    """What resolvers reach besides the graph: ports, feeds, and the optional ingest/detection."""

    bus: MessageBus
    streams: StreamReads
    keys: AsyncKeyRecords
    broadcaster: Broadcaster
    alerts: AlertFeed
    settings: Settings
    pipeline: EventIngest | None = None
    runner: DetectionRunner | None = None
    auth_required: bool = False
    cases: CaseStore | None = None
    triage: TriageStore | None = None
    explainer: AccountExplainer | None = None  # the account model's explanations and cards

    async def publish_ring(self, view: RingView, change: str) -> None:
        payload = orjson.dumps(RingUpdate.of(view, change).to_json())
        with contextlib.suppress(RingscopeError):
            await self.bus.publish(self.settings.ring_updates_channel, payload)
