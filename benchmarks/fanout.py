"""Fan-out: alerts published on Redis reaching S graphql-transport-ws subscribers of ``ringscope serve``.

The subscribers live in ``--client-processes`` separate processes (one Python process cannot read
thousands of sockets fast enough: it would measure itself), spread over the server's ``--workers``
processes by the kernel. Each alert is published once; ``reach_all`` is the time until its last
subscriber has it, ``delivery`` every subscriber's own latency. ``server_cpu_us_per_delivery`` is
the CPU the server processes spent per delivered message (from /proc), the figure that the
machine's load does not distort. Goal: reach-all p99 <= 150 ms at 1,000 subscribers.

usage: python -m benchmarks.fanout [--falkordb-url URL] [--workers N] [--subscribers 1000,10000]
       [--client-processes P] [--alerts A]
Without ``--falkordb-url`` an empty embedded FalkorDB is started (fan-out needs no graph).
Prints one JSON line. Speed is reported here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import tempfile
import time
from contextlib import ExitStack
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import orjson
import redis
import websockets

SUB_Q = "subscription { alerts(minScore: 0) { id score accountId reasons } }"
GOAL_MS = 150


def _subscribers(url: str, count: int, first_id: int, pipe: Connection) -> None:
    """One client process: ``count`` sockets, each one subscription; arrival times per alert."""

    async def run() -> None:
        arrivals: dict[str, list[float]] = {}
        sockets = []
        for k in range(count):
            ws = await websockets.connect(
                url,
                subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                max_queue=None,
                open_timeout=60,
            )
            await ws.send(orjson.dumps({"type": "connection_init", "payload": {}}).decode())
            await ws.recv()
            subscribe = {"id": str(first_id + k), "type": "subscribe", "payload": {"query": SUB_Q}}
            await ws.send(orjson.dumps(subscribe).decode())
            sockets.append(ws)

        async def read(ws: Any) -> None:
            async for raw in ws:
                msg = orjson.loads(raw)
                if msg.get("type") == "next":
                    alert_id = msg["payload"]["data"]["alerts"]["id"]
                    arrivals.setdefault(alert_id, []).append(time.perf_counter())

        readers = [asyncio.create_task(read(ws)) for ws in sockets]
        pipe.send("ready")
        await asyncio.get_running_loop().run_in_executor(None, pipe.recv)  # "done"
        pipe.send(arrivals)
        for task in readers:
            task.cancel()
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)

    asyncio.run(run())


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (uvicorn's worker processes), from /proc."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            todo.extend(int(c) for c in task.read_text().split())
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))], 1) if ordered else 0.0


def fan_out(
    ws_url: str,
    redis_url: str,
    channel: str,
    subscribers: int,
    alerts: int,
    client_processes: int,
    server_pids: list[int],
    gap_s: float = 0.0,
) -> dict[str, Any]:
    """Alerts ``gap_s`` apart (default: 0.3 s per 1,000 subscribers, at least 0.3 s), so each
    one is measured on its own rather than behind the last one's backlog."""
    gap_s = gap_s or max(0.3, 0.3 * subscribers / 1000)
    per = max(1, subscribers // client_processes)
    ctx = mp.get_context("spawn")
    pipes, procs = [], []
    t0 = time.perf_counter()
    for i in range(client_processes):
        ours, theirs = ctx.Pipe()
        proc = ctx.Process(target=_subscribers, args=(ws_url, per, i * per, theirs), daemon=True)
        proc.start()
        pipes.append(ours)
        procs.append(proc)
    for pipe in pipes:
        if not pipe.poll(600) or pipe.recv() != "ready":
            raise RuntimeError("a subscriber process did not connect")
    connect_s = time.perf_counter() - t0
    time.sleep(1.0)  # every subscription reaches its process's broadcaster
    client = redis.Redis.from_url(redis_url)
    cpu0 = cpu_seconds(server_pids)
    sent: dict[str, float] = {}
    for k in range(alerts):
        alert_id = f"bench-{k}"
        payload = {
            "id": alert_id,
            "kind": "TRANSACTION",
            "score": 90.0,
            "accountId": "a-1",
            "reasons": ["benchmark"],
        }
        sent[alert_id] = time.perf_counter()
        client.publish(channel, orjson.dumps(payload))
        time.sleep(gap_s)
    time.sleep(max(1.0, gap_s))
    cpu = cpu_seconds(server_pids) - cpu0
    client.close()
    arrivals: dict[str, list[float]] = {}
    for pipe in pipes:
        pipe.send("done")
        for alert_id, times in pipe.recv().items():
            arrivals.setdefault(alert_id, []).extend(times)
    for proc in procs:
        proc.join(60)
    total = per * client_processes
    reach = [
        (max(arrivals[a]) - t) * 1000 for a, t in sent.items() if len(arrivals.get(a, ())) == total
    ]
    each = [(x - t) * 1000 for a, t in sent.items() for x in arrivals.get(a, ())]
    return {
        "subscribers": total,
        "client_processes": client_processes,
        "alerts": alerts,
        "gap_s": round(gap_s, 2),
        "connect_s": round(connect_s, 1),
        "complete_alerts": len(reach),
        "delivered": len(each),
        "reach_all_p50_ms": pct(reach, 0.5),
        "reach_all_p99_ms": pct(reach, 0.99),
        "delivery_p50_ms": pct(each, 0.5),
        "delivery_p99_ms": pct(each, 0.99),
        "server_cpu_s": round(cpu, 2),
        "server_cpu_us_per_delivery": round(cpu / max(1, len(each)) * 1e6, 1),
        "goal_reach_all_p99_ms": GOAL_MS,
    }


def client_processes_for(subscribers: int, wanted: int = 0) -> int:
    return wanted or max(2, min(16, subscribers // 500))


def main() -> None:
    from benchmarks.api import start_server
    from graph.embedded import EmbeddedFalkorDB, free_port

    ap = argparse.ArgumentParser()
    ap.add_argument("--falkordb-url", help="an existing server (default: an empty embedded one)")
    ap.add_argument("--graph", default="ringscope")
    ap.add_argument("--workers", type=int, default=0, help="API processes (0: as ringscope serve)")
    ap.add_argument("--subscribers", default="1000,10000")
    ap.add_argument("--client-processes", type=int, default=0, help="0: one per 500 subscribers")
    ap.add_argument("--alerts", type=int, default=20)
    args = ap.parse_args()
    out: dict[str, Any] = {"benchmark": "fanout", "load_average": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        url = args.falkordb_url
        if not url:
            url = stack.enter_context(EmbeddedFalkorDB(data_dir=Path(tmp) / "db")).url
        port = free_port()
        server = start_server(url, args.graph, port, args.workers)
        try:
            pids = process_tree(server.pid)
            out["workers"] = args.workers
            out["server_processes"] = len(pids)
            out["runs"] = [
                fan_out(
                    f"ws://127.0.0.1:{port}/graphql",
                    url,
                    "alerts",
                    n,
                    args.alerts,
                    client_processes_for(n, args.client_processes),
                    pids,
                )
                for n in (int(s) for s in args.subscribers.split(","))
            ]
        finally:
            server.terminate()
            server.wait(30)
    out["load_average_after"] = os.getloadavg()[0]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
