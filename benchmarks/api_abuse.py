"""How long other clients wait while one client sends oversized or expensive documents.

Against a running API (``ringscope serve`` or ``up``), a separate process polls ``/healthz``
while this one sends, each in turn: a 4 MB WebSocket message, a query of many tokens over the
WebSocket, a 60 KB query over HTTP and the 30-alias expensive query of issue 12; first, idle
seconds for the machine's own noise. Prints one JSON line: the worst and p99 ``/healthz``
latency (ms) during each, and what the sender got back.

usage: python -m benchmarks.api_abuse http://127.0.0.1:PORT [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from typing import Any

import httpx
import orjson
import websockets

PROBE = """
import sys, time, httpx
with httpx.Client(base_url=sys.argv[1], timeout=10) as c:
    c.get("/healthz")
    print("ready", flush=True)
    while True:
        t = time.perf_counter(); c.get("/healthz")
        print(f"{time.time():.4f} {(time.perf_counter() - t) * 1000:.2f}", flush=True)
        time.sleep(0.002)
"""
EXPENSIVE = (
    "{ "
    + " ".join(
        f"a{i}: rings(first: 100) {{ edges {{ node {{ members {{ account {{ "
        f"transactions {{ totalCount }} }} }} }} }} }}"
        for i in range(30)
    )
    + " }"
)


async def ws_send(url: str, query: str) -> str:
    async with websockets.connect(
        url.replace("http", "ws", 1) + "/graphql",
        max_size=None,
        subprotocols=["graphql-transport-ws"],
    ) as ws:  # type: ignore[list-item]
        await ws.send('{"type": "connection_init"}')
        await ws.recv()
        await ws.send(
            orjson.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}).decode()
        )
        try:
            reply = orjson.loads(await asyncio.wait_for(ws.recv(), 30))
            return str(reply["payload"][0]["extensions"]["code"])
        except websockets.ConnectionClosed as exc:
            return f"closed {exc.rcvd.code if exc.rcvd else None}"


def http_send(url: str, query: str) -> str:
    r = httpx.post(url + "/graphql", json={"query": query}, timeout=30)
    errors = r.json().get("errors") or [{"extensions": {"code": "ran"}}]
    return f"{r.status_code} {errors[0]['extensions']['code']}"


def during(url: str, send: Any, rounds: int) -> dict[str, Any]:
    probe = subprocess.Popen([sys.executable, "-c", PROBE, url], stdout=subprocess.PIPE, text=True)
    assert probe.stdout is not None
    probe.stdout.readline()
    time.sleep(0.3)
    start = time.time()
    got = [send() for _ in range(rounds)]
    end = time.time() + 0.2
    time.sleep(0.3)
    probe.kill()
    out = probe.communicate()[0]
    rows = (line.split() for line in out.splitlines() if line.count(" ") == 1)
    lat = sorted(float(ms) for ts, ms in rows if start <= float(ts) <= end)
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else None
    return {
        "sent_s": round(end - 0.2 - start, 3),
        "healthz_n": len(lat),
        "healthz_max_ms": lat[-1] if lat else None,
        "healthz_p99_ms": p99,
        "reply": got[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    url = args.url.rstrip("/")
    big = '{ ring(id: "' + "a" * 4_000_000 + '") { id } }'
    tokens = "{ " + "a: __typename " * 4000 + "}"
    long_http = '{ ring(id: "' + "a" * 60_000 + '") { id } }'
    result = {
        "idle_1s": during(url, lambda: time.sleep(1.0), args.rounds),  # the machine's own noise
        "ws_4mb": during(url, lambda: asyncio.run(ws_send(url, big)), args.rounds),
        "ws_4000_tokens": during(url, lambda: asyncio.run(ws_send(url, tokens)), args.rounds),
        "http_60kb_query": during(url, lambda: http_send(url, long_http), args.rounds),
        "http_expensive": during(url, lambda: http_send(url, EXPENSIVE), args.rounds),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
