"""Real-time scoring end to end: a live stream with anomalies through a real worker process.

Starts an embedded FalkorDB (or uses FALKORDB_URL), runs a stream worker in a separate process
(the rules scorer and alert publisher wired in; ``--cli`` runs ``ringscope worker`` instead),
feeds 30 days of ordinary history for the accounts, then live traffic at each rate with
anomalies mixed in: amounts 10-20x the usual spend, the same account in two countries 20 minutes
apart, bursts of 12 tiny payments in 3 minutes. Prints one JSON line per rate: recall on the
anomalies, alert rate on ordinary traffic, p50/p99 XADD->alert latency.

usage: python -m benchmarks.scoring [--rates 500,2000] [--seconds 6] [--accounts 300] [--cli]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import redis

from ringscope.secrets import identity_salt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DAY = timedelta(days=1)


def serve_worker(url: str, graph: str) -> None:
    """The worker process: store, pipeline with scoring, StreamWorker until SIGTERM."""
    from core.settings import load_settings
    from graph.falkordb_store import FalkorStore
    from graph.streams import RedisStreams, RedisStreamSource
    from ingest.deadletter import DeadLetterStream
    from ingest.pipeline import Pipeline
    from ingest.worker import StreamWorker
    from ringscope.bootstrap import alert_publisher, rule_scorer

    settings = load_settings(falkordb_url=url, graph=graph)
    store = FalkorStore(url, graph)
    store.ensure_schema()
    scorer = rule_scorer(store.redis, settings)
    publisher = alert_publisher(store.redis, settings)
    pipeline = Pipeline(
        store,
        identity_salt(settings),
        scorer=scorer,
        publisher=publisher,
        dead_letter=DeadLetterStream(RedisStreams(store.redis), settings.dead_letter_stream),
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    source = RedisStreamSource.for_settings(store.redis, settings)
    StreamWorker(source, pipeline, settings, name="bench").run(stop)
    publisher.close()
    store.close()


class Traffic:
    """The stream check's traffic: ordinary payments per account, anomalies at fixed places."""

    def __init__(self, accounts: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.accs = [f"acct-{i:04d}" for i in range(accounts)]
        self.home = {a: self.rng.choice(["DE", "FR", "NL"]) for a in self.accs}
        self.spend = {a: self.rng.uniform(20, 80) for a in self.accs}
        self.n = 0

    def ev(self, t: datetime, a: str, amount: float, **kw: Any) -> dict[str, Any]:
        self.n += 1
        e = {
            "tx_id": f"b-{self.n:07d}",
            "ts": t.isoformat(),
            "kind": "payment",
            "amount": round(amount, 2),
            "currency": "EUR",
            "account_id": a,
            "merchant_id": f"m-{self.rng.randrange(40):02d}",
            "device_id": f"dev-{a}",
            "country": self.home[a],
        }
        e.update(kw)
        return e

    def history(self, now: datetime) -> list[dict[str, Any]]:
        hist = []
        for a in self.accs:
            for k in range(30):
                t = now - 30 * DAY + k * DAY + timedelta(minutes=self.rng.uniform(0, 600))
                hist.append(self.ev(t, a, self.spend[a] * self.rng.uniform(0.6, 1.4)))
        return sorted(hist, key=lambda e: e["ts"])

    def live(self, start: datetime, count: int) -> tuple[list[dict[str, Any]], dict[str, str]]:
        live: list[dict[str, Any]] = []
        special: dict[str, str] = {}
        t = start
        for i in range(count):
            a = self.rng.choice(self.accs)
            t += timedelta(seconds=1)
            e = self.ev(t, a, self.spend[a] * self.rng.uniform(0.6, 1.4))
            if i % 100 == 50:
                e["amount"] = round(self.spend[a] * self.rng.uniform(10, 20), 2)
                special[e["tx_id"]] = "amount_spike"
            elif i % 100 == 75:
                live.append(e)
                e = self.ev(t + timedelta(minutes=20), a, self.spend[a], country="US")
                special[e["tx_id"]] = "impossible_travel"
            live.append(e)
            if i % 500 == 250:
                b = self.rng.choice(self.accs)
                for j in range(12):
                    eb = self.ev(t + timedelta(seconds=15 * j), b, self.rng.uniform(1, 3))
                    special[eb["tx_id"]] = "burst"
                    live.append(eb)
        return live, special


def wait_drained(r: redis.Redis[Any], timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        groups = r.xinfo_groups("transactions") if r.exists("transactions") else []
        g = [x for x in groups if x["name"] == "ringscope"]
        if g and g[0].get("lag") == 0 and g[0].get("pending") == 0:
            return
        time.sleep(0.2)
    raise SystemExit(f"worker did not drain the stream in {timeout}s")


def send(r: redis.Redis[Any], live: list[dict[str, Any]], rate: float) -> dict[str, int]:
    sent_at: dict[str, int] = {}
    t0 = time.time()
    for k, e in enumerate(live):
        d = t0 + k / rate - time.time()
        if d > 0:
            time.sleep(d)
        sent_at[e["tx_id"]] = int(r.xadd("transactions", {"event": json.dumps(e)}).split("-")[0])
    return sent_at


def measure(
    r: redis.Redis[Any],
    start_id: str,
    live: list[dict[str, Any]],
    special: dict[str, str],
    sent_at: dict[str, int],
    rate: float,
) -> dict[str, Any]:
    flagged: dict[str, dict[str, Any]] = {}
    lat: list[float] = []
    for aid, f in r.xrange("alerts", min=f"({start_id}"):
        a = json.loads(f["alert"])
        tx = a.get("transactionId")
        if tx in sent_at and tx not in flagged:
            flagged[tx] = a
            lat.append(int(aid.split("-")[0]) - sent_at[tx])
    kinds = sorted(set(special.values()))
    hit = {k: sum(1 for tx, kk in special.items() if kk == k and tx in flagged) for k in kinds}
    tot = {k: sum(1 for kk in special.values() if kk == k) for k in kinds}
    bursts = {e["account_id"] for e in live if special.get(e["tx_id"]) == "burst"}
    tot["burst"] = len(bursts)
    hit["burst"] = len({flagged[tx]["accountId"] for tx in flagged if special.get(tx) == "burst"})
    travel = [
        (e["account_id"], datetime.fromisoformat(e["ts"]))
        for e in live
        if special.get(e["tx_id"]) == "impossible_travel"
    ]

    def ambiguous(e: dict[str, Any]) -> bool:
        t = datetime.fromisoformat(e["ts"])
        return any(a == e["account_id"] and abs(t - ts) <= timedelta(hours=1) for a, ts in travel)

    ordinary = [e["tx_id"] for e in live if e["tx_id"] not in special and not ambiguous(e)]
    lat.sort()

    def pct(q: float) -> float | None:
        return float(lat[min(len(lat) - 1, int(q * len(lat)))]) if lat else None

    return {
        "benchmark": "scoring",
        "rate_tx_s": rate,
        "transactions": len(live),
        "recall": {k: f"{hit[k]}/{tot[k]}" for k in tot},
        "recall_all": round(sum(hit.values()) / max(1, sum(tot.values())), 3),
        "false_alert_rate": round(sum(tx in flagged for tx in ordinary) / max(1, len(ordinary)), 4),
        "latency_ms": {"p50": pct(0.5), "p99": pct(0.99), "max": lat[-1] if lat else None},
    }


def run(url: str, rates: list[float], seconds: float, accounts: int, cli: bool) -> None:
    r = redis.Redis.from_url(url, decode_responses=True)
    graph = f"bench-{os.getpid()}"
    env = {**os.environ, "FALKORDB_URL": url, "RINGSCOPE_GRAPH": graph}
    cmd = (
        ["ringscope", "worker"] if cli else [sys.executable, __file__, "--serve-worker", url, graph]
    )
    worker = subprocess.Popen(cmd, env=env)
    try:
        traffic = Traffic(accounts, seed=5)
        now = datetime.now(UTC)
        pipe = r.pipeline(transaction=False)
        for e in traffic.history(now):
            pipe.xadd("transactions", {"event": json.dumps(e)})
        pipe.execute()
        wait_drained(r, 300)
        start = now
        for rate in rates:
            live, special = traffic.live(start, int(rate * seconds))
            start += timedelta(hours=3)  # keep each round's anomalies apart in event time
            info = r.xinfo_stream("alerts") if r.exists("alerts") else None
            start_id = info["last-generated-id"] if info else "0-0"
            sent_at = send(r, live, rate)
            wait_drained(r, 60)
            time.sleep(0.5)
            print(json.dumps(measure(r, start_id, live, special, sent_at, rate)), flush=True)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
        r.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rates", default="500,2000")
    ap.add_argument("--seconds", type=float, default=6.0, help="live traffic per rate")
    ap.add_argument("--accounts", type=int, default=300)
    ap.add_argument("--cli", action="store_true", help="run `ringscope worker` as the worker")
    ap.add_argument("--serve-worker", nargs=2, metavar=("URL", "GRAPH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve_worker:
        serve_worker(*args.serve_worker)
        return
    rates = [float(x) for x in args.rates.split(",")]
    if os.environ.get("FALKORDB_URL"):
        run(os.environ["FALKORDB_URL"], rates, args.seconds, args.accounts, args.cli)
        return
    from graph.embedded import EmbeddedFalkorDB

    with tempfile.TemporaryDirectory() as tmp, EmbeddedFalkorDB(data_dir=tmp) as server:
        run(server.url, rates, args.seconds, args.accounts, args.cli)


if __name__ == "__main__":
    main()
