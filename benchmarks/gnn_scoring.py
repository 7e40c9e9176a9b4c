"""GNN export speed, batch scoring and online scoring latency; the account models' quality.

Default: ingests a simulated data set into an embedded FalkorDB, exports it from the edge log
(rows/s), trains RingBoost, writes every account's risk_score, then times ``score_accounts``
for a transaction's two accounts.

``--quality sim,DIR,...``: the account models (``--models``, default RingBoost and the
heterogeneous RingSAGE trained with ``NeighborLoader``) side by side on our simulator (``sim``)
and data set folders (the independent generator's ``transactions.jsonl``, ``accounts.jsonl``,
``truth.json``), each on a random ring split and a time split (see ``quality``); no server.

usage: python -m benchmarks.gnn_scoring [--accounts N] [--model ring_boost|ring_sage]
       python -m benchmarks.gnn_scoring --quality sim,/work/data-gen/plain-s1 [--seed N]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch_geometric.data import HeteroData

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from core.events import TransactionEvent, parse_event  # noqa: E402
from gnn.evaluate import metrics  # noqa: E402
from gnn.export import TxTable, build_hetero, export_hetero, read_log  # noqa: E402
from gnn.online import account_row, tx_row  # noqa: E402
from gnn.scoring import GnnRiskModel, score_all  # noqa: E402
from gnn.train import fit_model, make_model  # noqa: E402
from graph.embedded import EmbeddedFalkorDB  # noqa: E402
from graph.falkordb_store import FalkorStore  # noqa: E402
from ingest.simulator import SimConfig, simulate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=3000)
    parser.add_argument("--model", default="ring_boost")
    parser.add_argument(
        "--quality", default="", help="sim and/or data set folders, comma-separated"
    )
    parser.add_argument("--models", default="ring_boost,ring_sage")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.quality:
        kinds = [k for k in args.models.split(",") if k]
        for name in [d for d in args.quality.split(",") if d]:
            print(json.dumps(quality(name, kinds, args.accounts, args.seed)), flush=True)
        return
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


# --- quality: the account models side by side (no server needed) -------------------------------


def dataset_rows(name: str, accounts: int) -> tuple[list[list[Any]], dict[str, Any]]:
    """Edge-log rows (time order) and truth of ``sim`` (our simulator) or a data set folder."""
    if name == "sim":
        sim = simulate(SimConfig(accounts=accounts, days=30, seed=3, start_ms=1_700_000_000_000))
        raw: list[Any] = [*sim.accounts, *sim.transactions]
        truth = sim.truth
    else:
        folder = Path(name)
        raw = [
            line
            for f in ("accounts.jsonl", "transactions.jsonl")
            for line in (folder / f).read_text().splitlines()
            if line.strip()
        ]
        truth = json.loads((folder / "truth.json").read_text())
    events = [parse_event(e, "bench") for e in raw]
    events.sort(key=lambda e: e.ts if isinstance(e, TransactionEvent) else (e.opened_at or 0))
    rows = [tx_row(e) if isinstance(e, TransactionEvent) else account_row(e) for e in events]
    return rows, truth


def graph_of(rows: list[list[Any]], cut: int | None = None) -> HeteroData:
    """The export as ``build_hetero`` makes it, of the rows before ``cut`` (all when None)."""
    table = TxTable()
    table.add_rows([r for r in rows if cut is None or r[0] == "a" or r[2] < cut], None)
    return build_hetero(table, now_ms=cut)


def ring_starts(rows: list[list[Any]], rings: dict[str, set[str]]) -> dict[str, int]:
    """Each ring's first transaction between two of its members (its first sent, if none)."""
    first: dict[str, int] = {}
    sent: dict[str, int] = {}
    of = {m: r for r, ms in rings.items() for m in ms}
    for r in rows:
        if r[0] != "t" or r[5] not in of:
            continue
        ring = of[r[5]]
        sent.setdefault(ring, r[2])
        if r[6] in rings[ring]:
            first.setdefault(ring, r[2])
    return {ring: first.get(ring, sent.get(ring, 0)) for ring in rings}


