"""`ringscope serve --workers N`: N processes on one port; live updates cross processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import orjson
from websockets.sync.client import connect

from graph.embedded import free_port
from graph.falkordb_store import FalkorStore

ROOT = Path(__file__).resolve().parents[2]
SUB = "subscription { ringUpdates { id verdict lastChange } }"


def api_children(pid: int) -> list[str]:
    """Command lines of ``pid``'s child processes that run the app (not multiprocessing helpers)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(fields[1]) == pid and "resource_tracker" not in cmdline:
            out.append(cmdline)
    return out


@contextmanager
def serving(store: FalkorStore, workers: int) -> Iterator[tuple[str, int]]:
    port = free_port()
    graph = store.graph_name
    env = {
        **os.environ,
        "FALKORDB_URL": store.url,
        "RINGSCOPE_GRAPH": graph,
        "RINGSCOPE_HOST": "127.0.0.1",
        "RINGSCOPE_PORT": str(port),
        "PYTHONPATH": str(ROOT),
        "RINGSCOPE_ALERTS_CHANNEL": f"{graph}:alerts",
        "RINGSCOPE_ALERTS_STREAM": f"{graph}:alerts",
        "RINGSCOPE_RING_UPDATES_CHANNEL": f"{graph}:rings",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "ringscope", "serve", "--workers", str(workers)], env=env, cwd=ROOT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass  # not listening yet: try again until the deadline
            assert proc.poll() is None, "ringscope serve exited"
            assert time.monotonic() < deadline, "ringscope serve did not become ready"
            time.sleep(0.2)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def test_workers_are_processes_on_one_port(seeded: FalkorStore) -> None:
    with serving(seeded, workers=2) as (url, pid):
        assert len(api_children(pid)) == 2
        for _ in range(20):  # new connections, accepted by either process
            with httpx.Client() as fresh:
                body = fresh.post(f"{url}/graphql", json={"query": '{ ring(id: "ring-a") { id } }'})
                assert body.json()["data"]["ring"]["id"] == "ring-a"


def test_a_ring_update_published_by_one_process_reaches_a_subscriber_of_another(
    seeded: FalkorStore,
) -> None:
    with serving(seeded, workers=1) as (a, _), serving(seeded, workers=1) as (b, _):
        ws_url = a.replace("http", "ws") + "/graphql"
        with connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            ws.send(orjson.dumps({"type": "connection_init", "payload": {}}).decode())
            assert orjson.loads(ws.recv(10))["type"] == "connection_ack"
            ws.send(
                orjson.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUB}}).decode()
            )
            time.sleep(1.0)  # the subscription reaches process A's broadcaster
            mutation = 'mutation { labelRing(id: "ring-a", verdict: FALSE_POSITIVE) { id } }'
            done = httpx.post(f"{b}/graphql", json={"query": mutation}).json()
            assert done["data"]["labelRing"]["id"] == "ring-a", done
            msg = orjson.loads(ws.recv(10))
        assert msg["type"] == "next"
        assert msg["payload"]["data"]["ringUpdates"] == {
            "id": "ring-a",
            "verdict": "FALSE_POSITIVE",
            "lastChange": "verdict",
        }
