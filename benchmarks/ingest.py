"""Ingest speed against the raw FalkorDB ceiling, measured in the same run on the same server.

Generates about N transactions of simulator traffic (30 days), loads them through the real
`ringscope ingest` command into a fresh embedded FalkorDB, then times a plain
`UNWIND ... CREATE` of the same rows in batches of 5,000 (what `shared/checks/raw_ingest.py`
does). Prints one JSON line.

usage: python -m benchmarks.ingest [--transactions N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson
from falkordb import FalkorDB

from graph.embedded import EmbeddedFalkorDB
from ingest.simulator import SimConfig, simulate

RAW = (
    "UNWIND $rows AS r CREATE (:Tx {id: r.tx_id, ts: r.ts, amount: r.amount, kind: r.kind, "
    "account: r.account_id, other: coalesce(r.counterparty_id, r.merchant_id, ''), "
    "device: coalesce(r.device_id, '')})"
)


def generate(n: int, path: Path, seed: int = 1) -> int:
    """About ``n`` transactions of simulator traffic (30 days) as JSONL; returns the count."""
    accounts = max(1000, int(n // (30 * SimConfig().tx_per_account_per_day)))
    sim = simulate(SimConfig(accounts=accounts, days=30, seed=seed))
    with open(path, "wb") as fh:
        for e in sim.transactions[:n]:
            fh.write(orjson.dumps(e) + b"\n")
    return min(n, len(sim.transactions))


def raw_rate(port: int, path: Path) -> float:
    rows = [json.loads(line) for line in open(path)]
    g = FalkorDB(host="127.0.0.1", port=port).select_graph("raw_ceiling")
    g.query("CREATE (:X {id: 0})")
    t = time.perf_counter()
    for i in range(0, len(rows), 5000):
        g.query(RAW, {"rows": rows[i : i + 5000]})
    dt = time.perf_counter() - t
    g.delete()
    return len(rows) / dt


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transactions", type=int, default=500_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "transactions.jsonl"
        n = generate(args.transactions, data)
        with EmbeddedFalkorDB(Path(tmp) / "db") as server:
            env = {**os.environ, "FALKORDB_URL": server.url, "RINGSCOPE_GRAPH": "bench"}
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "ringscope", "ingest", str(data)], env=env,
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
            ingest_rate = n / (time.perf_counter() - t)
            loaded = (
                FalkorDB(host="127.0.0.1", port=server.port)
                .select_graph("bench")
                .ro_query("MATCH (t:Transaction) RETURN count(t)")
                .result_set[0][0]
            )
            if loaded != n:
                raise SystemExit(f"ingest loaded {loaded} transactions, expected {n}")
            raw = raw_rate(server.port, data)
    print(json.dumps({
        "transactions": n,
        "ingest_tx_per_s": round(ingest_rate), "raw_create_rows_per_s": round(raw),
        "ratio": round(ingest_rate / raw, 3),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
