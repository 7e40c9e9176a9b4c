"""GraphQL serving under load from separate processes, against the store's own rate in the same run.

Builds a graph from simulator traffic (ingest without scoring, then one detection run) on an
embedded FalkorDB, or uses an existing one (``--falkordb-url``), starts ``ringscope serve
--workers N`` and measures, for the ring-members + 2-hop neighbourhood mix of the contract check
(``/work/shared/checks/api_load.py``):
  * ``direct``: the same reads sent straight to FalkorDB from 4 client threads (the anchor);
  * ``wrk``: Debian's wrk, 8 connections, from its own process: requests/s and the ratio to direct,
    and the CPU that the API processes and the FalkorDB server spent per request (from /proc: on a
    shared, loaded machine the rates swing from run to run, the CPU per request much less);
  * ``open_loop``: ``benchmarks.loadgen`` in its own process at fixed arrival rates (``--rates``):
    the highest rate served with p99 <= 50 ms, and p50/p99 at 200 req/s;
  * ``under_ingest``: 200 req/s again while another process ingests ``--ingest-rate`` tx/s;
  * ``fanout``: alerts published on Redis reaching ``--subscribers`` graphql-transport-ws
    subscribers held by separate client processes (``benchmarks.fanout``), with the server's
    CPU per delivery (goal reach-all p99 <= 150 ms at 1,000).
Prints one JSON line. Speed is reported here, never asserted in tests.

usage: python -m benchmarks.api [--accounts N] [--days D] [--rate R] [--falkordb-url URL]
       [--workers N] [--rates 100,200,...] [--seconds S] [--ingest-rate TX_S]
       [--subscribers 1000,10000] [--alerts A]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import redis
from falkordb import FalkorDB

from benchmarks.fanout import cpu_seconds, process_tree
from core.settings import Settings
from graph.embedded import EmbeddedFalkorDB, free_port
from graph.falkordb_store import FalkorStore

ROOT = Path(__file__).resolve().parents[1]
RING_Q = "query($id: ID!) { ring(id: $id) { members { id riskScore } } }"
NEIGH_Q = "query($id: ID!) { neighbourhood(id: $id, hops: 2) { nodeCount truncated } }"
RING_C = "MATCH (r:Ring {id: $id})-[:MEMBER]->(a:Account) RETURN a.id, a.risk_score"
NEIGH_C = "MATCH (a:Account {id: $id})-[*1..2]-(n) WITH DISTINCT n LIMIT 200 RETURN count(n)"
P99_GOAL_MS = 50.0
WRK_LUA = """
local bodies = {}
for line in io.lines("BODIES") do bodies[#bodies + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("POST", "/graphql", {["Content-Type"] = "application/json"}, bodies[(i % #bodies) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("JSON {\\"p50\\": %.2f, \\"p99\\": %.2f, \\"non2xx\\": %d}\\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status))
end
"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))], 2) if ordered else 0.0


def build_graph(args: argparse.Namespace, settings: Settings, store: FalkorStore) -> dict[str, Any]:
    from detection.run import run_detection
    from ingest.simulator import SimConfig, simulate
    from ringscope.bootstrap import build_pipeline

    cfg = SimConfig(
        accounts=args.accounts, days=args.days, seed=7, tx_per_account_per_day=args.rate
    )
    sim = simulate(cfg)
    pipeline = build_pipeline(settings, store, scoring=False)
    raws = sim.accounts + sim.transactions
    t0 = time.perf_counter()
    for start in range(0, len(raws), 5000):
        pipeline.process_raw(raws[start : start + 5000])
    ingest_s = time.perf_counter() - t0
    summary = run_detection(settings, store)
    return {
        "transactions": len(sim.transactions),
        "accounts": len(sim.accounts),
        "ingest_s": round(ingest_s, 1),
        "rings": summary.rings_total,
    }


def sample_ids(url: str, graph: str) -> tuple[list[str], list[str]]:
    """The contract check's ids: the 100 top rings, 400 accounts that sent transfers."""
    g = FalkorDB.from_url(url).select_graph(graph)
    rings = [
        r[0]
        for r in g.ro_query("MATCH (r:Ring) RETURN r.id ORDER BY r.score DESC LIMIT 100").result_set
    ]
    accounts = [
        r[0]
        for r in g.ro_query(
            "MATCH (a:Account)-[:TRANSFERRED]->() RETURN DISTINCT a.id LIMIT 400"
        ).result_set
    ]
    if not rings or not accounts:
        raise SystemExit("the graph has no rings or no transfers")
    return rings, accounts


def write_bodies(path: Path, rings: list[str], accounts: list[str]) -> None:
    lines = []
    for i in range(400):
        q, ids = (RING_Q, rings) if i % 2 else (NEIGH_Q, accounts)
        lines.append(json.dumps({"query": q, "variables": {"id": ids[i % len(ids)]}}))
    path.write_text("\n".join(lines))


def direct_rate(
    url: str, graph: str, rings: list[str], accounts: list[str], seconds: float, threads: int = 4
) -> float:
    """The same reads sent straight to FalkorDB (the contract check's anchor)."""
    done = [0] * threads
    stop = time.monotonic() + seconds

    def work(k: int) -> None:
        g = FalkorDB.from_url(url).select_graph(graph)
        i = k
        while time.monotonic() < stop:
            if i % 2:
                g.ro_query(RING_C, {"id": rings[i % len(rings)]})
            else:
                g.ro_query(NEIGH_C, {"id": accounts[i % len(accounts)]})
            i += threads
            done[k] += 1

    workers = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    t0 = time.monotonic()
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return sum(done) / (time.monotonic() - t0)


def store_pid(db_url: str) -> list[int]:
    """The FalkorDB server's process when it runs on this machine (for its CPU), else []."""
    pid = int(redis.Redis.from_url(db_url).info("server").get("process_id", 0))
    return [pid] if pid and Path(f"/proc/{pid}/stat").exists() else []


def start_server(db_url: str, graph: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "FALKORDB_URL": db_url,
        "RINGSCOPE_GRAPH": graph,
        "PYTHONPATH": str(ROOT),
        "RINGSCOPE_HOST": "127.0.0.1",
        "RINGSCOPE_PORT": str(port),
    }
    cmd = [sys.executable, "-m", "ringscope", "serve", "--workers", str(workers)]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise RuntimeError("the API server did not become ready")


def run_wrk(url: str, bodies: Path, seconds: int, connections: int = 8) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        return {"skipped": "wrk is not installed (apt-get install wrk)"}
    lua = bodies.with_suffix(".lua")
    lua.write_text(WRK_LUA.replace("BODIES", str(bodies)))
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(lua),
            url + "/graphql",
        ],
        capture_output=True,
        text=True,
    ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    lat = re.search(r"JSON (\{.*\})", out)
    done = re.search(r"(\d+) requests in", out)
    if rps is None or lat is None:
        return {"error": out[-500:]}
    return {
        "rps": float(rps.group(1)),
        "requests": int(done.group(1)) if done else 0,
        "connections": connections,
        **{k + ("_ms" if k != "non2xx" else ""): v for k, v in json.loads(lat.group(1)).items()},
    }


