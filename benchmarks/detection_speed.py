"""Ring detection's speed at 1M transactions, and the stall a concurrent read sees (the
``speed`` part of ``python -m benchmarks.detection``): a cold run (reads the whole edge log), a
warm run (state kept, nothing new), and a typed 2-hop query run back to back in a process of its
own, first alone (baseline) and then during the cold run, which writes every ring it finds."""

from __future__ import annotations

import multiprocessing as mp
import random
import tempfile
import time
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any

from benchmarks.datasets import load_events, run_summary
from core.settings import Settings
from detection.run import run_detection
from graph.cypher import load_query
from graph.embedded import EmbeddedFalkorDB
from graph.falkordb_store import FalkorStore
from ingest.simulator import SimConfig, simulate
from ringscope.secrets import identity_salt


def speed(cfg: SimConfig) -> dict[str, Any]:
    sim = simulate(cfg)
    ctx = mp.get_context("spawn")
    with tempfile.TemporaryDirectory() as tmp, EmbeddedFalkorDB(data_dir=Path(tmp) / "db") as db:
        settings = Settings(data_dir=Path(tmp) / "data")
        store = FalkorStore(db.url, settings.graph)
        store.ensure_schema()
        ingest_s = load_events(store, sim.accounts + sim.transactions, identity_salt(settings))
        ids = random.Random(3).sample([str(a["account_id"]) for a in sim.accounts], 5000)
        phase, results = ctx.Value("i", 1), ctx.Queue()
        prober = ctx.Process(target=probe, args=(db.url, settings.graph, ids, phase, results))
        prober.start()
        time.sleep(5.0)  # the prober's own start-up, then a baseline with nothing else running
        store.redis.slowlog_reset()
        phase.value = 2
        cold = run_detection(settings, store)
        phase.value = 0
        slow = store.redis.slowlog_get(128)
        stalls = results.get(timeout=60)
        prober.join(timeout=30)
        warm = run_detection(settings, store)
        store.close()
    return {
        "accounts": cfg.accounts,
        "transactions": len(sim.transactions),
        "ingest_s": round(ingest_s, 1),
        "cold_run": run_summary(cold),
        "warm_run": run_summary(warm),
        "two_hop_baseline": stalls[1],
        "two_hop_during_detection": stalls[2],
        "slowest_server_commands": _slow(slow),
    }


def _slow(entries: list[dict[str, Any]]) -> list[tuple[str, float]]:
    """The 5 slowest SLOWLOG entries (commands over 10 ms, which hold up other clients), in ms."""
    out = []
    for e in sorted(entries, key=lambda e: -int(e.get("duration", 0)))[:5]:
        cmd = e.get("command", b"")
        text = cmd.decode(errors="replace") if isinstance(cmd, bytes) else str(cmd)
        out.append((text[:60], round(int(e.get("duration", 0)) / 1000, 1)))
    return out


def probe(url: str, graph: str, ids: list[str], phase: Synchronized[int], out: Any) -> None:
    """In its own process: the typed 2-hop query back to back; latencies (ms) kept per phase
    (1 baseline, 2 during detection) until phase 0, then sent back as summaries."""
    store = FalkorStore(url, graph)
    query, rng = load_query("bench_two_hop"), random.Random(5)
    lat: dict[int, list[float]] = {1: [], 2: []}
    while (p := phase.value) != 0:
        t0 = time.perf_counter()
        store.graph.ro_query(query, {"id": rng.choice(ids)})
        if p in lat:
            lat[p].append((time.perf_counter() - t0) * 1000)
    store.close()
    out.put({p: _latency(v) for p, v in lat.items()})


def _latency(values: list[float]) -> dict[str, float]:
    s = sorted(values) or [0.0]

    def pick(q: float) -> float:
        return round(s[min(len(s) - 1, int(len(s) * q))], 2)

    return {
        "queries": len(values),
        "p50_ms": pick(0.5),
        "p99_ms": pick(0.99),
        "p999_ms": pick(0.999),
        "max_ms": round(s[-1], 2),
    }
