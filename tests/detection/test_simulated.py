"""Detection end to end on simulator traffic, judged by the ring_eval rule."""

from __future__ import annotations

from pathlib import Path

from core.events import parse_event
from core.settings import Settings
from detection.run import run_detection, run_lock
from detection.scheduler import run_once_safely
from graph.falkordb_store import FalkorStore
from ingest.simulator import SimConfig, simulate
from ringscope.secrets import identity_salt

START = 1_749_945_600_000  # a fixed midnight, so the data set never changes


def _match(true: set[str], found: set[str]) -> bool:
    inter = len(true & found)
    return inter >= 0.5 * len(true) and inter >= 0.3 * len(found)


def _rings(store: FalkorStore) -> list[tuple[float, set[str], str]]:
    rows = store.graph.ro_query(
        "MATCH (r:Ring)-[:MEMBER]->(a:Account) RETURN r.id, r.score, collect(a.id)"
    ).result_set
    return sorted(((float(s), set(m), rid) for rid, s, m in rows), key=lambda x: -x[0])


def test_simulated_rings_are_found(store: FalkorStore, data_dir: Path) -> None:
    sim = simulate(SimConfig(accounts=800, days=14, seed=12, start_ms=START))
    settings = Settings(data_dir=data_dir, graph=store.graph_name)
    events = [parse_event(e, identity_salt(settings)) for e in sim.accounts + sim.transactions]
    for start in range(0, len(events), 5000):
        store.apply_batch(events[start : start + 5000])
    summary = run_detection(settings, store)
    truth = [set(t["members"]) for t in sim.truth["rings"].values()]
    top = _rings(store)[: int(len(truth) * 1.5)]
    recall = sum(any(_match(t, d) for _, d, _ in top) for t in truth) / len(truth)
    precision = sum(any(_match(t, d) for t in truth) for _, d, _ in top) / len(top)
    assert recall >= 0.9 and precision >= 0.8, (recall, precision)
    assert summary.rings_new == summary.rings_total > 0
    # unchanged data: same ids, nothing new, no alert; a busy lock makes the scheduler skip
    ids = {rid for _, _, rid in _rings(store)}
    again = run_once_safely(settings, store)
    assert again is not None and again.rings_new == 0 and again.alerts == 0
    assert {rid for _, _, rid in _rings(store)} == ids
    with run_lock(store, 30):
        assert run_once_safely(settings, store) is None
