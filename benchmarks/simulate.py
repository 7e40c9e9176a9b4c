"""Simulator speed: generate a data set in memory (optionally write it) and print one JSON line.

usage: python -m benchmarks.simulate [--accounts 100000] [--days 30] [--write DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    from ingest.simulator import SimConfig, simulate, write_dataset

    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--write", type=Path, default=None)
    args = parser.parse_args()
    started = time.perf_counter()
    sim = simulate(SimConfig(accounts=args.accounts, days=args.days, seed=args.seed))
    seconds = time.perf_counter() - started
    figures = {
        "accounts": args.accounts,
        "days": args.days,
        "transactions": len(sim.transactions),
        "simulate_s": round(seconds, 2),
        "tx_per_s": round(len(sim.transactions) / seconds),
        "rings": len(sim.truth["rings"]),
        "anomalies": len(sim.truth["anomalies"]),
    }
    if args.write is not None:
        started = time.perf_counter()
        write_dataset(sim, args.write)
        figures["write_s"] = round(time.perf_counter() - started, 2)
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
