"""XADD simulated events to the input stream at a steady rate, pipelined."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator

import orjson

from core.errors import ConfigurationError
from core.ports import EntrySink
from ingest.simulator.config import Event

logger = logging.getLogger(__name__)
MAX_BATCH = 1000


def publish_events(
    sink: EntrySink,
    stream: str,
    events: Iterator[Event],
    rate: float,
    *,
    limit: int | None = None,
    stop: threading.Event | None = None,
    on_progress: Callable[[int, float], None] | None = None,
) -> int:
    """Send ``events`` to ``stream`` (field ``event``) at about ``rate`` per second.

    Runs until ``limit`` events are sent, ``stop`` is set or the events run out; returns the
    number sent. Each tick sends what is due since the start in one pipeline, so pacing holds
    on average even when a round trip is slow.
    """
    if rate <= 0:
        raise ConfigurationError(f"rate must be > 0 events per second (got {rate})")
    started, sent = time.monotonic(), 0
    while (limit is None or sent < limit) and not (stop is not None and stop.is_set()):
        elapsed = time.monotonic() - started
        due = min(int(elapsed * rate) + 1 - sent, MAX_BATCH)
        if limit is not None:
            due = min(due, limit - sent)
        if due <= 0:
            time.sleep(min(0.05, (sent + 1) / rate - elapsed))
            continue
        batch = [ev for _, ev in zip(range(due), events, strict=False)]
        if not batch:
            break
        sink.append(stream, [{"event": orjson.dumps(ev)} for ev in batch])
        sent += len(batch)
        if on_progress is not None:
            on_progress(sent, time.monotonic() - started)
    return sent
