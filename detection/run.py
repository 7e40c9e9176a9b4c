"""One detection run: refresh the edge-log copy, run every detector, merge, score, match ring
identities, write back in short batches, alert on material changes, and record the run.

Runs never overlap: a Redis lock with a TTL guards each graph.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import orjson

from core.logcontext import bind_log
from core.ports import RingRepository
from core.settings import Settings
from detection import edgelog
from detection.bursts import find_fan_in_bursts
from detection.card_testing import find_card_testing
from detection.communities import find_flow_communities
from detection.controlled import find_controlled_devices
from detection.cycles import find_cycles
from detection.fans import find_fan_in, find_fan_out, find_repeat_fans
from detection.flows import build_out_index, chain_links
from detection.fresh_pairs import (
    FreshPairs,
    find_fresh_loops,
    find_fresh_tranches,
    find_shared_counterparties,
    fresh_pairs,
)
from detection.identity import match_rings
from detection.layering import find_scatter_gather
from detection.loops import find_same_sum_loops
from detection.refunds import find_refund_abuse
from detection.ring_store import RingRow, load_rings, publish_ring_alerts, write_rings
from detection.scoring import Ring, merge_candidates, score_ring
from detection.shared_ids import find_shared_identifier_rings
from detection.snapshot import Candidate, Snapshot, build_snapshot
from detection.splits import find_equal_splits
from detection.takeover import find_device_takeover
from detection.victims import Evidence
from graph.falkordb_store import FalkorStore

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]
CYCLE_SHRINK = 0.2
# Camouflaged cycles move everyday sums a hop every few days: each hop within a week, the whole
# loop within two, shrinking a little at each hop (a fee), never growing.
SLOW_HOP_MS = 7 * 86_400_000
SLOW_CYCLE_MS = 14 * 86_400_000
SLOW_SHRINK = 0.1
SLOW_CYCLE_LEN = 8  # AMLSim's cycles reach 7 accounts
SLOW_MIDDLE = 3  # a slow scatter-gather splits over three or more accounts
VICTIMS_FOR_PAIR = 3


@dataclass
class RunSummary:
    run_id: str
    duration_ms: int = 0
    detector_ms: dict[str, int] = field(default_factory=dict)
    new_rows: int = 0
    rings_new: int = 0
    rings_changed: int = 0
    rings_unchanged: int = 0
    rings_total: int = 0
    alerts: int = 0
    top: list[tuple[str, float, int, str]] = field(default_factory=list)  # id, score, size, kind


@contextmanager
def run_lock(store: FalkorStore, ttl_s: int) -> Iterator[None]:
    with store.rings().run_lock(ttl_s):
        yield


def _detect(
    snap: Snapshot, s: Settings, timings: dict[str, int], progress: Progress
) -> list[Candidate]:
    window = int(s.detect_window_hours * 3_600_000)
    lo, hi, hub = s.detect_min_ring_size, s.detect_max_ring_size, s.detect_hub_accounts
    out_index = build_out_index(snap)
    evidence = Evidence(snap, hub)
    links = chain_links(snap, window, CYCLE_SHRINK)
    collectors: set[int] = set()  # mules found by fan_in: their payers need evidence of their own
    slow: list[tuple[np.ndarray, np.ndarray]] = []
    fresh: list[FreshPairs] = []

    def fresh_pair_index() -> FreshPairs:
        if not fresh:
            fresh.append(fresh_pairs(snap))
        return fresh[0]

    def slow_links() -> tuple[np.ndarray, np.ndarray]:
        if not slow:
            slow.append(chain_links(snap, SLOW_HOP_MS, SLOW_SHRINK))
        return slow[0]

    def fan_in() -> list[Candidate]:
        found = find_fan_in(snap, out_index, window, evidence)
        collectors.update(
            m
            for c in found
            if len(c.victims) >= VICTIMS_FOR_PAIR
            for m, role in c.roles.items()
            if role == "collector"
        )
        return found

    detectors: dict[str, Callable[[], list[Candidate]]] = {
        "shared_identifier": lambda: find_shared_identifier_rings(snap, hub, lo, hi),
        "flow_community": lambda: find_flow_communities(snap, lo, hi),
        "cycle": lambda: find_cycles(snap, links, window),
        "slow_cycle": lambda: find_cycles(snap, slow_links(), SLOW_CYCLE_MS, SLOW_CYCLE_LEN),
        "same_sum_loop": lambda: find_same_sum_loops(snap, window),
        "fan_in": fan_in,
        "fan_in_burst": lambda: find_fan_in_bursts(
            snap, hi, out_index, evidence, window, collectors
        ),
        "fan_out": lambda: find_fan_out(snap, out_index, window),
        "repeat_fan": lambda: find_repeat_fans(snap),
        "equal_split": lambda: find_equal_splits(snap),
        "scatter_gather": lambda: find_scatter_gather(snap, links),
        "slow_scatter_gather": lambda: find_scatter_gather(
            snap, slow_links(), SLOW_MIDDLE, "layered_scatter_gather"
        ),
        "shared_counterparties": lambda: find_shared_counterparties(snap, fresh_pair_index(), hi),
        "fresh_tranches": lambda: find_fresh_tranches(snap, fresh_pair_index()),
        "fresh_loop": lambda: find_fresh_loops(snap, fresh_pair_index(), hi),
        "card_testing": lambda: find_card_testing(snap, lo, window, hub),
        "refund_abuse": lambda: find_refund_abuse(snap, hub, lo),
        "device_takeover": lambda: find_device_takeover(snap, hub, window),
        "controlled_device": lambda: find_controlled_devices(snap, hub, hi),
    }
    found: list[Candidate] = []
    for name, fn in detectors.items():
        progress(f"detector {name}")
        t0 = time.perf_counter()
        # a collector and its exits are a ring of two when enough victims paid in
        found.extend(c for c in fn() if _size_ok(c, lo, hi))
        timings[name] = int((time.perf_counter() - t0) * 1000)
    return found


def _size_ok(c: Candidate, lo: int, hi: int) -> bool:
    floor = min(lo, 2) if len(c.victims) >= VICTIMS_FOR_PAIR else lo
    return floor <= len(c.members) <= hi


def _score(rings: list[Ring], snap: Snapshot, repo: RingRepository, s: Settings) -> list[Ring]:
    involved = sorted({m for r in rings for m in r.members})
    risk_by_id = repo.account_risk([snap.account_id(m) for m in involved])
    index = snap.state.accounts.index
    risk = {index[a]: v for a, v in risk_by_id.items()}
    for r in rings:
        score_ring(r, snap, s.detect_hub_accounts, risk)
    return sorted((r for r in rings if r.score >= s.detect_min_score), key=lambda r: -r.score)


def _rows(rings: list[Ring], snap: Snapshot, repo: RingRepository) -> list[RingRow]:
    named = [(r, frozenset(snap.account_id(m) for m in r.members)) for r in rings]
    out = []
    for ch in match_rings(named, load_rings(repo)):
        r = ch.ring
        if r is None:
            out.append(RingRow(ch, 0.0, [], [], {}, []))
            continue
        members = [
            [snap.account_id(m), round(r.member_risk.get(m, r.score), 1), r.roles.get(m, "member")]
            for m in sorted(r.members)
        ]
        victims = sorted(snap.account_id(v) for v in r.victims)
        out.append(RingRow(ch, r.score, r.typologies, r.reasons[:8], r.evidence, members, victims))
    return out


def state_dir(settings: Settings, graph_name: str) -> Path:
    return Path(settings.data_dir) / "detection" / graph_name


def run_detection(
    settings: Settings, store: FalkorStore, progress: Progress | None = None
) -> RunSummary:
    """One run under the lock; every run leaves a DetectionRun record, failed ones too."""
    say = progress or (lambda _msg: None)
    summary = RunSummary(run_id=f"run-{uuid.uuid4().hex[:12]}")
    started = time.perf_counter()
    repo = store.rings()
    with repo.run_lock(settings.detect_lock_ttl_s), bind_log(run_id=summary.run_id):
        repo.start_run(summary.run_id, int(time.time() * 1000))
        status, error = "ok", None
        try:
            _run(settings, store, summary, say)
        except Exception as exc:  # recorded on the run, then re-raised unchanged
            status, error = "failed", f"{type(exc).__name__}: {exc}"[:500]
            raise
        finally:
            summary.duration_ms = int((time.perf_counter() - started) * 1000)
            repo.finish_run(summary.run_id, _run_fields(summary, status, error))
    logger.info(
        "detection run %s: %d rings (%d new, %d changed) in %d ms",
        summary.run_id,
        summary.rings_total,
        summary.rings_new,
        summary.rings_changed,
        summary.duration_ms,
    )
    return summary


def _run_fields(summary: RunSummary, status: str, error: str | None) -> dict[str, object]:
    return {
        "finished_at": int(time.time() * 1000),
        "duration_ms": summary.duration_ms,
        "detector_ms": orjson.dumps(summary.detector_ms).decode(),
        "rings_new": summary.rings_new,
        "rings_changed": summary.rings_changed,
        "rings_unchanged": summary.rings_unchanged,
        "rings_total": summary.rings_total,
        "status": status,
        "error": error,
    }


def _timed(summary: RunSummary, name: str) -> Callable[[float], None]:
    def done(t0: float) -> None:
        summary.detector_ms[name] = int((time.perf_counter() - t0) * 1000)

    return done


def _run(settings: Settings, store: FalkorStore, summary: RunSummary, say: Progress) -> None:
    repo = store.rings()
    folder = state_dir(settings, store.graph_name)
    t0 = time.perf_counter()
    say("reading the edge log")
    state = edgelog.load_state(folder)
    summary.new_rows = edgelog.refresh(state, store.edge_log())
    if summary.new_rows:
        edgelog.save_state(state, folder)
    _timed(summary, "edge_log")(t0)
    snap = build_snapshot(state)
    cands = _detect(snap, settings, summary.detector_ms, say) if state.n_tx else []
    t0 = time.perf_counter()
    say("merging and scoring rings")
    rings = _score(merge_candidates(cands, settings.detect_max_ring_size), snap, repo, settings)
    _timed(summary, "scoring")(t0)
    t0 = time.perf_counter()
    say("writing rings")
    rows = _rows(rings, snap, repo)
    now_ms = int(time.time() * 1000)
    write_rings(repo, rows, now_ms)
    summary.alerts = publish_ring_alerts(repo, rows, now_ms, settings)
    _timed(summary, "write")(t0)
    live = [r for r in rows if r.change.ring is not None]
    summary.rings_total = len(live)
    summary.rings_new = sum(r.change.change == "new" for r in live)
    summary.rings_unchanged = sum(r.change.change == "unchanged" for r in live)
    summary.rings_changed = summary.rings_total - summary.rings_new - summary.rings_unchanged
    summary.top = [
        (r.change.ring_id, r.score, len(r.change.members), ",".join(r.typologies))
        for r in sorted(live, key=lambda r: -r.score)[:10]
    ]
