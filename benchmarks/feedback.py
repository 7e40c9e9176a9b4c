"""The closed loop, measured: investigators label rings, the account model is retrained.

Simulates a data set in which ``--labelled-share`` of the rings carry fraud labels on their
events, ingests it into an embedded FalkorDB and runs ring detection. For each K, K detected
rings that match a real, unlabelled ring are labelled ``CONFIRMED_FRAUD`` through the GraphQL
``labelRing`` mutation (the API app in process, as an investigator's client would call it), the
graph is exported again (ring verdicts reach the ring's members) and RingBoost is retrained.
The AUC is measured on the same accounts before and after: members of the real rings that
nobody labelled (neither by events nor by these verdicts) against accounts in no ring.

usage: python -m benchmarks.feedback [--accounts N] [--ks 1,2,4] [--seed N]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score
from starlette.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from core.events import parse_event  # noqa: E402
from core.settings import Settings  # noqa: E402
from detection.run import run_detection  # noqa: E402
from gnn.export import export_hetero  # noqa: E402
from gnn.train import fit_model, make_model  # noqa: E402
from graph.embedded import EmbeddedFalkorDB  # noqa: E402
from graph.falkordb_store import FalkorStore  # noqa: E402
from ingest.simulator import SimConfig, simulate  # noqa: E402
from ringscope.bootstrap import create_app  # noqa: E402

LABEL_RING = """mutation($id: ID!) { labelRing(id: $id, verdict: CONFIRMED_FRAUD, note: "bench") {
  id verdict } }"""


def detected_rings(store: FalkorStore) -> list[tuple[str, set[str]]]:
    rows = store.graph.ro_query(
        "MATCH (r:Ring)-[:MEMBER]->(a:Account) RETURN r.id, r.score, collect(a.id)"
    ).result_set
    return [(str(r), set(m)) for r, _s, m in sorted(rows, key=lambda x: -float(x[1] or 0))]


def auc_on(store: FalkorStore, seed: int, positives: set[str], negatives: set[str]) -> float:
    """Retrain RingBoost on the graph's labels; AUC on ``positives`` against ``negatives``."""
    data = export_hetero(store)
    y = data["account"].y.numpy()
    model = fit_model(make_model("ring_boost", seed), data, np.flatnonzero(y >= 0))
    p = model.predict_proba(data)
    ids = data["account"].ids
    rows = [i for i, a in enumerate(ids) if a in positives or a in negatives]
    return round(float(roc_auc_score([ids[i] in positives for i in rows], p[rows])), 4)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=3000)
    parser.add_argument("--ks", default="1,2,4", help="rings labelled through the API, cumulative")
    parser.add_argument("--labelled-share", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    sim = simulate(
        SimConfig(
            accounts=args.accounts,
            days=30,
            seed=args.seed,
            unlabelled_share=1 - args.labelled_share,
        )
    )
    rings: dict[str, dict[str, Any]] = sim.truth["rings"]
    in_rings = {m for r in rings.values() for m in r["members"]}
    everyone = {e["account_id"] for e in sim.accounts}
    events = [parse_event(e, "bench") for e in [*sim.accounts, *sim.transactions]]
    out: dict[str, Any] = {"accounts": args.accounts, "rings": len(rings), "seed": args.seed}
    with tempfile.TemporaryDirectory() as tmp, EmbeddedFalkorDB(Path(tmp)) as server:
        store = FalkorStore(server.url, "feedback")
        store.ensure_schema()
        for start in range(0, len(events), 5000):
            store.apply_batch(events[start : start + 5000])
        settings = Settings(falkordb_url=server.url, graph="feedback", data_dir=Path(tmp))
        run_detection(settings, store)
        unlabelled = {k: set(r["members"]) for k, r in rings.items() if not r.get("labelled")}
        # rings an investigator would confirm: detected ones that overlap a real unlabelled ring
        candidates = [
            (rid, truth_id)
            for rid, members in detected_rings(store)
            for truth_id, truth in unlabelled.items()
            if len(members & truth) >= max(2, len(members) // 2)
        ]
        picked: list[tuple[str, str]] = []
        for rid, truth_id in candidates:
            if truth_id not in {t for _, t in picked}:
                picked.append((rid, truth_id))
        results = []
        with TestClient(create_app(settings, store=store)) as client:
            done = 0
            for k in sorted(int(x) for x in args.ks.split(",") if x):
                if k > len(picked):
                    results.append({"k": k, "skipped": f"only {len(picked)} confirmable rings"})
                    continue
                labelled_truth = {t for _, t in picked[:k]}
                held_out = set().union(
                    *(m for t, m in unlabelled.items() if t not in labelled_truth)
                )
                negatives = everyone - in_rings
                before = auc_on(store, args.seed, held_out, negatives)
                for rid, _ in picked[done:k]:
                    body = client.post(
                        "/graphql", json={"query": LABEL_RING, "variables": {"id": rid}}
                    ).json()
                    if body.get("errors"):
                        raise SystemExit(f"labelRing {rid} failed: {body['errors']}")
                after = auc_on(store, args.seed, held_out, negatives)
                results.append(
                    {
                        "k": k,
                        "held_out_members": len(held_out),
                        "auc_before": before,
                        "auc_after": after,
                    }
                )
                done = k
        store.close()
    out.update(
        {
            "confirmable_rings": len(picked),
            "steps": results,
            "seconds": round(time.perf_counter() - started, 1),
        }
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
