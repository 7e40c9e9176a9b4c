"""Consumer of the ``transactions`` stream in group ``ringscope``.

At-least-once delivery plus idempotent writes gives exactly-once effect: entries are
acknowledged only after the graph write; entries a dead consumer left pending are reclaimed with
XAUTOCLAIM; an entry delivered more than ``max_deliveries`` times is dead-lettered instead
of blocking the group, whether or not it can be decoded.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping

from core.errors import GraphUnavailableError, RingscopeError, StreamGroupMissingError
from core.logcontext import bind_log
from core.ports import StreamSource
from core.settings import Settings
from core.streams import HEARTBEAT_EVERY_S, StreamEntry
from ingest.deadletter import DeadLetterStream, Rejection, entry_payload
from ingest.pipeline import BatchResult, Pipeline

logger = logging.getLogger(__name__)

_RETRYABLE = (GraphUnavailableError,)  # adapters translate the drivers' connection errors

Entry = StreamEntry


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class StreamWorker:
    """Reads batches from the stream, runs them through the pipeline, acknowledges them.

    Entries are read as bytes and decoded one by one, so one entry that is not UTF-8, has no
    ``event`` field or carries an oversized value is dead-lettered (with its reason) and
    acknowledged without touching the rest of its batch. Rejections go to the pipeline's
    dead-letter stream.
    """

    def __init__(
        self,
        source: StreamSource,
        pipeline: Pipeline,
        settings: Settings,
        name: str | None = None,
        on_batch: Callable[[BatchResult], None] | None = None,
    ) -> None:
        if pipeline.dead_letter is None:
            raise TypeError("a stream worker needs a pipeline with a dead-letter stream")
        self.source = source
        self.pipeline = pipeline
        self.stream = settings.stream
        self.group = settings.consumer_group
        self.batch_size = settings.batch_size
        self.claim_idle_ms = settings.claim_idle_ms
        self.max_deliveries = settings.max_deliveries
        self.max_field_bytes = settings.max_event_bytes
        self.dead: DeadLetterStream = pipeline.dead_letter
        self.name = name or consumer_name()
        self.on_batch = on_batch
        self._claim_cursor = "0-0"
        self._next_claim = 0.0
        self._next_beat = 0.0

    def close(self) -> None:
        """Close the stream source's connections."""
        self.source.close()

    def ensure_group(self) -> None:
        self.source.ensure_group()

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
            except StreamGroupMissingError as exc:
                logger.warning("stream or group deleted (%s); creating them again", exc)
        self.source.check_out(self.name)
        logger.info("worker %s stopped", self.name)

    def step(self, block_ms: int = 1000) -> int:
        """One round: reclaim abandoned entries now and then, then read new ones."""
        handled = 0
        self._beat()
        if time.monotonic() >= self._next_claim:
            handled += self._reclaim()
            self._next_claim = time.monotonic() + self.claim_idle_ms / 2000
        entries = self.source.read(self.name, self.batch_size, block_ms)
        if entries:
            self.handle(entries)
            handled += len(entries)
        return handled

    def _beat(self) -> None:
        """Check in (the API's /readyz sees when no worker has for a while)."""
        now = time.time()
        if now >= self._next_beat:
            self.source.check_in(self.name, int(now * 1000))
            self._next_beat = now + HEARTBEAT_EVERY_S

    def _reclaim(self) -> int:
        self._claim_cursor, entries = self.source.reclaim(
            self.name, self.claim_idle_ms, self._claim_cursor, self.batch_size
        )
        if not entries:
            return 0
        logger.info("reclaimed %d entries left pending by a dead consumer", len(entries))
        fresh = self._drop_poison(entries)
        if fresh:
            self.handle(fresh)
        return len(entries)

    def _drop_poison(self, entries: list[Entry]) -> list[Entry]:
        """Dead-letter entries delivered too often: they must not block the group for ever."""
        counts = self.source.deliveries(entries[0][0], entries[-1][0], len(entries))
        keep, poison = [], []
        for entry_id, fields in entries:
            n = counts.get(entry_id, 0)
            if n > self.max_deliveries:
                payload, encoding = entry_payload(fields)
                reason = f"delivered {n} times without success; set aside"
                poison.append(Rejection(payload, reason, entry_id, encoding))
            else:
                keep.append((entry_id, fields))
        if poison:
            self.dead.send(poison)
            self._ack([r.source for r in poison])
        return keep

    def handle(self, entries: list[Entry]) -> BatchResult:
        """Process entries and acknowledge them, all after the graph write."""
        with bind_log(consumer=self.name, batch=entries[0][0] if entries else ""):
            return self._handle(entries)

    def _handle(self, entries: list[Entry]) -> BatchResult:
        raws: list[str] = []
        ids: list[str] = []
        refused: list[Rejection] = []
        for entry_id, fields in entries:
            decoded = self.decode(entry_id, fields)
            if isinstance(decoded, Rejection):
                refused.append(decoded)
            else:
                raws.append(decoded)
                ids.append(entry_id)
        if refused:  # set aside before the rest is tried: they can never succeed
            self.dead.send(refused)
            self._ack([r.source for r in refused])
        result = BatchResult()
        failed: list[str] = []
        if raws:
            try:
                result = self.pipeline.process_raw(raws, ids)
            except _RETRYABLE:
                raise
            except Exception as exc:
                logger.warning("batch of %d failed (%s); retrying one by one", len(raws), exc)
                result, failed = self._one_by_one(raws, ids)
        result.rejected = refused + result.rejected
        left = set(failed)
        self._ack([i for i in ids if i not in left])
        if self.on_batch is not None:
            self.on_batch(result)
        return result

    def decode(self, entry_id: str, fields: Mapping[bytes, bytes]) -> str | Rejection:
        """The ``event`` text of one entry, or the Rejection that says why there is none."""
        for key, value in fields.items():
            if len(value) > self.max_field_bytes:
                payload, encoding = entry_payload(fields)
                name = key.decode(errors="backslashreplace")[:40]
                reason = f"{name}: larger than {self.max_field_bytes} bytes ({len(value)})"
                return Rejection(payload, reason, entry_id, encoding)
        raw = fields.get(b"event")
        if raw is None:
            payload, encoding = entry_payload(fields)
            return Rejection(
                payload, "event: stream entry has no field 'event'", entry_id, encoding
            )
        try:
            return raw.decode()
        except UnicodeDecodeError as exc:
            reason = f"event: not valid UTF-8 ({exc.reason} at byte {exc.start})"
            return Rejection(raw, reason, entry_id)

    def _one_by_one(self, raws: list[str], ids: list[str]) -> tuple[BatchResult, list[str]]:
        """Each entry alone; returns the total and the ids left pending (to be retried)."""
        total = BatchResult()
        failed: list[str] = []
        for raw, entry_id in zip(raws, ids, strict=True):
            try:
                total.add(self.pipeline.process_raw([raw], [entry_id]))
            except _RETRYABLE:
                raise
            except RingscopeError as exc:
                rej = Rejection(raw, f"graph write failed: {exc}", entry_id)
                self.dead.send([rej])
                total.rejected.append(rej)
            except Exception:
                # Left pending: reclaimed later, and set aside after max_deliveries tries.
                logger.exception("entry %s failed; left pending for a retry", entry_id)
                failed.append(entry_id)
        return total, failed

    def _ack(self, ids: list[str]) -> None:
        self.source.ack(ids)
