from __future__ import annotations

import json
import threading

import httpx

from api.metrics import REGISTRY
from core.settings import Settings, load_settings
from detection.run import RunSummary
from graph.embedded import free_port
from graph.falkordb_store import FalkorStore
from graph.streams import RedisStreams, RedisStreamSource
from ingest.worker import StreamWorker
from ringscope.bootstrap import build_pipeline
from ringscope.metrics import StreamGauges, record_batch, record_run, serve_metrics
from tests.ingest.conftest import make_events
from tests.ingest.test_worker import drained, xadd_all


def ops_settings(store: FalkorStore) -> Settings:
    g = store.graph_name
    return load_settings(
        falkordb_url=store.url,
        graph=g,
        stream=f"{g}:in",
        dead_letter_stream=f"{g}:dead",
        alerts_stream=f"{g}:alerts",
        alerts_channel=f"{g}:alerts",
        approved_stream=f"{g}:ok",
        flagged_stream=f"{g}:flagged",
        webhook_dead_stream=f"{g}:wh-dead",
        batch_size=100,
        claim_idle_ms=1000,
    )


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_worker_counts_and_stream_gauges(store: FalkorStore) -> None:
    settings = ops_settings(store)
    events = make_events(300, seed=31)
    payloads = [json.dumps(e) for e in events] + [json.dumps(events[0]), "{broken"]
    xadd_all(store.redis, settings.stream, payloads)
    before = {
        k: value("ringscope_ingest_events_total", outcome=k)
        for k in ("applied", "duplicate", "rejected")
    }
    worker = StreamWorker(
        RedisStreamSource.for_settings(store.redis, settings),
        build_pipeline(settings, store),
        settings,
        on_batch=record_batch,
    )
    worker.ensure_group()
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert drained(store.redis, settings)
    finally:
        stop.set()
        thread.join(10)
    after = {k: value("ringscope_ingest_events_total", outcome=k) for k in before}
    assert after["applied"] - before["applied"] == 300
    assert after["duplicate"] - before["duplicate"] == 1
    assert after["rejected"] - before["rejected"] == 1
    assert value("ringscope_ingest_flagged_total") >= 0
    # 5 more entries, two of them read but not acknowledged: lag 3, pending 2
    xadd_all(store.redis, settings.stream, [json.dumps(e) for e in make_events(5, seed=32)])
    store.redis.xreadgroup(settings.consumer_group, "stalled", {settings.stream: ">"}, count=2)
    StreamGauges(RedisStreams(store.redis, settings)).refresh()
    assert value("ringscope_ingest_lag_entries") == 3
    assert value("ringscope_ingest_pending_entries") == 2
    assert value("ringscope_dead_letters") == 1
    assert value("ringscope_ingest_stream_length") == 307
    assert value("ringscope_alerts_stream_length") == store.redis.xlen(settings.alerts_stream)


def test_detection_runs_are_counted() -> None:
    runs = value("ringscope_detection_run_seconds_count")
    new = value("ringscope_detection_rings_total", change="new")
    record_run(RunSummary("run-x", duration_ms=2500, rings_new=3, rings_changed=1, rings_total=9))
    assert value("ringscope_detection_run_seconds_count") == runs + 1
    assert value("ringscope_detection_rings_total", change="new") == new + 3
    assert value("ringscope_detection_live_rings") == 9


def test_metrics_port_serves_the_registry(store: FalkorStore) -> None:
    settings = ops_settings(store)
    server = serve_metrics(settings, RedisStreams.from_url(store.url, settings), port=free_port())
    try:
        body = httpx.get(f"http://127.0.0.1:{server.port}/metrics", timeout=5).text
    finally:
        server.close()
    for name in (
        "ringscope_ingest_events_total",
        "ringscope_ingest_lag_entries",
        "ringscope_detection_run_seconds_bucket",
        "ringscope_api_request_seconds",
    ):
        assert name in body
    off = serve_metrics(
        settings, RedisStreams(store.redis, settings)
    )  # RINGSCOPE_METRICS_PORT unset: no endpoint
    off.close()
    assert off.port == 0 and off.server is None
