"""Online k-hop scoring: latency per scored account, and what it gives new ring accounts.

Simulates a data set, keeps the first ``--train-share`` of it (by time) as the graph a model was
trained and batch-scored on, then streams the rest in batches of ``--batch`` events through
``GnnRiskModel.observe`` and ``score_accounts`` for each batch's senders, as the scorer does.
Rows are the edge log's (``gnn.online.tx_row``), so no server is needed. Prints one JSON line:

- ``batch_ms``: the model step of one pipeline batch (observe the events, k-hop rescore every
  sender whose neighbourhood changed, in one call): the latency every account of that batch
  waits for its score. ``rescored_per_batch``: how many accounts that call scored.
- ``per_scored_account_ms``: that batch time divided by the accounts it rescored: the cost of
  one scored account, amortised over its batch (not a latency).
- ``single_account_ms``: one event, then a k-hop rescore of its sender alone: the latency of
  scoring one account when nothing is batched.
- for the accounts first seen after the cut-off, the AUC of their first online score for ring
  membership, beside the median score they would have had before (no live graph).
- ``online_auc``: the ring membership AUC of the last online score of every account the
  stream rescored (``online_scored`` of them): what the k-hop scores are worth; compare
  ``--entity-cap 0`` (every device and IP of an account brings its sharers) with the default.

Prints the 1-minute load average too: figures on a busy machine are slower.

With ``--data DIR`` the events come from a generator folder (``accounts.jsonl``,
``transactions.jsonl``, ``truth.json``: ``ingest.amlgen``) instead of the simulator. Its events
carry no labels, so the model trains on the truth of the accounts seen before the cut-off:
members of its rings fraud, every other account legit (victims included); the accounts first
seen after it are scored online and never trained on.

usage: python -m benchmarks.gnn_online [--data DIR] [--accounts N] [--batch N]
       [--model ring_boost|ring_sage] [--entity-cap N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.datasets import read_folder  # noqa: E402
from core.events import AccountEvent, TransactionEvent, parse_event  # noqa: E402
from gnn.export import TxTable, build_hetero  # noqa: E402
from gnn.online import account_row, tx_row  # noqa: E402
from gnn.scoring import GnnRiskModel  # noqa: E402
from gnn.train import fit_model, make_model  # noqa: E402
from ingest.simulator import SimConfig, simulate  # noqa: E402


def _when(e: AccountEvent | TransactionEvent) -> int:
    return e.ts if isinstance(e, TransactionEvent) else (e.opened_at or 0)


def load_events(args: argparse.Namespace) -> tuple[list[Any], set[str]]:
    """The events in time order and the ring members: from ``--data`` or the simulator."""
    if args.data:
        accounts, transactions, truth = read_folder(Path(args.data))
        raws, rings = [*accounts, *transactions], truth["rings"]
    else:
        sim = simulate(
            SimConfig(accounts=args.accounts, days=30, seed=args.seed, start_ms=1_700_000_000_000)
        )
        raws, rings = [*sim.accounts, *sim.transactions], sim.truth["rings"]
    events = sorted((parse_event(e, "bench") for e in raws), key=_when)
    return events, {m for ring in rings.values() for m in ring["members"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", help="a generator folder instead of the simulator")
    parser.add_argument("--accounts", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=200, help="events per pipeline batch")
    parser.add_argument("--train-share", type=float, default=0.9)
    parser.add_argument("--model", default="ring_boost")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument(
        "--entity-cap",
        type=int,
        default=None,
        help="devices and IPs per account whose sharers join a piece (0: all; default the "
        "LiveGraph's)",
    )
    args = parser.parse_args()
    events, members = load_events(args)
    tx_ts = np.array([e.ts for e in events if isinstance(e, TransactionEvent)])
    cut = int(np.quantile(tx_ts, args.train_share))
    past = [e for e in events if _when(e) < cut]
    future = [e for e in events if _when(e) >= cut]
    rows = [tx_row(e) if isinstance(e, TransactionEvent) else account_row(e) for e in past]
    table = TxTable()
    table.add_rows(rows, None)
    # generator events carry no labels: the truth labels the accounts seen before the cut-off
    truth = {a: int(a in members) for a in table.ids["account"]} if args.data else None
    data = build_hetero(table, truth)
    y = data["account"].y.numpy()
    t0 = time.perf_counter()
    model = fit_model(make_model(args.model, 0), data, np.flatnonzero(y >= 0))
    train_s = time.perf_counter() - t0
    risk = GnnRiskModel(model, "bench")
    risk.refresh(data, table)
    assert risk.live is not None
    if args.entity_cap is not None:
        risk.live.entity_cap = args.entity_cap or len(table.ids["ip"]) + len(table.ids["device"])
    # accounts with a transaction before the cut; the others are new when they first transact
    accounts = data["account"].ids
    known = {
        accounts[int(i)]
        for i in np.unique(np.r_[table.cols["src"], table.cols["dst_acc"]])
        if i >= 0
    }

    batch_ms, per_account_ms, rescored, first_score = [], [], [], {}
    online: dict[str, float] = {}  # each account's last online (k-hop) score
    for start in range(0, len(future), args.batch):
        batch = future[start : start + args.batch]
        senders = list(
            dict.fromkeys(e.account_id for e in batch if isinstance(e, TransactionEvent))
        )
        t0 = time.perf_counter()
        risk.observe(batch)
        observe_s = time.perf_counter() - t0
        rescored_now = [a for a in senders if a in risk.pending or a not in risk.scores]
        stale = len(rescored_now)
        t0 = time.perf_counter()
        got = risk.score_accounts(senders)
        ms = (observe_s + time.perf_counter() - t0) * 1000
        batch_ms.append(ms)
        if stale:
            per_account_ms.append(ms / stale)
            rescored.append(stale)
        for a in senders:
            if a not in known:
                first_score.setdefault(a, got[a])
        online.update((a, got[a]) for a in rescored_now)

    single = []
    for e in [e for e in future if isinstance(e, TransactionEvent)][:300]:
        risk.pending.add(e.account_id)  # force a k-hop rescore of one account
        t0 = time.perf_counter()
        risk.observe([e])
        risk.score_accounts([e.account_id])
        single.append((time.perf_counter() - t0) * 1000)

    new = sorted(first_score)
    truth = [a in members for a in new]
    scores = [first_score[a] for a in new]
    both = 0 < sum(truth) < len(truth)

    def pct(v: list[float], q: float) -> float | None:
        return round(float(np.percentile(v, q)), 3) if v else None

    print(
        json.dumps(
            {
                "data": args.data or f"simulator accounts={args.accounts} seed={args.seed}",
                "model": args.model,
                "load_avg_1m": round(os.getloadavg()[0], 2),
                "accounts": None if args.data else args.accounts,
                "graph_accounts": len(accounts),
                "train_share": args.train_share,
                "train_s": round(train_s, 2),
                "batch_events": args.batch,
                "batches": len(batch_ms),
                "batch_ms": {"p50": pct(batch_ms, 50), "p99": pct(batch_ms, 99)},
                "per_scored_account_ms": {
                    "p50": pct(per_account_ms, 50),
                    "p99": pct(per_account_ms, 99),
                },
                "rescored_per_batch": {"p50": pct(rescored, 50), "max": max(rescored, default=0)},
                "single_account_ms": {"p50": pct(single, 50), "p99": pct(single, 99)},
                "new_accounts": len(new),
                "new_ring_accounts": int(sum(truth)),
                "new_accounts_auc": round(float(roc_auc_score(truth, scores)), 4) if both else None,
                "new_accounts_off_median": sum(1 for s in scores if s != risk.cold_score),
                "median_score_before": risk.cold_score,
                "entity_cap": risk.live.entity_cap,
                "online_scored": len(online),
                "online_auc": _auc(online, members),
            }
        )
    )


def _auc(scores: dict[str, float], members: set[str]) -> float | None:
    """Ring membership AUC of the accounts' online scores (None without both classes)."""
    truth = [a in members for a in scores]
    if not 0 < sum(truth) < len(truth):
        return None
    return round(float(roc_auc_score(truth, list(scores.values()))), 4)


if __name__ == "__main__":
    main()
