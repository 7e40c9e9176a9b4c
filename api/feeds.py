"""Alerts and ring updates: the durable ``alerts`` stream and one shared pub/sub reader per process.

The reader parses each message once into its wire type (``core.alerts``); every subscriber
receives the same object (FACTS.md: per-subscriber work is what makes fan-out slow). GraphQL
types are built from them at the edge, in the resolvers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any

import orjson

from api import metrics
from api.queues import put_dropping_oldest
from core.alerts import Alert, RingUpdate
from core.errors import GraphUnavailableError
from core.investigation import RingView
from core.ports import MessageBus, StreamReads

logger = logging.getLogger(__name__)

_STREAM_ID = re.compile(r"^\d+-\d+$")
QUEUE_SIZE = 1000
_SCAN_CAP = 100_000
CLOSED: Any = object()  # put in subscriber queues at shutdown: the subscription ends


def alert_from_entry(entry_id: str, fields: Mapping[bytes, bytes]) -> Alert | None:
    raw = fields.get(b"alert")
    try:
        data = orjson.loads(raw) if raw is not None else None
    except orjson.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        logger.warning("alerts stream entry %s holds no alert JSON", entry_id)
        return None
    return Alert.from_json(data, entry_id)


class Broadcaster:
    """One subscription on the bus per process, fanned out to in-process subscriber queues."""

    def __init__(
        self,
        bus: MessageBus,
        alerts_channel: str = "alerts",
        rings_channel: str = "ring-updates",
    ) -> None:
        self.bus = bus
        self.channels = {alerts_channel: "alert", rings_channel: "ring"}
        self.alerts_channel, self.rings_channel = alerts_channel, rings_channel
        self._subs: dict[str, set[asyncio.Queue[Any]]] = {c: set() for c in self.channels}
        # other channels this process follows, with what to call on each message's text
        self.handlers: dict[str, Callable[[str], None]] = {}
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.ready = asyncio.Event()

    async def start(self) -> None:
        if self._task is None:
            self._closing = False
            self._task = asyncio.create_task(self._run(), name="ringscope-broadcaster")

    async def stop(self, timeout_s: float = 3.0) -> None:
        """End every live subscription, then the reader; bounded so shutdown cannot hang."""
        self._closing = True
        self._end_subscribers()
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=timeout_s)
        if not done:
            logger.warning("pub/sub reader did not stop within %.1fs; abandoned", timeout_s)
        elif not task.cancelled() and task.exception() is not None:
            logger.warning("pub/sub reader had failed: %r", task.exception())

    async def _run(self) -> None:
        delay = 0.2
        while not self._closing:
            try:
                async with self.bus.subscribe(*self.channels, *self.handlers) as messages:
                    self.ready.set()
                    delay = 0.2
                    async for channel, data in messages:
                        self._dispatch(channel, data)
            except GraphUnavailableError as exc:
                self.ready.clear()
                if self._closing:
                    return
                logger.warning("pub/sub reader lost Redis (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            finally:
                self.ready.clear()

    def _end_subscribers(self) -> None:
        for queues in self._subs.values():
            for queue in queues:
                put_dropping_oldest(queue, CLOSED, count=False)

    def _dispatch(self, channel: str, raw: str) -> None:
        handler = self.handlers.get(channel)
        if handler is not None:
            handler(raw)
            return
        try:
            data = orjson.loads(raw)
        except (orjson.JSONDecodeError, TypeError):
            logger.warning("ignoring a malformed message on %s", channel)
            return
        if not isinstance(data, dict):
            return
        if self.channels.get(channel) == "alert":
            item: Any = Alert.from_json(data)
            metrics.ALERTS_RECEIVED.inc()
        else:
            item = RingUpdate.from_json(data).view()
        for queue in self._subs.get(channel, ()):
            put_dropping_oldest(queue, item)

    @contextlib.contextmanager
    def subscription(self, channel: str) -> Iterator[asyncio.Queue[Any]]:
        queue: asyncio.Queue[Any] = asyncio.Queue(QUEUE_SIZE)
        self._subs[channel].add(queue)
        metrics.SUBSCRIPTIONS.labels(channel).inc()
        try:
            yield queue
        finally:
            self._subs[channel].discard(queue)
            metrics.SUBSCRIPTIONS.labels(channel).dec()

    async def rings(self, min_score: float) -> AsyncIterator[RingView]:
        with self.subscription(self.rings_channel) as queue:
            while (ring := await queue.get()) is not CLOSED:
                if ring.score >= min_score:
                    yield ring


class AlertFeed:
    """Reads the ``alerts`` stream (paging, replay) and follows live alerts via the broadcaster."""

    def __init__(
        self, streams: StreamReads, broadcaster: Broadcaster, stream: str = "alerts"
    ) -> None:
        self.streams = streams
        self.broadcaster = broadcaster
        self.stream = stream

    async def page(self, before: str | None, limit: int, min_score: float | None) -> list[Alert]:
        """Newest first, strictly older than stream id ``before``."""
        out: list[Alert] = []
        upper = f"({before}" if before else "+"
        scanned = 0
        while len(out) < limit and scanned < _SCAN_CAP:
            entries = await self.streams.revrange(self.stream, upper, "-", max(limit, 200))
            if not entries:
                break
            scanned += len(entries)
            for entry_id, fields in entries:
                alert = alert_from_entry(entry_id, fields)
                if alert and (min_score is None or alert.score >= min_score):
                    out.append(alert)
            upper = f"({entries[-1][0]}"
        return out[:limit]

    async def count(self, min_score: float | None) -> int:
        if min_score is None:
            return await self.streams.length(self.stream)
        n, lower = 0, "-"
        for _ in range(_SCAN_CAP // 1000):
            entries = await self.streams.range(self.stream, lower, "+", 1000)
            if not entries:
                break
            n += sum(1 for e in entries if (a := alert_from_entry(*e)) and a.score >= min_score)
            lower = f"({entries[-1][0]}"
        return n

    async def _resume_point(self, after: str) -> str | None:
        if _STREAM_ID.match(after):
            return after
        upper = "+"
        for _ in range(10):  # look back up to 10,000 entries for the alert id
            entries = await self.streams.revrange(self.stream, upper, "-", 1000)
            if not entries:
                break
            for entry_id, fields in entries:
                alert = alert_from_entry(entry_id, fields)
                if alert is not None and alert.id == after:
                    return entry_id
            upper = f"({entries[-1][0]}"
        logger.info("resume point %r not found in the alerts stream; following live only", after)
        return None

    async def follow(self, min_score: float, after: str | None) -> AsyncIterator[Alert]:
        with self.broadcaster.subscription(self.broadcaster.alerts_channel) as queue:
            replayed: set[str] = set()
            start = await self._resume_point(after) if after else None
            if start is not None:
                lower = f"({start}"
                while entries := await self.streams.range(self.stream, lower, "+", 500):
                    for entry_id, fields in entries:
                        alert = alert_from_entry(entry_id, fields)
                        if alert is not None and alert.score >= min_score:
                            replayed.add(alert.id)
                            yield alert
                    lower = f"({entries[-1][0]}"
            while (alert := await queue.get()) is not CLOSED:
                if alert.score >= min_score and alert.id not in replayed:
                    yield alert
