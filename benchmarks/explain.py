"""Explanations: latency per explained account, and whether the edges they name matter.

Simulates a data set, trains the chosen model on it, and explains ``--accounts-explained``
ring members and as many other accounts on their two-hop pieces (``gnn.online.LiveGraph``, as
``gnn.explainer`` does in the API). Prints one JSON line: latency p50/p99 (ms), piece sizes,
features and edges per explanation, and a deletion check on ring members: the mean drop in the
model's log-odds when the explanation's top ``--k`` edges are removed from the piece, beside the
drop when ``--k`` edges drawn at random from the piece are removed (the higher the first is
above the second, the more the named edges carry the score).

usage: python -m benchmarks.explain [--accounts N] [--model ring_boost|ring_sage] [--epochs N]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from core.events import TransactionEvent, parse_event  # noqa: E402
from gnn.explain import explain_index, graph_edge  # noqa: E402
from gnn.export import TxTable, build_hetero  # noqa: E402
from gnn.online import LiveGraph, account_row, tx_row  # noqa: E402
from gnn.train import fit_model, make_model  # noqa: E402
from ingest.simulator import SimConfig, simulate  # noqa: E402


def _logit(model: Any, data: Any, idx: int) -> float:
    p = float(np.clip(model.predict_proba(data)[idx], 1e-6, 1 - 1e-6))
    return float(np.log(p / (1 - p)))


def _without(model: Any, data: Any, idx: int, keys: set[tuple[str, str, str]]) -> float:
    """The account's log-odds with the graph edges ``keys`` (both directions) removed."""
    saved = {et: data[et].edge_index for et in data.edge_types}
    try:
        for et in data.edge_types:
            ei = saved[et]
            keep = [graph_edge(data, et, s, d) not in keys for s, d in ei.t().tolist()]
            data[et].edge_index = ei[:, torch.tensor(keep, dtype=torch.bool)]
        return _logit(model, data, idx)
    finally:
        for et, ei in saved.items():
            data[et].edge_index = ei


def _all_edges(data: Any) -> list[tuple[str, str, str]]:
    out = set()
    for et in data.edge_types:
        for s, d in data[et].edge_index.t().tolist():
            edge = graph_edge(data, et, s, d)
            if edge is not None:
                out.add(edge)
    return sorted(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=3000)
    parser.add_argument("--model", default="ring_boost")
    parser.add_argument("--epochs", type=int, default=100, help="GNNExplainer epochs")
    parser.add_argument("--accounts-explained", type=int, default=30)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    sim = simulate(
        SimConfig(accounts=args.accounts, days=30, seed=args.seed, start_ms=1_700_000_000_000)
    )
    events = [parse_event(e, "bench") for e in [*sim.accounts, *sim.transactions]]
    table = TxTable()
    table.add_rows(
        [tx_row(e) if isinstance(e, TransactionEvent) else account_row(e) for e in events], None
    )
    data = build_hetero(table)
    y = data["account"].y.numpy()
    t0 = time.perf_counter()
    model = fit_model(make_model(args.model, 0), data, np.flatnonzero(y >= 0))
    train_s = time.perf_counter() - t0
    live = LiveGraph(table, data)
    ids = set(data["account"].ids)
    members = sorted({m for r in sim.truth["rings"].values() for m in r["members"]} & ids)
    rnd = random.Random(args.seed)
    picked = rnd.sample(members, min(args.accounts_explained, len(members)))
    others = rnd.sample(sorted(ids - set(members)), args.accounts_explained)
    latency, nodes, n_features, n_edges, named_drop, random_drop = [], [], [], [], [], []
    for account in picked + others:
        piece, positions = live.subgraph([account])
        started = time.perf_counter()
        why = explain_index(model, piece, positions[0], args.epochs)
        latency.append((time.perf_counter() - started) * 1000)
        nodes.append(sum(piece[t].num_nodes for t in piece.node_types))
        n_features.append(len(why.features))
        n_edges.append(len(why.edges))
        if account in picked and why.edges:
            base = _logit(model, piece, positions[0])
            top = {(e.source, e.target, e.type) for e in why.edges[: args.k]}
            named_drop.append(base - _without(model, piece, positions[0], top))
            pool = _all_edges(piece)
            drawn = set(rnd.sample(pool, min(len(top), len(pool))))
            random_drop.append(base - _without(model, piece, positions[0], drawn))
    print(
        json.dumps(
            {
                "benchmark": "explain",
                "model": args.model,
                "data": f"simulator accounts={args.accounts} days=30 seed={args.seed}",
                "train_s": round(train_s, 2),
                "explained": len(latency),
                "latency_ms": {
                    "p50": round(float(np.percentile(latency, 50)), 1),
                    "p99": round(float(np.percentile(latency, 99)), 1),
                    "max": round(max(latency), 1),
                },
                "piece_nodes": {"p50": int(np.median(nodes)), "max": int(max(nodes))},
                "features_per_explanation": round(float(np.mean(n_features)), 1),
                "edges_per_explanation": round(float(np.mean(n_edges)), 1),
                "deletion_members": len(named_drop),
                f"logodds_drop_top{args.k}_named_edges": round(float(np.mean(named_drop)), 3)
                if named_drop
                else None,
                f"logodds_drop_{args.k}_random_edges": round(float(np.mean(random_drop)), 3)
                if random_drop
                else None,
                "torch_threads": torch.get_num_threads(),
            }
        )
    )


if __name__ == "__main__":
    main()
