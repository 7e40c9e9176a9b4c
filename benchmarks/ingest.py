"""Ingest speed against the raw FalkorDB ceiling, measured in the same run on the same server.

Generates N transactions (the simulator's traffic mix), loads them through the real
`ringscope ingest` command into a fresh embedded FalkorDB, then times a plain
`UNWIND ... CREATE` of the same rows in batches of 5,000 (what `shared/checks/raw_ingest.py`
does). Prints one JSON line.

usage: python -m benchmarks.ingest [--transactions N] [--accounts A]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from falkordb import FalkorDB

from graph.embedded import EmbeddedFalkorDB

RAW = (
    "UNWIND $rows AS r CREATE (:Tx {id: r.tx_id, ts: r.ts, amount: r.amount, kind: r.kind, "
    "account: r.account_id, other: coalesce(r.counterparty_id, r.merchant_id, ''), "
    "device: coalesce(r.device_id, '')})"
)


def generate(n: int, accounts: int, path: Path, seed: int = 1) -> None:
    rng = random.Random(seed)
    t0 = 1_700_000_000_000
    with open(path, "w") as fh:
        for i in range(n):
            a = rng.randrange(accounts)
            kind = rng.choices(["payment", "transfer", "withdrawal", "refund"], [60, 30, 8, 2])[0]
            e = {"tx_id": f"tx-{i}", "ts": t0 + i * 500, "kind": kind,
                 "amount": round(rng.lognormvariate(3.5, 1.0), 2), "currency": "EUR",
                 "account_id": f"acc-{a}", "device_id": f"dev-{a // 2 if rng.random() < 0.9 else rng.randrange(accounts)}",
                 "ip": f"10.{a % 200}.{rng.randrange(50)}.{rng.randrange(250)}", "country": "DE"}  # fmt: skip
            if kind == "transfer":
                e["counterparty_id"] = f"acc-{rng.randrange(accounts)}"
            elif kind in ("payment", "refund"):
                e["merchant_id"] = f"m-{int(rng.paretovariate(1.2)) % 2000}"
            fh.write(json.dumps(e) + "\n")


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
    parser.add_argument("--accounts", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "transactions.jsonl"
        generate(args.transactions, args.accounts, data)
        with EmbeddedFalkorDB(Path(tmp) / "db") as server:
            env = {**os.environ, "FALKORDB_URL": server.url, "RINGSCOPE_GRAPH": "bench"}
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "ringscope", "ingest", str(data)], env=env,
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
            ingest_rate = args.transactions / (time.perf_counter() - t)
            raw = raw_rate(server.port, data)
    print(json.dumps({
        "transactions": args.transactions, "accounts": args.accounts,
        "ingest_tx_per_s": round(ingest_rate), "raw_create_rows_per_s": round(raw),
        "ratio": round(ingest_rate / raw, 3),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
