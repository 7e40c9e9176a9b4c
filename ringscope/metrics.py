"""Prometheus metrics of the worker and scheduler, next to the API's (one registry).

The names live in ``api.metrics.REGISTRY`` too, so ``ringscope up`` shows everything at the
API's ``/metrics``; ``ringscope worker`` and ``ringscope scheduler`` serve the same registry on
``RINGSCOPE_METRICS_PORT`` (0: off). Stream gauges are refreshed from ``XINFO GROUPS`` and
``XLEN`` by a small thread, so a scrape never waits on Redis.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from prometheus_client import Counter, Gauge, Histogram, start_http_server

from api.metrics import ALERTS_STREAM, INGEST_LAG, REGISTRY
from core.errors import RingscopeError
from core.ports import StreamMonitor
from core.settings import Settings

if TYPE_CHECKING:
    from detection.run import RunSummary
    from ingest.pipeline import BatchResult

logger = logging.getLogger(__name__)

INGEST_EVENTS = Counter(
    "ringscope_ingest_events_total",
    "Events handled by stream workers, by outcome (applied, duplicate, rejected, account)",
    ["outcome"],
    registry=REGISTRY,
)
INGEST_FLAGGED = Counter(
    "ringscope_ingest_flagged_total",
    "Transactions scored review or block (alerts raised)",
    registry=REGISTRY,
)
INGEST_BATCHES = Counter(
    "ringscope_ingest_batches_total", "Batches acknowledged", registry=REGISTRY
)
STREAM_PENDING = Gauge(
    "ringscope_ingest_pending_entries",
    "Entries delivered to a consumer but not acknowledged",
    registry=REGISTRY,
)
STREAM_CONSUMERS = Gauge(
    "ringscope_ingest_consumers", "Consumers known to the consumer group", registry=REGISTRY
)
STREAM_LENGTH = Gauge(
    "ringscope_ingest_stream_length", "Entries in the input stream", registry=REGISTRY
)
DEAD_LETTERS = Gauge(
    "ringscope_dead_letters", "Entries in the dead-letter stream", registry=REGISTRY
)
DETECTION_SECONDS = Histogram(
    "ringscope_detection_run_seconds",
    "Duration of detection runs",
    buckets=(0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
    registry=REGISTRY,
)
DETECTION_RINGS = Counter(
    "ringscope_detection_rings_total",
    "Rings written by detection runs, by change (new, changed)",
    ["change"],
    registry=REGISTRY,
)
DETECTION_LIVE = Gauge(
    "ringscope_detection_live_rings", "Rings after the last run", registry=REGISTRY
)
DETECTION_ALERTS = Counter(
    "ringscope_detection_ring_alerts_total", "Ring alerts raised by detection", registry=REGISTRY
)
DETECTION_LAST = Gauge(
    "ringscope_detection_last_run_timestamp_seconds",
    "When the last successful run ended",
    registry=REGISTRY,
)
WORKER_RESTARTS = Counter(
    "ringscope_worker_restarts_total",
    "Supervised parts (stream workers, scheduler) restarted after they died, by part",
    ["part"],
    registry=REGISTRY,
)
WORKERS_DOWN = Gauge(
    "ringscope_ingest_workers_down",
    "Supervised ingest workers of this process now down",
    registry=REGISTRY,
)


def record_batch(result: BatchResult) -> None:
    """The worker's ``on_batch``: count what a batch did."""
    INGEST_BATCHES.inc()
    for outcome, n in (
        ("applied", result.applied),
        ("duplicate", result.duplicates),
        ("rejected", len(result.rejected)),
        ("account", result.accounts),
    ):
        if n:
            INGEST_EVENTS.labels(outcome).inc(n)
    if result.flagged:
        INGEST_FLAGGED.inc(result.flagged)


def record_run(summary: RunSummary) -> None:
    """Count a finished detection run."""
    DETECTION_SECONDS.observe(summary.duration_ms / 1000)
    DETECTION_RINGS.labels("new").inc(summary.rings_new)
    DETECTION_RINGS.labels("changed").inc(summary.rings_changed)
    DETECTION_LIVE.set(summary.rings_total)
    DETECTION_ALERTS.inc(summary.alerts)
    DETECTION_LAST.set(time.time())


class StreamGauges:
    """Refreshes lag, pending, consumers and stream lengths from the streams' monitor."""

    def __init__(self, monitor: StreamMonitor) -> None:
        self.monitor = monitor

    def refresh(self) -> None:
        stats = self.monitor.stream_stats()
        STREAM_LENGTH.set(stats.length)
        DEAD_LETTERS.set(stats.dead)
        ALERTS_STREAM.set(stats.alerts)
        if stats.group is not None:
            if stats.group.lag is not None:
                INGEST_LAG.set(stats.group.lag)
            STREAM_PENDING.set(stats.group.pending)
            STREAM_CONSUMERS.set(stats.group.consumers)

    def run(self, stop: threading.Event, interval_s: float = 5.0) -> None:
        while not stop.is_set():
            try:
                self.refresh()
            except RingscopeError as exc:
                logger.debug("stream gauges not refreshed: %s", exc)
            stop.wait(interval_s)


@dataclass
class MetricsServer:
    """A running ``/metrics`` endpoint and its gauge refresher; ``close`` stops both."""

    port: int
    stop: threading.Event
    server: Any = None

    def close(self) -> None:
        self.stop.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def serve_metrics(
    settings: Settings, monitor: StreamMonitor, port: int | None = None
) -> MetricsServer:
    """Start the gauge refresher and, if a port is set, ``/metrics`` on it (thread-backed)."""
    stop = threading.Event()
    gauges = StreamGauges(monitor)
    threading.Thread(target=gauges.run, args=(stop,), name="metrics-gauges", daemon=True).start()
    port = settings.metrics_port if port is None else port
    if not port:
        return MetricsServer(0, stop)
    server, _thread = start_http_server(port, addr=settings.host, registry=REGISTRY)
    logger.info("metrics on http://%s:%d/metrics", settings.host, server.server_port)
    return MetricsServer(int(server.server_port), stop, server)