def fit_and_score(
    kind: str, train_graph: HeteroData, y: np.ndarray, test_graph: HeteroData, seed: int
) -> tuple[np.ndarray, float]:
    """Fit ``kind`` on ``train_graph`` with labels ``y`` (-1 unknown); probabilities on the test
    graph and the training seconds."""
    train_graph["account"].y = torch.as_tensor(y)
    t0 = time.perf_counter()
    model = fit_model(make_model(kind, seed), train_graph, np.flatnonzero(y >= 0))
    seconds = time.perf_counter() - t0
    return model.predict_proba(test_graph), seconds


def quality(name: str, kinds: list[str], accounts: int, seed: int) -> dict[str, Any]:
    """Random ring split and time split for each model kind on one data set.

    Labels come from the truth, not from events: the members of half of the rings are fraud
    (1), half of the accounts in no ring are legit (0); the score is the AUC of the other
    rings' members against the unlabelled accounts in no ring (victims and look-alike members
    among them). Random split: the labelled half of the rings is drawn at random and the model
    trains on the whole graph. Time split: the rings that started before the cut-off (the
    median ring start) are the labelled ones, the model trains on the graph as of the cut-off
    (legit labels drawn among the accounts seen by then) and scores the full graph.
    """
    rows, truth = dataset_rows(name, accounts)
    rings = {r: set(v["members"]) for r, v in truth["rings"].items()}
    members = set().union(*rings.values())
    rng = np.random.default_rng(seed)
    full = graph_of(rows)
    ids = full["account"].ids
    index = {a: i for i, a in enumerate(ids)}
    in_ring = np.array([a in members for a in ids])
    legit = np.flatnonzero(~in_ring)
    known_legit = rng.choice(legit, size=len(legit) // 2, replace=False)
    out: dict[str, Any] = {
        "data": name,
        "accounts": len(ids),
        "transactions": sum(1 for r in rows if r[0] == "t"),
        "rings": len(rings),
    }

    def ring_rows(names: Iterable[str]) -> np.ndarray:
        return np.array(sorted(index[m] for r in names for m in rings[r] if m in index), int)

    # random ring split
    order = list(rng.permutation(sorted(rings)))
    train_rings, test_rings = order[: len(order) // 2], order[len(order) // 2 :]
    y = np.full(len(ids), -1, dtype=np.int64)
    y[known_legit] = 0
    y[ring_rows(train_rings)] = 1
    test_neg = np.setdiff1d(legit, known_legit)
    test = np.r_[ring_rows(test_rings), test_neg]
    truth_test = np.r_[np.ones(len(test) - len(test_neg)), np.zeros(len(test_neg))]
    for kind in kinds:
        p, secs = fit_and_score(kind, full, y, full, seed)
        out.setdefault(kind, {})["random_split"] = {
            **metrics(truth_test, p[test]),
            "train_s": round(secs, 1),
        }

    # time split
    starts = ring_starts(rows, rings)
    cut = int(np.median(list(starts.values())))
    past = graph_of(rows, cut)
    past_index = {a: i for i, a in enumerate(past["account"].ids)}
    early = [r for r, t in starts.items() if t < cut]
    late = [r for r, t in starts.items() if t >= cut]
    y_past = np.full(len(past_index), -1, dtype=np.int64)
    seen_legit = [past_index[ids[i]] for i in known_legit if ids[i] in past_index]
    y_past[seen_legit] = 0
    y_past[[past_index[m] for r in early for m in rings[r] if m in past_index]] = 1
    test = np.r_[ring_rows(late), test_neg]
    truth_test = np.r_[np.ones(len(test) - len(test_neg)), np.zeros(len(test_neg))]
    out["time_split"] = {"cutoff_ms": cut, "train_rings": len(early), "test_rings": len(late)}
    for kind in kinds:
        p, secs = fit_and_score(kind, past, y_past, full, seed)
        out[kind]["time_split"] = {**metrics(truth_test, p[test]), "train_s": round(secs, 1)}
    return out


if __name__ == "__main__":
    main()
