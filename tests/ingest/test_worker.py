from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import redis

from core.settings import Settings
from graph.falkordb_store import FalkorStore
from graph.streams import RedisStreamSource
from ingest.pipeline import Pipeline
from ingest.worker import StreamWorker
from tests.ingest.conftest import expected_counts, make_events, observed


def xadd_all(client: redis.Redis, stream: str, payloads: list[str]) -> None:
    pipe = client.pipeline(transaction=False)
    for p in payloads:
        pipe.xadd(stream, {"event": p})
    pipe.execute()


def drained(client: redis.Redis, settings: Settings, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        groups = [
            g for g in client.xinfo_groups(settings.stream) if g["name"] == settings.consumer_group
        ]
        if groups and groups[0]["lag"] == 0 and groups[0]["pending"] == 0:
            return True
        time.sleep(0.1)
    return False


@contextmanager
def running_worker(
    store: FalkorStore, pipeline: Pipeline, settings: Settings
) -> Iterator[StreamWorker]:
    worker = StreamWorker(
        RedisStreamSource.for_settings(store.redis, settings), pipeline, settings, name="w-test"
    )
    worker.ensure_group()
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        stop.set()
        thread.join(10)
        assert not thread.is_alive()


def test_worker_consumes_stream_exactly(
    store: FalkorStore, pipeline: Pipeline, settings: Settings
) -> None:
    events = make_events(1000, seed=4)
    xadd_all(
        store.redis, settings.stream, [json.dumps(e) for e in events] + [json.dumps(events[3])]
    )
    with running_worker(store, pipeline, settings):
        assert drained(store.redis, settings)
    assert observed(store) == expected_counts(events)


def test_garbage_flood_is_dead_lettered_and_good_events_land(
    store: FalkorStore, pipeline: Pipeline, settings: Settings
) -> None:
    rng = random.Random(9)
    good = make_events(300, seed=5)
    garbage = []
    for i in range(10_000):
        garbage.append(
            rng.choice(
                [
                    "",
                    "null",
                    "{",
                    "[]",
                    '{"tx_id": 1}',
                    json.dumps({**good[0], "amount": -1, "tx_id": f"g{i}"}),
                    json.dumps({**good[0], "kind": "steal", "tx_id": f"k{i}"}),
                    "x" * rng.randrange(1, 3000),
                ]
            )
        )
    mixed = [json.dumps(e) for e in good] + garbage
    rng.shuffle(mixed)
    xadd_all(store.redis, settings.stream, mixed)
    store.redis.xadd(settings.stream, {"not_event": "x"})
    with running_worker(store, pipeline, settings):
        assert drained(store.redis, settings, timeout=120)
    assert observed(store) == expected_counts(good)
    dead = store.redis.xlen(settings.dead_letter_stream)
    assert dead == 10_001
    _, fields = store.redis.xrange(settings.dead_letter_stream, count=1)[0]
    assert fields["reason"] and "source" in fields


def test_sigkilled_workers_lose_and_double_nothing(store: FalkorStore, settings: Settings) -> None:
    events = make_events(6000, seed=6, accounts=400)
    xadd_all(store.redis, settings.stream, [json.dumps(e) for e in events])
    env = {
        **os.environ,
        "FALKORDB_URL": store.url,
        "RINGSCOPE_GRAPH": store.graph_name,
        "RINGSCOPE_STREAM": settings.stream,
        "RINGSCOPE_DEAD_LETTER_STREAM": settings.dead_letter_stream,
        "RINGSCOPE_CLAIM_IDLE_MS": "1000",
        "RINGSCOPE_BATCH_SIZE": "100",
    }
    cmd = [sys.executable, "-m", "ringscope", "worker"]
    for _kill in range(2):
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        start = store.counts().get("Transaction", 0)
        deadline = time.monotonic() + 30
        while store.counts().get("Transaction", 0) < start + 500 and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert store.counts().get("Transaction", 0) < len(events)  # killed mid-stream, twice
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert drained(store.redis, settings, timeout=90)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    assert observed(store) == expected_counts(events)
