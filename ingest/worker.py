"""Consumer of the ``transactions`` stream in group ``ringscope``.

At-least-once delivery plus idempotent writes gives exactly-once effect: entries are
acknowledged only after the graph write; entries a dead consumer left pending are reclaimed with
XAUTOCLAIM; an entry delivered too many times is dead-lettered instead of blocking the group.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import redis

from core.errors import GraphUnavailableError, RingscopeError
from core.logcontext import bind_log
from core.settings import Settings
from ingest.deadletter import DeadLetterStream, Rejection
from ingest.pipeline import BatchResult, Pipeline

logger = logging.getLogger(__name__)

MAX_DELIVERIES = 5
_RETRYABLE = (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError,
              GraphUnavailableError)  # fmt: skip

Entry = tuple[str, dict[str, Any]]


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class StreamWorker:
    """Reads batches from the stream, runs them through the pipeline, acknowledges them."""

    def __init__(
        self,
        client: redis.Redis[Any],
        pipeline: Pipeline,
        settings: Settings,
        name: str | None = None,
        on_batch: Callable[[BatchResult], None] | None = None,
    ) -> None:
        self.client = client
        self.pipeline = pipeline
        self.stream = settings.stream
        self.group = settings.consumer_group
        self.batch_size = settings.batch_size
        self.claim_idle_ms = settings.claim_idle_ms
        self.dead = DeadLetterStream(client, settings.dead_letter_stream)
        self.name = name or consumer_name()
        self.on_batch = on_batch
        self._claim_cursor = "0-0"
        self._next_claim = 0.0

    def ensure_group(self) -> None:
        try:
            self.client.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def run(self, stop: threading.Event) -> None:
        """Consume until ``stop`` is set; the batch in hand is finished first."""
        backoff = 0.1
        logger.info("worker %s consuming %s as group %s", self.name, self.stream, self.group)
        while not stop.is_set():
            try:
                self.ensure_group()
                while not stop.is_set():
                    self.step()
                    backoff = 0.1
            except _RETRYABLE as exc:
                logger.warning("graph or stream unavailable (%s); retrying in %.1fs", exc, backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
        logger.info("worker %s stopped", self.name)

    def step(self, block_ms: int = 1000) -> int:
        """One round: reclaim abandoned entries now and then, then read new ones."""
        handled = 0
        if time.monotonic() >= self._next_claim:
            handled += self._reclaim()
            self._next_claim = time.monotonic() + self.claim_idle_ms / 2000
        reply = self.client.xreadgroup(
            self.group, self.name, {self.stream: ">"}, count=self.batch_size, block=block_ms
        )
        for _stream, entries in reply or []:
            if entries:
                self.handle(entries)
                handled += len(entries)
        return handled

    def _reclaim(self) -> int:
        reply = self.client.xautoclaim(
            self.stream, self.group, self.name, min_idle_time=self.claim_idle_ms,
            start_id=self._claim_cursor, count=self.batch_size,
        )  # fmt: skip
        self._claim_cursor, entries = reply[0], reply[1]
        entries = [e for e in entries if e[1] is not None]
        if not entries:
            return 0
        logger.info("reclaimed %d entries left pending by a dead consumer", len(entries))
        fresh = self._drop_poison(entries)
        if fresh:
            self.handle(fresh)
        return len(entries)

    def _drop_poison(self, entries: list[Entry]) -> list[Entry]:
        """Dead-letter entries delivered too often: they must not block the group for ever."""
        first, last = entries[0][0], entries[-1][0]
        pending = self.client.xpending_range(self.stream, self.group, first, last, len(entries))
        counts = {p["message_id"]: p["times_delivered"] for p in pending}
        keep, poison = [], []
        for entry_id, fields in entries:
            if counts.get(entry_id, 0) > MAX_DELIVERIES:
                reason = f"delivered {counts[entry_id]} times without success; set aside"
                poison.append(Rejection(_payload(fields), reason, entry_id))
            else:
                keep.append((entry_id, fields))
        if poison:
            self.dead.send(poison)
            self.client.xack(self.stream, self.group, *[r.source for r in poison])  # type: ignore[no-untyped-call]
        return keep

    def handle(self, entries: list[Entry]) -> BatchResult:
        """Process entries and acknowledge them, all after the graph write."""
        with bind_log(consumer=self.name, batch=_text(entries[0][0]) if entries else ""):
            return self._handle(entries)

    def _handle(self, entries: list[Entry]) -> BatchResult:
        raws: list[Any] = []
        ids: list[str] = []
        missing: list[Rejection] = []
        for entry_id, fields in entries:
            raw = fields.get("event")
            if raw is None:
                missing.append(
                    Rejection(
                        _payload(fields), "event: stream entry has no field 'event'", entry_id
                    )
                )
            else:
                raws.append(raw)
                ids.append(entry_id)
        self.dead.send(missing)
        try:
            result = self.pipeline.process_raw(raws, ids)
        except RingscopeError as exc:
            if isinstance(exc, GraphUnavailableError) or len(raws) == 1:
                raise
            logger.warning("batch of %d failed (%s); retrying one by one", len(raws), exc)
            result = self._one_by_one(raws, ids)
        result.rejected = missing + result.rejected
        self.client.xack(self.stream, self.group, *[e[0] for e in entries])  # type: ignore[no-untyped-call]
        if self.on_batch is not None:
            self.on_batch(result)
        return result

    def _one_by_one(self, raws: list[Any], ids: list[str]) -> BatchResult:
        total = BatchResult()
        for raw, entry_id in zip(raws, ids, strict=True):
            try:
                total.add(self.pipeline.process_raw([raw], [entry_id]))
            except GraphUnavailableError:
                raise
            except RingscopeError as exc:
                rej = Rejection(raw, f"graph write failed: {exc}", entry_id)
                self.dead.send([rej])
                total.rejected.append(rej)
        return total


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _payload(fields: dict[str, Any]) -> str:
    return repr(fields)[:4096]
