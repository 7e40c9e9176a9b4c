"""Ring detection: quality on planted rings, speed at 1M transactions, and read stalls.

usage: python -m benchmarks.detection [--parts simulated,gen_plain,gen_camo,amlsim,amlsim_gen,speed]
       [--quick] [--gen-seed N] [--data DIR ...] [--amlsim DIR] [--accounts N] [--days D]
       [--rate R] [--speed-accounts N] [--speed-days D] [--speed-rate R] [--seed S]

Prints one JSON line with a section per part. Quality figures follow ../shared/checks/ring_eval.py:
a planted ring is found when a detected ring among the top 1.5 x N by score (N = planted rings)
holds half its members and at least 30% of that ring's members are true members; ``recall`` is
over the top 1.5N, ``precision`` the share of the top N that match a planted ring; per kind in
``by_kind``. Victims (customers who paid a mule once) are never members of a planted ring;
``victims_as_members_top`` counts victims the top 1.5N rings hold as members, and
``lookalike_rings_in_top_n`` the unmatched top-N rings made mostly of legit look-alikes.
``summary`` repeats recall and precision per part.
- ``simulated``: our own simulator's traffic with planted rings of every typology (thresholds are
  chosen here), and a second run's new rings and alerts (both must be 0: ids are stable).
- ``gen_plain`` / ``gen_camo``: the independent generator (``ingest.amlgen``, AMLSim's typologies
  plus card testing and mule collection with victims, legit look-alikes), plain and camouflaged
  (recruited long-standing members with ordinary history, everyday amounts, fewer ring devices).
  ``--gen-seed`` 2 (default) is the judge; develop on seed 1 (/work/data-gen/*-s1).
- ``amlsim``: the AMLSim alert rings (cycle, fan_in) planted 1:1 on 10,000 simulator background
  accounts (AMLSim account i is background account i; amounts x100, AMLSim's are tiny beside bank
  transfers; its 200 steps spread over the days); recall per typology, honestly.
- ``amlsim_gen``: the same AMLSim rings on the independent generator's background.
- ``--data DIR``: any data set folder (transactions.jsonl, accounts.jsonl, truth.json).
- ``speed``: 1M transactions / 100k accounts; a cold run (reads the whole edge log) and a warm
  run (state kept, nothing new), and the stall a concurrent typed 2-hop query sees: a separate
  process runs it back to back, first alone (baseline) and then during the cold run, which
  writes every ring it finds.
``--quick`` shrinks every part (speed to 200k transactions) for a run of a few minutes.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.datasets import load_events, read_folder
from benchmarks.detection_speed import speed
from core.events import to_epoch_ms
from core.settings import Settings
from detection.run import run_detection
from graph.embedded import EmbeddedFalkorDB
from graph.falkordb_store import FalkorStore
from ingest.amlgen import Camouflage, GenConfig, generate
from ingest.simulator import SimConfig, simulate
from ringscope.secrets import identity_salt

# ../shared/data next to the checkout (a worktree sits one level deeper than the main checkout)
AMLSIM_DIR = next(
    (
        p / "shared" / "data" / "amlsim-10k-alerts"
        for p in Path(__file__).resolve().parents
        if (p / "shared" / "data" / "amlsim-10k-alerts").is_dir()
    ),
    Path(__file__).resolve().parents[2] / "shared" / "data" / "amlsim-10k-alerts",
)
START_MS = 1_749_945_600_000  # a fixed midnight: the same data every run
DAY_MS = 86_400_000
Truth = dict[str, dict[str, Any]]


def _match(t: set[str], d: set[str]) -> bool:
    inter = len(t & d)
    return inter >= 0.5 * len(t) and inter >= 0.3 * len(d)


def evaluate(
    store: FalkorStore, truth: Truth, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """ring_eval.py's figures (recall over the top 1.5N by score, precision over the top N) by
    kind, plus what the top rings hold that they should not: victims as members, look-alikes.

    ``extra`` is the rest of truth.json: ``victims`` (a list) and ``lookalikes``
    (``{id: {"kind", "members"}}``) when the data set has them.
    """
    extra = extra or {}
    rows = store.graph.ro_query(
        "MATCH (r:Ring)-[:MEMBER]->(a:Account) RETURN r.id, r.score, collect(a.id)"
    ).result_set
    det = sorted(((float(s or 0), set(m)) for _, s, m in rows), key=lambda x: -x[0])
    top = [d for _, d in det[: int(len(truth) * 1.5)]]
    head = [d for _, d in det[: len(truth)]]
    by_kind: dict[str, list[int]] = {}
    for t in truth.values():
        k = by_kind.setdefault(str(t["kind"]), [0, 0])
        k[0] += any(_match(set(t["members"]), d) for d in top)
        k[1] += 1
    good = [any(_match(set(t["members"]), d) for t in truth.values()) for d in head]
    out: dict[str, Any] = {
        "recall": round(sum(a for a, _ in by_kind.values()) / max(len(truth), 1), 3),
        "precision": round(sum(good) / len(head), 3) if head else 0.0,
        "rings_detected": len(det),
        "by_kind": {k: f"{a}/{b}" for k, (a, b) in sorted(by_kind.items())},
        "recall_by_kind": {k: round(a / b, 3) for k, (a, b) in sorted(by_kind.items())},
    }
    victims = set(extra.get("victims", ())) | {
        v for t in truth.values() for v in t.get("victims", ())
    }
    if victims:
        out["victims_as_members_top"] = len(victims & set().union(*top)) if top else 0
        out["victims_total"] = len(victims)
    looks = extra.get("lookalikes") or {}
    if looks:
        legit = {str(a): str(lk["kind"]) for lk in looks.values() for a in lk["members"]}
        false_looks: dict[str, int] = {}
        for d, ok in zip(head, good, strict=True):
            kinds = [legit[a] for a in d if a in legit]
            if not ok and len(kinds) >= 0.5 * len(d):
                kind = max(set(kinds), key=kinds.count)
                false_looks[kind] = false_looks.get(kind, 0) + 1
        out["lookalike_rings_in_top_n"] = dict(sorted(false_looks.items()))
    return out


def plant_amlsim(
    folder: Path, accounts: list[str], start_ms: int, days: int
) -> tuple[list[dict[str, Any]], Truth]:
    """AMLSim alert transactions as transfers between background accounts (AMLSim account i is
    ``accounts[i]``: pass 10,000 accounts for a 1:1 mapping), and the truth per alert."""
    events: list[dict[str, Any]] = []
    truth: Truth = {}
    step_ms = max(days - 1, 1) * DAY_MS // 200  # AMLSim runs 200 steps
    with (folder / "alerts.csv").open() as f:
        for row in csv.DictReader(f):
            src = accounts[int(row["SENDER_ACCOUNT_ID"]) % len(accounts)]
            dst = accounts[int(row["RECEIVER_ACCOUNT_ID"]) % len(accounts)]
            ring = truth.setdefault(
                f"aml-{row['ALERT_ID']}", {"kind": f"amlsim_{row['ALERT_TYPE']}", "members": []}
            )
            ring["members"].extend(m for m in (src, dst) if m not in ring["members"])
            events.append(
                {
                    "tx_id": f"aml-{row['TX_ID']}",
                    "ts": start_ms + int(row["TIMESTAMP"]) * step_ms,
                    "kind": "transfer",
                    "amount": round(float(row["TX_AMOUNT"]) * 100, 2),
                    "account_id": src,
                    "counterparty_id": dst,
                }
            )
    return events, truth


def judge(
    accounts: list[dict[str, Any]], transactions: list[dict[str, Any]], truth: dict[str, Any]
) -> dict[str, Any]:
    """Load one data set into a fresh embedded FalkorDB, run detection twice, and score it
    against ``truth`` (truth.json's shape: ``rings``, optional ``victims`` and ``lookalikes``)."""
    rings: Truth = truth["rings"]
    with tempfile.TemporaryDirectory() as tmp, EmbeddedFalkorDB(data_dir=Path(tmp) / "db") as db:
        settings = Settings(data_dir=Path(tmp) / "data")
        store = FalkorStore(db.url, settings.graph)
        store.ensure_schema()
        ingest_s = load_events(store, accounts + transactions, identity_salt(settings))
        first = run_detection(settings, store)
        again = run_detection(settings, store)
        out = {
            "accounts": len(accounts),
            "transactions": len(transactions),
            "planted_rings": len(rings),
            "ingest_s": round(ingest_s, 1),
            "detect_s": first.duration_ms / 1000,
            "second_run_new": again.rings_new,
            "second_run_alerts": again.alerts,
            **evaluate(store, rings, truth),
        }
        store.close()
    return out


def quality(cfg: SimConfig, amlsim: Path | None) -> dict[str, Any]:
    """Own simulator traffic with its planted rings, or (``amlsim``) background only with the
    AMLSim alert rings planted in it."""
    sim = simulate(cfg)
    truth: dict[str, Any] = sim.truth
    if amlsim is not None:
        ids = sorted(str(a["account_id"]) for a in sim.accounts)
        planted, rings = plant_amlsim(amlsim, ids, cfg.resolved_start_ms(), cfg.days)
        truth = {"rings": rings}
        sim.transactions = sorted(sim.transactions + planted, key=lambda e: int(e["ts"]))
    return judge(sim.accounts, sim.transactions, truth)


def generated(cfg: GenConfig) -> dict[str, Any]:
    """The independent generator's traffic (ingest.amlgen): never used to choose thresholds."""
    gen = generate(cfg)
    out = judge(gen.accounts, gen.transactions, gen.truth)
    return {"seed": cfg.seed, "camouflage": cfg.camouflage.recruited_share > 0, **out}


def amlsim_in_generated(cfg: GenConfig, amlsim: Path) -> dict[str, Any]:
    """The AMLSim alert rings planted 1:1 on the independent generator's background (no rings
    of its own, look-alikes kept): bank-like devices, IPs and ages around AMLSim's structures."""
    gen = generate(cfg)
    ids = sorted(str(a["account_id"]) for a in gen.accounts)[:10_000]
    planted, rings = plant_amlsim(amlsim, ids, cfg.start_ms, cfg.days)
    txs = sorted(gen.transactions + planted, key=lambda e: to_epoch_ms(e["ts"]))
    return judge(gen.accounts, txs, {"rings": rings, "lookalikes": gen.truth["lookalikes"]})


def from_folder(folder: Path) -> dict[str, Any]:
    """A data set on disk: transactions.jsonl, optional accounts.jsonl, truth.json."""
    accounts, transactions, truth = read_folder(folder)
    return {"data": str(folder), **judge(accounts, transactions, truth)}


def _done(part: str, result: dict[str, Any]) -> dict[str, Any]:
    """Each part's figures on stderr as soon as it ends (a later part failing loses nothing)."""
    print(json.dumps({part: result}), file=sys.stderr, flush=True)
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parts", default="simulated,gen_plain,gen_camo,amlsim,amlsim_gen,speed")
    ap.add_argument("--quick", action="store_true", help="smaller sizes everywhere (about 5x less)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--accounts", type=int, default=3000, help="simulated part")
    ap.add_argument("--days", type=int, default=30, help="simulated part")
    ap.add_argument("--rate", type=float, default=1.5, help="simulated part: tx per account-day")
    ap.add_argument(
        "--gen-seed", type=int, default=2, help="generator parts (2: the judge; 1 to develop on)"
    )
    ap.add_argument("--gen-accounts", type=int, default=8000, help="generator parts")
    ap.add_argument("--amlsim", type=Path, default=AMLSIM_DIR, help="folder with alerts.csv")
    ap.add_argument("--speed-accounts", type=int, default=100_000)
    ap.add_argument("--speed-days", type=int, default=10)
    ap.add_argument("--speed-rate", type=float, default=1.0)
    ap.add_argument(
        "--data",
        type=Path,
        action="append",
        default=[],
        help="also judge a data set folder (transactions.jsonl, accounts.jsonl, truth.json)",
    )
    args = ap.parse_args()
    parts = set(args.parts.split(","))
    q = 5 if args.quick else 1
    out: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "quick": args.quick,
    }
    if "simulated" in parts:
        cfg = SimConfig(
            accounts=max(args.accounts // q, 800),
            days=args.days,
            seed=args.seed,
            tx_per_account_per_day=args.rate,
            start_ms=START_MS,
        )
        out["simulated"] = _done("simulated", quality(cfg, None))
    for part, camo in (("gen_plain", Camouflage()), ("gen_camo", Camouflage.camouflaged())):
        if part in parts:
            gcfg = GenConfig(
                accounts=args.gen_accounts // (2 if args.quick else 1),
                seed=args.gen_seed,
                days=30 if args.quick else 45,
                rings_per_type=2 if args.quick else 4,
                lookalikes_per_kind=3 if args.quick else 6,
                camouflage=camo,
            )
            out[part] = _done(part, generated(gcfg))
    if "amlsim" in parts:
        # background only (no simulator rings), one background account per AMLSim account
        cfg = SimConfig(
            accounts=10_000,
            days=20,
            seed=args.seed,
            rings_per_typology=0,
            tx_per_account_per_day=1.5 / q,
            start_ms=START_MS,
        )
        out["amlsim"] = _done("amlsim", quality(cfg, args.amlsim))
    if "amlsim_gen" in parts:
        gcfg = GenConfig(
            accounts=10_000,
            days=20,
            seed=args.gen_seed,
            rings_per_type=0,
            tx_per_account_per_day=0.45 / (2 if args.quick else 1),
        )
        out["amlsim_gen"] = _done("amlsim_gen", amlsim_in_generated(gcfg, args.amlsim))
    for folder in args.data:
        out[f"data:{folder.name}"] = _done(folder.name, from_folder(folder))
    if "speed" in parts:
        cfg = SimConfig(
            accounts=args.speed_accounts // q,
            days=args.speed_days,
            seed=args.seed,
            tx_per_account_per_day=args.speed_rate,
            start_ms=START_MS,
        )
        out["speed"] = _done("speed", speed(cfg))
    out["summary"] = {
        k: {"recall": v["recall"], "precision": v["precision"]}
        for k, v in out.items()
        if isinstance(v, dict) and "recall" in v
    }
    out["load_avg_1m_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
