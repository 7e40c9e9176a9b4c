"""The closed loop, measured: investigators' verdicts become labels, the account model retrains.

Loads a data set (the simulator, or a generator folder with ``--data``) into an embedded
FalkorDB through the ingest pipeline with rules-only scoring, so transaction alerts are raised
as in production, and runs ring detection. Then, through the GraphQL API (the app in process,
as an investigator's client would call it):

1. ``dispositionAlerts``: the ``--alerts`` highest-scored transaction alerts are triaged, true
   positive when the alert's account is a real ring member, false positive otherwise (each a
   verdict on the account, so a training label);
2. ``labelRing``: K detected rings that match a real ring nobody labelled are confirmed as
   fraud, cumulatively for each K of ``--ks``. The verdict reaches the ring's MEMBER accounts
   only; victims (INVOLVES) are never labelled: the figures count any victim that got a fraud
   label all the same.

Before and after each step RingBoost is retrained on the graph's labels (events' labels plus
verdicts, read by ``gnn.export``). Both models are scored on the same accounts: members of real
rings that still carry no label of any kind after the step (held out), against accounts in no
ring, beside the model trained before any feedback (``auc_no_feedback``: the cumulative
lift on the same accounts). ``auc_before`` is null when the labels before the step hold one class only (generator
data carries no labels: nothing to train on until investigators speak).

usage: python -m benchmarks.feedback [--data DIR] [--accounts N] [--ks 1,2,4,8] [--alerts N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from sklearn.metrics import roc_auc_score
from starlette.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.datasets import read_folder  # noqa: E402
from core.events import parse_event  # noqa: E402
from core.settings import Settings  # noqa: E402
from detection.run import run_detection  # noqa: E402
from gnn.export import export_hetero  # noqa: E402
from gnn.train import fit_model, make_model  # noqa: E402
from graph.embedded import EmbeddedFalkorDB  # noqa: E402
from graph.falkordb_store import FalkorStore  # noqa: E402
from ingest.simulator import SimConfig, simulate  # noqa: E402
from ringscope.bootstrap import build_pipeline, create_app  # noqa: E402

LABEL_RING = """mutation($id: ID!) { labelRing(id: $id, verdict: CONFIRMED_FRAUD, note: "bench") {
  id verdict } }"""
DISPOSITION = """mutation($ids: [ID!]!, $d: AlertDisposition!) {
  dispositionAlerts(ids: $ids, disposition: $d, reasonCode: "BENCH") { alertId } }"""
Scores = tuple[list[str], np.ndarray] | None


def load_data(args: argparse.Namespace) -> tuple[list[Any], dict[str, Any], set[str]]:
    """Events, the truth's rings (id -> members, labelled) and the victims."""
    if args.data:
        accounts, transactions, truth = read_folder(Path(args.data))
        raws = [*accounts, *transactions]
        victims = set(truth.get("victims", []))
    else:
        sim = simulate(
            SimConfig(
                accounts=args.accounts,
                days=30,
                seed=args.seed,
                unlabelled_share=1 - args.labelled_share,
            )
        )
        raws, truth, victims = [*sim.accounts, *sim.transactions], sim.truth, set()
    events = [parse_event(e, "bench") for e in raws]
    return events, truth["rings"], victims


def detected_rings(store: FalkorStore) -> list[tuple[str, set[str]]]:
    rows = store.graph.ro_query(
        "MATCH (r:Ring)-[:MEMBER]->(a:Account) RETURN r.id, r.score, collect(a.id)"
    ).result_set
    return [(str(r), set(m)) for r, _s, m in sorted(rows, key=lambda x: -float(x[1] or 0))]


def retrain(store: FalkorStore, seed: int) -> tuple[Scores, dict[str, int]]:
    """RingBoost retrained on the graph's labels now: (ids, probabilities) or None when the
    labels hold one class only; and every account's label (-1 none)."""
    data = export_hetero(store)
    y = data["account"].y.numpy()
    ids = list(data["account"].ids)
    labels = dict(zip(ids, y.tolist(), strict=True))
    if len(set(y[y >= 0].tolist())) < 2:
        return None, labels
    model = fit_model(make_model("ring_boost", seed), data, np.flatnonzero(y >= 0))
    return (ids, model.predict_proba(data)), labels


def auc(scores: Scores, positives: set[str], negatives: set[str]) -> float | None:
    if scores is None or not positives or not negatives:
        return None
    ids, p = scores
    rows = [i for i, a in enumerate(ids) if a in positives or a in negatives]
    return round(float(roc_auc_score([ids[i] in positives for i in rows], p[rows])), 4)


def gql(client: TestClient, query: str, variables: dict[str, Any]) -> Any:
    body = client.post("/graphql", json={"query": query, "variables": variables}).json()
    if body.get("errors"):
        raise SystemExit(f"GraphQL failed: {body['errors']}")
    return body["data"]


def top_alerts(store: FalkorStore, settings: Settings, n: int) -> list[tuple[str, str]]:
    """(alert id, account id) of the ``n`` highest-scored transaction alerts. Ties go by
    transaction and account id: alert ids are random, so ordering by them picked other alerts
    (and other legit labels) from run to run."""
    found = []
    for _entry, fields in store.redis.xrange(settings.alerts_stream):
        raw = fields.get("alert", fields.get(b"alert"))  # str keys when the client decodes
        alert = orjson.loads(raw)
        if alert.get("accountId"):
            key = (-float(alert["score"]), str(alert.get("transactionId")), alert["accountId"])
            found.append((key, str(alert["id"]), str(alert["accountId"])))
    found.sort()
    return [(alert_id, account) for _key, alert_id, account in found[:n]]


