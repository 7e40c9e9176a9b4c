"""Ingest through the Bolt store against the native store, on one embedded FalkorDB.

Simulates a data set, applies it in batches through ``BoltStore`` (FalkorDB's own Bolt
endpoint, whose 4 KB parameter buffer forces small queries; docs/bolt.md) and through
``FalkorStore`` into another graph of the same server, checks that both hold the same counts,
and prints one JSON line.

usage: python -m benchmarks.bolt_ingest [--accounts A] [--days D] [--batch B]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from core.events import Event, parse_event
from graph.bolt_store import BoltStore
from graph.embedded import EmbeddedFalkorDB
from graph.falkordb_store import FalkorStore
from ingest.simulator import SimConfig, simulate


def timed_load(store: BoltStore | FalkorStore, events: list[Event], batch: int) -> float:
    t0 = time.perf_counter()
    for start in range(0, len(events), batch):
        store.apply_batch(events[start : start + batch])
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--batch", type=int, default=2000)
    args = parser.parse_args()
    sim = simulate(SimConfig(accounts=args.accounts, days=args.days, seed=3))
    events = [parse_event(e, "bench") for e in [*sim.accounts, *sim.transactions]]
    bolt_port = random.randint(20000, 32000)  # FalkorDB takes Bolt ports below 32768 only
    with (
        tempfile.TemporaryDirectory() as tmp,
        EmbeddedFalkorDB(Path(tmp), bolt_port=bolt_port) as server,
    ):
        bolt = BoltStore(f"bolt://127.0.0.1:{bolt_port}", "falkordb", "")
        native = FalkorStore(server.url, "native")
        bolt.ensure_schema()
        native.ensure_schema()
        bolt_s = timed_load(bolt, events, args.batch)
        native_s = timed_load(native, events, args.batch)
        same = bolt.counts() == native.counts()
        bolt.close()
        native.close()
    print(
        json.dumps(
            {
                "benchmark": "bolt_ingest",
                "events": len(events),
                "batch": args.batch,
                "bolt_events_per_s": round(len(events) / bolt_s),
                "native_events_per_s": round(len(events) / native_s),
                "same_counts": same,
            }
        )
    )


if __name__ == "__main__":
    main()