def open_loop(url: str, bodies: Path, rate: float, seconds: float) -> dict[str, Any]:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.loadgen",
            url + "/graphql",
            str(bodies),
            str(rate),
            str(seconds),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if out.returncode != 0:
        return {"offered_rps": rate, "error": out.stderr[-500:]}
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def ingest_feed(url: str, graph: str, rate: float, seconds: float) -> None:
    """Runs in its own process: simulated live transactions through the ingest pipeline."""
    from ingest.simulator import SimConfig, live_events
    from ringscope.bootstrap import build_pipeline

    settings = Settings(falkordb_url=url, graph=graph)
    store = FalkorStore(url, graph)
    pipeline = build_pipeline(settings, store, scoring=False)
    events = live_events(SimConfig(accounts=20_000, seed=7), rate)
    batch = max(1, int(rate / 10))
    pipeline.process_raw([next(events) for _ in range(batch)])  # the world is built: start
    print("READY", flush=True)
    start = time.monotonic()
    sent = 0
    while time.monotonic() - start < seconds:
        pipeline.process_raw([next(events) for _ in range(batch)])
        sent += batch
        ahead = sent / rate - (time.monotonic() - start)
        if ahead > 0:
            time.sleep(ahead)
    print(json.dumps({"ingested": sent, "tx_per_s": round(sent / (time.monotonic() - start), 1)}))


