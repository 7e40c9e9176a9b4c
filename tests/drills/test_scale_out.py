"""Two workers and two API processes on one graph, with oversized payloads thrown in."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import httpx
import redis

from graph.embedded import EmbeddedFalkorDB, free_port
from graph.falkordb_store import FalkorStore
from tests.drills.conftest import (
    drained,
    drill_env,
    drill_settings,
    spawn,
    stop,
    wait_for,
    xadd_events,
)
from tests.ingest.conftest import expected_counts, make_events, observed

FIVE_MB = 5 * 1024 * 1024


def answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def graphql(base: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    reply = httpx.post(
        f"{base}/graphql", json={"query": query, "variables": variables or {}}, timeout=30
    )
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    assert not body.get("errors"), body
    return body["data"]


INGEST = "mutation($e: [JSON!]!) { ingestTransactions(events: $e) { applied duplicates rejected } }"


def test_two_workers_two_apis_nothing_lost_nothing_doubled(
    falkordb: EmbeddedFalkorDB, tmp_path: Path
) -> None:
    graph = f"drill-scale-{free_port()}"
    settings = drill_settings(graph)
    url = falkordb.url
    events = make_events(1500, seed=61, accounts=300)
    big = json.dumps({**events[0], "tx_id": "big-1", "city": "x" * FIVE_MB})
    payloads: list[Any] = [json.dumps(e) for e in events[:750]] + [big] + events[750:]
    env = drill_env(settings, FALKORDB_URL=url)
    ports = [free_port(), free_port()]
    procs = [spawn(["worker", "--name", f"w{i}"], env, tmp_path / f"w{i}.log") for i in (1, 2)]
    procs += [spawn(["serve", "--port", str(p)], env, tmp_path / f"api{p}.log") for p in ports]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        xadd_events(url, settings.stream, payloads)
        wait_for(
            lambda: all(answers(b) for b in bases), 180, "both APIs"
        )  # torch import: slow when busy
        # the same events again through both APIs while the workers consume the stream
        for base in bases:
            result = graphql(base, INGEST, {"e": events[:200]})["ingestTransactions"]
            assert result["applied"] + result["duplicates"] == 200
        too_big = httpx.post(
            f"{bases[0]}/graphql",
            content=b"{" + b" " * FIVE_MB + b"}",
            headers={"content-type": "application/json"},
            timeout=30,
        )
        assert too_big.status_code == 413
        assert drained(url, settings, 90)
        store = FalkorStore(url, graph)
        assert observed(store) == expected_counts(events)
        store.close()
        for base in bases:  # both still answer, with the same graph
            tx = graphql(base, '{ transaction(id: "tx-61-1499") { id amount } }')["transaction"]
            assert tx == {"id": "tx-61-1499", "amount": events[-1]["amount"]}
            assert "ringscope_api_request_seconds" in httpx.get(f"{base}/metrics").text
        client = redis.Redis.from_url(url, decode_responses=True)
        consumers = {
            c["name"] for c in client.xinfo_consumers(settings.stream, settings.consumer_group)
        }
        assert consumers == {"w1", "w2"}
        dead = client.xrange(settings.dead_letter_stream)
        assert len(dead) == 1 and "bytes" in dead[0][1]["reason"]
        assert int(dead[0][1]["truncated_from"]) == len(big)
        assert all(p.poll() is None for p in procs)
    finally:
        codes = [stop(p) for p in procs]
    # workers exit 0; uvicorn shuts down gracefully on SIGTERM, then re-raises the signal
    assert codes[:2] == [0, 0] and set(codes[2:]) <= {0, -signal.SIGTERM}
