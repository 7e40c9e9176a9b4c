"""Helpers of the reliability drills: real `ringscope` processes against real FalkorDB servers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import redis

from core.errors import RingscopeError
from core.settings import Settings, load_settings
from graph.falkordb_store import FalkorStore

# FACTS.md: FalkorDB 4.16 segfaults on MERGE ... ON MATCH SET of an edge the same query created.
CRASH_QUERY = (
    "UNWIND [1, 1] AS x MERGE (a:P {id: 1}) MERGE (b:Q {id: 2}) "
    "MERGE (a)-[e:T]->(b) ON CREATE SET e.n = 1 ON MATCH SET e.n = e.n + 1"
)


def drill_settings(graph: str, **extra: Any) -> Settings:
    return load_settings(
        graph=graph,
        stream=f"{graph}:in",
        dead_letter_stream=f"{graph}:dead",
        alerts_stream=f"{graph}:alerts",
        alerts_channel=f"{graph}:alerts",
        claim_idle_ms=1000,
        batch_size=200,
        **extra,
    )


def drill_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RINGSCOPE_", "FALKORDB_"))}
    env.update(
        {
            "RINGSCOPE_GRAPH": settings.graph,
            "RINGSCOPE_STREAM": settings.stream,
            "RINGSCOPE_DEAD_LETTER_STREAM": settings.dead_letter_stream,
            "RINGSCOPE_ALERTS_STREAM": settings.alerts_stream,
            "RINGSCOPE_ALERTS_CHANNEL": settings.alerts_channel,
            "RINGSCOPE_CLAIM_IDLE_MS": str(settings.claim_idle_ms),
            "RINGSCOPE_BATCH_SIZE": str(settings.batch_size),
            "RINGSCOPE_LOG_FORMAT": "json",
            **extra,
        }
    )
    return env


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "ringscope", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def stop(proc: subprocess.Popen[bytes], timeout: float = 20) -> int:
    """SIGTERM and wait: a clean exit code, or the test fails (SIGKILL as a last resort)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"pid {proc.pid} ignored SIGTERM for {timeout}s")


def drained(url: str, settings: Settings, timeout: float = 60) -> bool:
    """The group has read and acknowledged everything (tolerating a server that is down)."""
    client = redis.Redis.from_url(url, decode_responses=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            groups = [
                g
                for g in client.xinfo_groups(settings.stream)
                if g["name"] == settings.consumer_group
            ]
            if groups and groups[0]["lag"] == 0 and groups[0]["pending"] == 0:
                return True
        except redis.RedisError:
            pass
        time.sleep(0.1)
    return False


def transactions(url: str, graph: str) -> float:
    try:
        store = FalkorStore(url, graph)
        try:
            return store.counts().get("Transaction", 0)
        finally:
            store.close()
    except (RingscopeError, redis.RedisError):  # the server is down or loading
        return -1


def wait_for(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def xadd_events(url: str, stream: str, events: list[Any]) -> None:
    client = redis.Redis.from_url(url)
    pipe = client.pipeline(transaction=False)
    for e in events:
        pipe.xadd(stream, {"event": e if isinstance(e, str | bytes) else json.dumps(e)})
    pipe.execute()
    client.close()
