"""The poison drill against a real `ringscope up`: junk between valid events, then a worker crash."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import httpx
import redis

from graph.embedded import EmbeddedFalkorDB, free_port
from tests.drills.conftest import drained, drill_env, drill_settings, spawn, stop, wait_for
from tests.ingest.conftest import make_events
from tests.ingest.test_poison import JUNK


def readyz(base: str) -> tuple[int, str]:
    try:
        reply = httpx.get(f"{base}/readyz", timeout=2)
    except httpx.HTTPError as exc:
        return 0, str(exc)
    return reply.status_code, reply.json().get("reason", "")


def landed(client: redis.Redis, graph: str, ids: list[str]) -> int:
    reply = client.execute_command(
        "GRAPH.RO_QUERY",
        graph,
        "CYPHER ids=" + json.dumps(ids) + " "
        "MATCH (t:Transaction) WHERE t.id IN $ids RETURN count(t)",
    )
    return int(reply[1][0][0])


def test_up_survives_junk_and_a_worker_crash(falkordb: EmbeddedFalkorDB, tmp_path: Path) -> None:
    graph = f"drill-poison-{free_port()}"
    settings = drill_settings(graph)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = drill_env(
        settings,
        FALKORDB_URL=falkordb.url,
        RINGSCOPE_DATA_DIR=str(tmp_path / "d"),
        RINGSCOPE_WORKER_RESTART_MAX_S="1",
    )
    proc = spawn(["up", "--port", str(port)], env, tmp_path / "up.log")
    client = redis.Redis.from_url(falkordb.url)
    try:
        log = tmp_path / "up.log"
        wait_for(lambda: "ringscope is up" in log.read_text(), 60, "the banner")
        assert readyz(base)[0] != 0  # the banner waits for the API to accept connections
        wait_for(lambda: readyz(base)[0] == 200, 60, "ringscope up to be ready")
        events = make_events(60, seed=71)
        for i, event in enumerate(events):
            client.xadd(settings.stream, {"event": json.dumps(event)})
            if i % 10 == 3:
                client.xadd(settings.stream, JUNK[i // 10])  # type: ignore[arg-type]
        ids = [e["tx_id"] for e in events]
        wait_for(lambda: landed(client, graph, ids) == 60, 60, "every valid event in the graph")
        assert client.xlen(settings.dead_letter_stream) == len(JUNK)
        assert readyz(base)[0] == 200
        # a real fault: the stream's key is replaced by a string, every read fails
        client.delete(settings.stream)
        client.set(settings.stream, "not a stream")
        wait_for(lambda: readyz(base)[0] == 503, 20, "/readyz to report ingest down")
        assert "ingest down: worker-0 crashed" in readyz(base)[1]
        client.delete(settings.stream)
        later = make_events(10, seed=72)
        client.xadd(settings.stream, {"event": json.dumps(later[0])})
        wait_for(lambda: readyz(base)[0] == 200, 20, "the restarted worker")
        for event in later[1:]:
            client.xadd(settings.stream, {"event": json.dumps(event)})
        assert drained(falkordb.url, settings, timeout=30)
        assert landed(client, graph, [e["tx_id"] for e in later]) == 10
        metrics = httpx.get(f"{base}/metrics", timeout=5).text
        restarts = [
            line
            for line in metrics.splitlines()
            if line.startswith('ringscope_worker_restarts_total{part="worker-0"}')
        ]
        assert restarts and float(restarts[0].split()[-1]) >= 1
    finally:
        code = stop(proc)
        client.delete(graph, settings.stream, settings.dead_letter_stream)
        client.close()
    assert code in (0, -signal.SIGTERM)  # uvicorn shuts down gracefully, then re-raises it
    log = (tmp_path / "up.log").read_text()
    tracebacks = [line for line in log.splitlines() if "Traceback" in line]
    assert tracebacks and all("WRONGTYPE" in line for line in tracebacks)  # the provoked crash only
