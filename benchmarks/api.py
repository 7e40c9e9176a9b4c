"""GraphQL API latency under concurrent clients, and alert fan-out to many WebSocket subscribers.

Builds a graph from simulator traffic (ingest pipeline without scoring, then one detection run)
on an embedded FalkorDB, serves the API with uvicorn in a subprocess, then measures:
  * p50/p99 of ``ring(id){members{id riskScore}}`` and ``neighbourhood(hops: 2)`` with
    ``--clients`` concurrent HTTP clients (goal p99 <= 20 ms);
  * the time for one alert published on Redis pub/sub to reach all ``--subscribers``
    graphql-transport-ws subscribers (goal p99 <= 250 ms).
Clients run in this process, on the same machine as the server. Prints one JSON line.

usage: python -m benchmarks.api [--accounts N] [--days D] [--rate R] [--clients C]
       [--requests R] [--subscribers S] [--alerts A]
       1M transactions: --accounts 100000 --days 10 --rate 1.0
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
import redis
import websockets

from core.settings import Settings
from detection.run import run_detection
from graph.embedded import EmbeddedFalkorDB, free_port
from graph.falkordb_store import FalkorStore
from ingest.simulator import SimConfig, simulate
from ringscope.runtime import build_pipeline

RING_Q = "query($id: ID!) { ring(id: $id) { members { id riskScore } } }"
NEIGH_Q = "query($id: ID!) { neighbourhood(id: $id, hops: 2) { nodeCount truncated } }"
SUB_Q = "subscription { alerts(minScore: 0) { id score accountId reasons } }"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))], 2) if ordered else 0.0


def build_graph(args: argparse.Namespace, settings: Settings, store: FalkorStore) -> dict[str, Any]:
    cfg = SimConfig(accounts=args.accounts, days=args.days, seed=7,
                    tx_per_account_per_day=args.rate)  # fmt: skip
    sim = simulate(cfg)
    pipeline = build_pipeline(settings, store, scoring=False)
    raws = sim.accounts + sim.transactions
    t0 = time.perf_counter()
    for start in range(0, len(raws), 5000):
        pipeline.process_raw(raws[start : start + 5000])
    ingest_s = time.perf_counter() - t0
    summary = run_detection(settings, store)
    counts = store.graph.ro_query("MATCH (n) RETURN count(n)").result_set[0][0]
    edges = store.graph.ro_query("MATCH ()-[e]->() RETURN count(e)").result_set[0][0]
    return {"transactions": len(sim.transactions), "accounts": len(sim.accounts),
            "nodes": counts, "edges": edges, "ingest_s": round(ingest_s, 1),
            "detect_s": round(summary.duration_ms / 1000, 1), "rings": summary.rings_total}  # fmt: skip


def start_server(db_url: str, graph: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "FALKORDB_URL": db_url, "RINGSCOPE_GRAPH": graph,
           "RINGSCOPE_HOST": "127.0.0.1"}  # fmt: skip
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app", "--host",
           "127.0.0.1", "--port", str(port), "--log-level", "warning", "--ws", "websockets-sansio"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, cwd=Path(__file__).resolve().parents[1])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the API server did not become ready")


async def load(url: str, ring_ids: list[str], account_ids: list[str], clients: int,
               per_client: int) -> dict[str, list[float]]:  # fmt: skip
    lat: dict[str, list[float]] = {"ring": [], "neighbourhood": []}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as http:

        async def client(n: int) -> None:
            for i in range(per_client):
                kind = "ring" if (n + i) % 2 == 0 else "neighbourhood"
                ids = ring_ids if kind == "ring" else account_ids
                query = RING_Q if kind == "ring" else NEIGH_Q
                body = {"query": query, "variables": {"id": ids[(n * 31 + i) % len(ids)]}}
                t0 = time.perf_counter()
                r = await http.post("/graphql", json=body)
                lat[kind].append((time.perf_counter() - t0) * 1000)
                if r.status_code != 200 or "errors" in r.json():
                    raise RuntimeError(f"{kind} failed: {r.text[:300]}")

        await asyncio.gather(*(client(n) for n in range(clients)))
    return lat


async def fan_out(ws_url: str, r: redis.Redis, channel: str, subscribers: int,
                  alerts: int) -> dict[str, float]:  # fmt: skip
    arrivals: dict[str, list[float]] = {}
    conns = []
    for n in range(subscribers):
        ws = await websockets.connect(ws_url, subprotocols=["graphql-transport-ws"],
                                      max_queue=None)  # type: ignore[arg-type]  # fmt: skip
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        await ws.recv()
        await ws.send(json.dumps({"id": str(n), "type": "subscribe", "payload": {"query": SUB_Q}}))
        conns.append(ws)

    async def reader(ws: Any) -> None:
        async for raw in ws:
            msg = orjson.loads(raw)
            if msg.get("type") == "next":
                alert_id = msg["payload"]["data"]["alerts"]["id"]
                arrivals.setdefault(alert_id, []).append(time.perf_counter())

    readers = [asyncio.create_task(reader(ws)) for ws in conns]
    await asyncio.sleep(1.0)  # let every subscription reach the broadcaster
    sent: dict[str, float] = {}
    for k in range(alerts):
        alert_id = f"bench-{k}"
        payload = orjson.dumps({"id": alert_id, "kind": "TRANSACTION", "score": 90.0,
                                "accountId": "a-1", "reasons": ["benchmark"]})  # fmt: skip
        sent[alert_id] = time.perf_counter()
        r.publish(channel, payload)
        deadline = time.monotonic() + 10
        while len(arrivals.get(alert_id, ())) < subscribers and time.monotonic() < deadline:
            await asyncio.sleep(0.002)
        await asyncio.sleep(0.05)
    reach_all = [(max(arrivals[a]) - t) * 1000 for a, t in sent.items()
                 if len(arrivals.get(a, ())) == subscribers]  # fmt: skip
    each = [(x - t) * 1000 for a, t in sent.items() for x in arrivals.get(a, ())]
    for task in readers:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in conns), return_exceptions=True)
    return {"subscribers": subscribers, "alerts": alerts, "complete_alerts": len(reach_all),
            "reach_all_p50_ms": pct(reach_all, 0.5), "reach_all_p99_ms": pct(reach_all, 0.99),
            "delivery_p50_ms": pct(each, 0.5), "delivery_p99_ms": pct(each, 0.99)}  # fmt: skip


def sample_ids(store: FalkorStore, n: int) -> tuple[list[str], list[str]]:
    rings = [r[0] for r in store.graph.ro_query(
        "MATCH (r:Ring) RETURN r.id ORDER BY r.score DESC LIMIT $n", {"n": n}).result_set]  # fmt: skip
    accounts = [r[0] for r in store.graph.ro_query(
        "MATCH (a:Account) RETURN a.id LIMIT $n", {"n": n * 10}).result_set]  # fmt: skip
    return rings, accounts[:: max(1, len(accounts) // n)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=20_000)
    ap.add_argument("--days", type=int, default=10)
    ap.add_argument("--rate", type=float, default=1.0)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=40, help="per client")
    ap.add_argument("--subscribers", type=int, default=1000)
    ap.add_argument("--alerts", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, EmbeddedFalkorDB(data_dir=Path(tmp) / "db") as db:
        settings = Settings(data_dir=Path(tmp) / "data", falkordb_url=db.url)
        store = FalkorStore(db.url, settings.graph)
        store.ensure_schema()
        out: dict[str, Any] = {"benchmark": "api", **build_graph(args, settings, store)}
        ring_ids, account_ids = sample_ids(store, 200)
        port = free_port()
        server = start_server(db.url, settings.graph, port)
        try:
            url = f"http://127.0.0.1:{port}"
            asyncio.run(load(url, ring_ids, account_ids, args.clients, 3))  # warm up
            t0 = time.perf_counter()
            lat = asyncio.run(load(url, ring_ids, account_ids, args.clients, args.requests))
            wall = time.perf_counter() - t0
            r = redis.Redis.from_url(db.url)
            fan = asyncio.run(fan_out(f"ws://127.0.0.1:{port}/graphql", r, settings.alerts_channel,
                                      args.subscribers, args.alerts))  # fmt: skip
            r.close()
        finally:
            server.terminate()
            server.wait(30)
        store.close()
    out.update({"clients": args.clients, "requests": sum(len(v) for v in lat.values()),
                "requests_per_s": round(sum(len(v) for v in lat.values()) / wall, 1),
                "ring_p50_ms": pct(lat["ring"], 0.5), "ring_p99_ms": pct(lat["ring"], 0.99),
                "neighbourhood_p50_ms": pct(lat["neighbourhood"], 0.5),
                "neighbourhood_p99_ms": pct(lat["neighbourhood"], 0.99),
                "query_goal_p99_ms": 20, "fanout": fan, "fanout_goal_p99_ms": 250,
                "cpu_count": os.cpu_count()})  # fmt: skip
    print(json.dumps(out))


if __name__ == "__main__":
    main()