def measure(args: argparse.Namespace, db_url: str, graph: str, tmp: Path) -> dict[str, Any]:
    rings, accounts = sample_ids(db_url, graph)
    bodies = tmp / "bodies.txt"
    write_bodies(bodies, rings, accounts)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_server(db_url, graph, port, args.workers)
    out: dict[str, Any] = {"workers": args.workers, "cpu_count": os.cpu_count()}
    try:
        open_loop(url, bodies, 50, 2)  # warm every process
        direct = direct_rate(db_url, graph, rings, accounts, args.seconds)
        api_pids, store_pids = process_tree(server.pid), store_pid(db_url)
        cpu0 = cpu_seconds(api_pids), cpu_seconds(store_pids)
        wrk = run_wrk(url, bodies, int(args.seconds))
        if "requests" in wrk and wrk["requests"]:
            spent = cpu_seconds(api_pids) - cpu0[0], cpu_seconds(store_pids) - cpu0[1]
            wrk["cpu_ms_per_request"] = {
                "api": round(1000 * spent[0] / wrk["requests"], 3),
                "store": round(1000 * spent[1] / wrk["requests"], 3) if store_pids else None,
            }
        out["direct_rps"] = round(direct, 1)
        out["wrk"] = wrk
        if "rps" in wrk:
            out["ratio"] = round(wrk["rps"] / direct, 3)
        steps = [
            open_loop(url, bodies, float(rate), args.seconds) for rate in args.rates.split(",")
        ]
        ok = [
            s
            for s in steps
            if "p99_ms" in s
            and s["p99_ms"] <= P99_GOAL_MS
            and not s["errors"]
            and s["achieved_rps"] >= 0.95 * s["offered_rps"]
        ]
        out["open_loop"] = steps
        out["max_rps_p99_under_50ms"] = max((s["offered_rps"] for s in ok), default=0)
        out["at_200"] = open_loop(url, bodies, 200, args.seconds)
        if args.ingest_rate > 0:
            feeder = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "import sys; from benchmarks.api import ingest_feed; "
                    "ingest_feed(sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]))",
                    db_url,
                    graph,
                    str(args.ingest_rate),
                    str(args.seconds + 1),
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                text=True,
            )
            assert feeder.stdout is not None
            feeder.stdout.readline()  # READY: the feeder runs at its rate from now on
            under = open_loop(url, bodies, 200, args.seconds)
            fed, _ = feeder.communicate(timeout=120)
            out["under_ingest"] = {**under, "ingest": json.loads(fed) if fed.strip() else None}
        if args.subscribers:
            from benchmarks.fanout import client_processes_for, fan_out

            pids = process_tree(server.pid)
            out["fanout"] = [
                fan_out(
                    url.replace("http", "ws") + "/graphql",
                    db_url,
                    "alerts",
                    int(n),
                    args.alerts,
                    client_processes_for(int(n)),
                    pids,
                )
                for n in args.subscribers.split(",")
            ]
    finally:
        server.terminate()
        server.wait(30)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=20_000)
    ap.add_argument("--days", type=int, default=10)
    ap.add_argument("--rate", type=float, default=1.0)
    ap.add_argument("--falkordb-url", help="use this server's graph instead of building one")
    ap.add_argument("--graph", default="ringscope")
    ap.add_argument(
        "--workers",
        type=int,
        default=0,
        help="API processes (0: as ringscope serve: CPUs - 1, 1 to 4)",
    )
    ap.add_argument("--rates", default="100,200,400,800,1600", help="open-loop req/s steps")
    ap.add_argument("--seconds", type=float, default=8.0, help="length of each measurement")
    ap.add_argument("--ingest-rate", type=float, default=1000, help="tx/s; 0 skips that phase")
    ap.add_argument(
        "--subscribers", default="1000", help="fan-out runs, e.g. 1000,10000 (benchmarks.fanout)"
    )
    ap.add_argument("--alerts", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name, ExitStack() as stack:
        tmp = Path(tmp_name)
        out: dict[str, Any] = {"benchmark": "api", "load_average": os.getloadavg()[0]}
        if args.falkordb_url:
            db_url = args.falkordb_url
        else:
            db = stack.enter_context(EmbeddedFalkorDB(data_dir=tmp / "db"))
            db_url = db.url
            settings = Settings(data_dir=tmp / "data", falkordb_url=db_url, graph=args.graph)
            store = FalkorStore(db_url, args.graph)
            store.ensure_schema()
            out.update(build_graph(args, settings, store))
            store.close()
        out.update(measure(args, db_url, args.graph, tmp))
        out["load_average_after"] = os.getloadavg()[0]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
