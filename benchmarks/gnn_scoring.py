"""GNN export speed, batch scoring and online scoring latency on an embedded FalkorDB.

Ingests a simulated data set, exports it from the edge log (rows/s), trains RingBoost, writes
every account's risk_score, then times ``score_accounts`` for a transaction's two accounts.
usage: python -m benchmarks.gnn_scoring [--accounts N] [--model ring_boost|ring_sage]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from core.events import parse_event  # noqa: E402
from gnn.export import export_hetero, read_log  # noqa: E402
from gnn.scoring import GnnRiskModel, score_all  # noqa: E402
from gnn.train import fit_model, make_model  # noqa: E402
from graph.embedded import EmbeddedFalkorDB  # noqa: E402
from graph.falkordb_store import FalkorStore  # noqa: E402
from ingest.simulator import SimConfig, simulate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=3000)
    parser.add_argument("--model", default="ring_boost")
    args = parser.parse_args()
    sim = simulate(SimConfig(accounts=args.accounts, days=30, seed=3))
    events = [parse_event(e, "bench") for e in [*sim.accounts, *sim.transactions]]
    with tempfile.TemporaryDirectory() as tmp, EmbeddedFalkorDB(Path(tmp)) as server:
        store = FalkorStore(server.url, "bench")
        store.ensure_schema()
        for start in range(0, len(events), 5000):
            store.apply_batch(events[start : start + 5000])
        t0 = time.perf_counter()
        table = read_log(store)
        read_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        data = export_hetero(store)
        export_s = time.perf_counter() - t0
        y = data["account"].y.numpy()
        t0 = time.perf_counter()
        model = fit_model(make_model(args.model), data, np.flatnonzero(y >= 0))
        train_s = time.perf_counter() - t0
        risk = GnnRiskModel(model, "bench")
        batch = score_all(store, risk)
        ids = data["account"].ids
        rng = np.random.default_rng(0)
        lat = []
        for _ in range(5000):
            pair = [ids[rng.integers(len(ids))], ids[rng.integers(len(ids))]]
            t0 = time.perf_counter()
            risk.score_accounts(pair)
            lat.append((time.perf_counter() - t0) * 1000)
        store.close()
    print(
        json.dumps(
            {
                "model": args.model,
                "transactions": len(sim.transactions),
                "accounts": len(ids),
                "log_rows_per_s": round(table.rows / read_s),
                "export_s": round(export_s, 2),
                "train_s": round(train_s, 2),
                "batch_score": batch,
                "online_p50_ms": round(float(np.percentile(lat, 50)), 4),
                "online_p99_ms": round(float(np.percentile(lat, 99)), 4),
            }
        )
    )


if __name__ == "__main__":
    main()