class Loop:
    """One data set in FalkorDB, its API client, and the figures of each labelling step."""

    def __init__(
        self, store: FalkorStore, client: TestClient, rings: dict[str, Any], victims: set[str]
    ) -> None:
        self.store, self.client, self.victims = store, client, victims
        self.members = {k: set(r["members"]) for k, r in rings.items()}
        self.in_rings = set().union(*self.members.values())
        self.steps: list[dict[str, Any]] = []
        self.last: Scores = None
        self.trained = False
        self.initial: Scores = None  # the model before any feedback

    def step(self, name: str, seed: int, act: Any) -> None:
        # the labels have not changed since the last step's retraining: reuse its model
        if not self.trained:
            self.initial = retrain(self.store, seed)[0]
        before = self.last if self.trained else self.initial
        started = time.perf_counter()
        done = act()
        api_s = time.perf_counter() - started
        after, labels = retrain(self.store, seed)
        self.last, self.trained = after, True
        held_out = {a for a in self.in_rings if labels.get(a, -1) < 0}
        negatives = set(labels) - self.in_rings
        self.steps.append(
            {
                "step": name,
                **done,
                "labelled_fraud": sum(1 for v in labels.values() if v == 1),
                "labelled_legit": sum(1 for v in labels.values() if v == 0),
                "victims_labelled_fraud": sum(1 for a in self.victims if labels.get(a) == 1),
                "held_out_members": len(held_out),
                "auc_no_feedback": auc(self.initial, held_out, negatives),
                "auc_before": auc(before, held_out, negatives),
                "auc_after": auc(after, held_out, negatives),
                "api_s": round(api_s, 2),
            }
        )

    def disposition(self, alerts: list[tuple[str, str]]) -> dict[str, Any]:
        verdicts: dict[str, list[str]] = {"TRUE_POSITIVE": [], "FALSE_POSITIVE": []}
        for alert_id, account in alerts:
            kind = "TRUE_POSITIVE" if account in self.in_rings else "FALSE_POSITIVE"
            verdicts[kind].append(alert_id)
        for kind, ids in verdicts.items():
            for start in range(0, len(ids), 500):
                gql(self.client, DISPOSITION, {"ids": ids[start : start + 500], "d": kind})
        return {
            "true_positive": len(verdicts["TRUE_POSITIVE"]),
            "false_positive": len(verdicts["FALSE_POSITIVE"]),
        }

    def label_rings(self, rings: list[str]) -> dict[str, Any]:
        for rid in rings:
            gql(self.client, LABEL_RING, {"id": rid})
        return {"rings_labelled": len(rings)}


def confirmable(store: FalkorStore, rings: dict[str, set[str]]) -> list[str]:
    """Detected rings an investigator would confirm: most of their members are members of one
    real, unlabelled ring; one detected ring per real ring, highest score first."""
    picked: dict[str, str] = {}
    for rid, members in detected_rings(store):
        for truth_id, truth in rings.items():
            enough = len(members & truth) >= max(2, (len(members) + 1) // 2)
            if enough and truth_id not in picked.values():
                picked[rid] = truth_id
                break
    return list(picked)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", help="a generator folder (accounts.jsonl, transactions.jsonl)")
    parser.add_argument("--accounts", type=int, default=3000)
    parser.add_argument(
        "--ks", default="1,2,4,8", help="rings labelled through the API, cumulative"
    )
    parser.add_argument("--alerts", type=int, default=300, help="alerts dispositioned first")
    parser.add_argument("--labelled-share", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    events, rings, victims = load_data(args)
    out: dict[str, Any] = {
        "data": args.data or f"simulator accounts={args.accounts} seed={args.seed}",
        "rings": len(rings),
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }
    with tempfile.TemporaryDirectory() as tmp, EmbeddedFalkorDB(Path(tmp)) as server:
        store = FalkorStore(server.url, "feedback")
        store.ensure_schema()
        settings = Settings(falkordb_url=server.url, graph="feedback", data_dir=Path(tmp))
        pipeline = build_pipeline(settings, store)  # rules only: no model registered yet
        for start in range(0, len(events), 5000):
            pipeline.process(events[start : start + 5000])
        pipeline.close()
        run_detection(settings, store)
        unlabelled = {k: set(r["members"]) for k, r in rings.items() if not r.get("labelled")}
        picked = confirmable(store, unlabelled)
        out["confirmable_rings"] = len(picked)
        app = create_app(settings, store=store)
        with TestClient(app, base_url="http://127.0.0.1") as client:
            loop = Loop(store, client, rings, victims)
            alerts = top_alerts(store, settings, args.alerts)
            loop.step("alert dispositions", args.seed, lambda: loop.disposition(alerts))
            done = 0
            for k in sorted(int(x) for x in args.ks.split(",") if x):
                if k > len(picked):
                    loop.steps.append({"step": f"K={k}", "skipped": f"{len(picked)} confirmable"})
                    continue
                todo = picked[done:k]
                loop.step(f"K={k}", args.seed, lambda todo=todo: loop.label_rings(todo))
                done = k
        store.close()
    out.update({"steps": loop.steps, "seconds": round(time.perf_counter() - started, 1)})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
