"""A data set folder on disk (``ingest.amlgen``'s shape): ``accounts.jsonl`` (optional),
``transactions.jsonl`` and ``truth.json``; its events loaded into a store, and a detection run's
figures, as the detection benchmarks use them."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from core.events import parse_event
from detection.run import RunSummary
from graph.falkordb_store import FalkorStore


def read_rows(folder: Path, name: str) -> list[dict[str, Any]]:
    """The JSON objects of ``folder/name``, one per non-blank line; none when it is absent."""
    path = folder / name
    if not path.exists():
        return []
    with path.open("rb") as f:
        return [orjson.loads(line) for line in f if line.strip()]


def read_folder(folder: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """(account events, transaction events, truth) of a data set folder."""
    truth = orjson.loads((folder / "truth.json").read_bytes())
    return read_rows(folder, "accounts.jsonl"), read_rows(folder, "transactions.jsonl"), truth


def load_events(
    store: FalkorStore, raw: Sequence[dict[str, Any]], salt: str, batch: int = 5000
) -> float:
    """Write events in batches, planning batch N+1 while batch N is written; returns seconds."""
    work: queue.Queue[Any] = queue.Queue(maxsize=2)

    def writer() -> None:
        while (plan := work.get()) is not None:
            store.apply_prepared(plan)

    t0 = time.perf_counter()
    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        for start in range(0, len(raw), batch):
            events = [parse_event(e, salt) for e in raw[start : start + batch]]
            work.put(store.prepare_batch(events))
    finally:
        work.put(None)
        thread.join()
    return time.perf_counter() - t0


def run_summary(s: RunSummary) -> dict[str, Any]:
    """A detection run's figures for a benchmark's JSON."""
    return {
        "seconds": s.duration_ms / 1000,
        "new_rows": s.new_rows,
        "rings": s.rings_total,
        "rings_new": s.rings_new,
        "alerts": s.alerts,
        "detector_ms": s.detector_ms,
    }
