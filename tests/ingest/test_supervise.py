"""A worker that dies comes back with backoff; /readyz says 503 (and why) while ingest is down."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

from api.metrics import REGISTRY
from core.settings import Settings, load_settings
from core.streams import worker_heartbeat_key
from graph.falkordb_store import FalkorStore
from graph.streams import RedisStreamSource
from ingest.pipeline import Pipeline
from ingest.worker import StreamWorker
from ringscope.bootstrap import create_app
from ringscope.supervise import IngestHealth, supervised_thread
from tests.api.conftest import LocalClient
from tests.ingest.conftest import expected_counts, make_events, observed
from tests.ingest.test_worker import drained, xadd_all


def restarts(part: str) -> float:
    return REGISTRY.get_sample_value("ringscope_worker_restarts_total", {"part": part}) or 0.0


def wait_for(check: Callable[[], bool], timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_crashed_worker_is_restarted_and_catches_up(
    store: FalkorStore, pipeline: Pipeline, settings: Settings
) -> None:
    # a real fault: the stream's key holds a string, so every read fails with WRONGTYPE
    store.redis.set(settings.stream, "not a stream")
    health = IngestHealth()
    before = restarts("worker-t")
    stop = threading.Event()

    def run() -> None:
        worker = StreamWorker(
            RedisStreamSource.for_settings(store.redis, settings),
            pipeline,
            settings,
            name="w-supervised",
        )
        try:
            worker.run(stop)
        finally:
            worker.close()

    thread = supervised_thread("worker-t", run, stop, health=health, max_backoff_s=1.0)
    try:
        assert wait_for(lambda: restarts("worker-t") >= before + 2)  # dies, comes back, dies
        problem = health.problem()
        assert problem is not None and "worker-t crashed" in problem and "WRONGTYPE" in problem
        store.redis.delete(settings.stream)  # the fault goes away: the next restart sticks
        events = make_events(50, seed=51)
        xadd_all(store.redis, settings.stream, [json.dumps(e) for e in events])
        assert wait_for(lambda: store.counts().get("Transaction", 0) == 50, timeout=30)
        assert drained(store.redis, settings)
        assert health.problem() is None
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert observed(store) == expected_counts(events)


def test_readyz_is_503_with_the_reason_while_ingest_is_down_or_behind(
    store: FalkorStore, settings: Settings
) -> None:
    health = IngestHealth()
    app_settings = load_settings(
        falkordb_url=store.url,
        graph=store.graph_name,
        stream=settings.stream,
        alerts_stream=f"{store.graph_name}:alerts",
        alerts_channel=f"{store.graph_name}:alerts",
        ring_updates_channel=f"{store.graph_name}:rings",
        ready_max_lag=20,
    )
    with LocalClient(create_app(app_settings, store=store, ingest_health=health.problem)) as c:
        assert c.get("/readyz").status_code == 200
        health.down("worker-0", "crashed (ValueError: boom); restart in 2.0s")
        r = c.get("/readyz")
        assert r.status_code == 503
        assert r.json()["reason"] == (
            "ingest down: worker-0 crashed (ValueError: boom); restart in 2.0s"
        )
        health.up("worker-0")
        assert c.get("/readyz").status_code == 200
        # nobody consumes: once more than ready_max_lag entries wait, not ready
        store.redis.xgroup_create(settings.stream, "ringscope", id="0", mkstream=True)
        xadd_all(store.redis, settings.stream, [json.dumps(e) for e in make_events(20, seed=52)])
        assert c.get("/readyz").status_code == 200
        xadd_all(store.redis, settings.stream, [json.dumps(e) for e in make_events(5, seed=53)])
        r = c.get("/readyz")
        assert r.status_code == 503
        assert r.json()["reason"].startswith("ingest lag: 25 entries")


def test_readyz_is_503_when_no_stream_worker_checks_in(
    store: FalkorStore, pipeline: Pipeline, settings: Settings
) -> None:
    app_settings = load_settings(
        falkordb_url=store.url,
        graph=store.graph_name,
        stream=settings.stream,
        alerts_stream=f"{store.graph_name}:alerts",
        alerts_channel=f"{store.graph_name}:alerts",
        ring_updates_channel=f"{store.graph_name}:rings",
    )
    worker = StreamWorker(
        RedisStreamSource.for_settings(store.redis, settings), pipeline, settings, name="w-beat"
    )
    with LocalClient(create_app(app_settings, store=store)) as c:
        assert c.get("/readyz").status_code == 200  # no worker ever ran: only lag counts
        worker.ensure_group()
        worker.step(block_ms=10)
        assert c.get("/readyz").status_code == 200
        # the worker process was killed two minutes ago: nobody has checked in since
        beats = worker_heartbeat_key(settings.stream, settings.consumer_group)
        store.redis.hset(
            beats,
            "w-beat",
            int((time.time() - 120) * 1000),
        )
        r = c.get("/readyz")
        assert r.status_code == 503
        assert r.json()["reason"].startswith("ingest down: no stream worker has checked in for")
        stop = threading.Event()
        stop.set()
        worker.run(stop)  # a worker stopped on purpose signs off
        assert not store.redis.hexists(beats, "w-beat")
        assert c.get("/readyz").status_code == 200
    worker.close()
