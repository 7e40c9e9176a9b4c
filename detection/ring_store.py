"""Reads and writes of rings, versions, runs and ring alerts, in short parameterised batches.

Works through the FalkorStore it is given (its ``graph`` and ``redis``): detection never opens
its own driver connection, and every write is a small query so live reads wait little.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import orjson
import redis

from core.alerts import Alert, RingUpdate
from core.settings import Settings
from detection.identity import RingChange, StoredRing
from graph.cypher import load_query

logger = logging.getLogger(__name__)

WRITE_BATCH = 200


class RingGraph(Protocol):
    """What detection needs of a store: the graph handle, its Redis, and the edge-log key."""

    graph_name: str
    graph: Any  # falkordb.Graph; only graph/ imports the driver
    redis: redis.Redis[Any]
    log_key: str


def _chunks(rows: Sequence[Any], size: int = WRITE_BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def load_rings(store: RingGraph) -> list[StoredRing]:
    if not store.redis.exists(store.graph_name):
        return []
    rows = store.graph.ro_query(load_query("ring_list_current")).result_set
    return [
        StoredRing(
            rid,
            float(score or 0),
            int(version or 1),
            int(created or 0),
            verdict,
            frozenset(members),
        )  # fmt: skip
        for rid, score, version, created, verdict, members in rows
    ]


def read_account_risk(store: RingGraph, account_ids: Sequence[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for chunk in _chunks(list(account_ids), 2000):
        rows = store.graph.ro_query(
            load_query("ring_account_risk"), {"ids": list(chunk)}
        ).result_set
        out.update((aid, float(risk)) for aid, risk in rows)
    return out


@dataclass(frozen=True)
class RingRow:
    """A ring as written: the change plus the display fields."""

    change: RingChange
    score: float
    typologies: list[str]
    reasons: list[str]
    evidence: dict[str, Any]
    member_rows: list[list[Any]]  # [account_id, risk, role]
    victims: list[str] = field(default_factory=list)  # INVOLVES {role: "victim"}, not members


def write_rings(store: RingGraph, rows: Sequence[RingRow], now_ms: int) -> None:
    written = [r for r in rows if r.change.change != "unchanged"]
    upserts = [[r.change.ring_id, r.score, len(r.change.members), r.typologies, r.reasons,
                orjson.dumps(r.evidence).decode(), r.change.version, now_ms, r.change.change]
               for r in written]  # fmt: skip
    removes = [[r.change.ring_id, a] for r in written for a in sorted(r.change.removed)]
    members = [[r.change.ring_id, *m] for r in written for m in r.member_rows]
    versions = [[r.change.ring_id, r.change.version, now_ms, r.change.change, r.score,
                 len(r.change.members), sorted(r.change.members)] for r in written]  # fmt: skip
    # every ring's victims as they stand now (unchanged rings too: victims may come and go
    # without changing the ring, its version or its alerts)
    victims_now = [[r.change.ring_id, sorted(r.victims)] for r in rows]
    victims_add = [[r.change.ring_id, v, "victim"] for r in rows for v in sorted(r.victims)]
    for name, batch_rows in (("ring_upsert", upserts), ("ring_member_remove", removes),
                             ("ring_member_add", members), ("ring_version_add", versions),
                             ("ring_victim_remove", victims_now), ("ring_victim_add", victims_add)):  # fmt: skip
        for chunk in _chunks(batch_rows):
            store.graph.query(load_query(name), {"rows": list(chunk)})


def publish_ring_alerts(
    store: RingGraph, rows: Sequence[RingRow], now_ms: int, settings: Settings
) -> int:
    """Alert (stream + pub/sub) for new rings and material changes; ring-updates for all of them.

    Stream and channel names come from ``settings``, as the transaction alerts' do.
    """
    sent = 0
    created = datetime.fromtimestamp(now_ms / 1000, UTC).isoformat()
    pipe = store.redis.pipeline(transaction=False)
    for r in rows:
        if not r.change.material or r.change.ring is None:
            continue
        alert = Alert(
            id=f"alert-{uuid.uuid4().hex[:16]}", kind="RING", score=r.score, created_at=created,
            ring_id=r.change.ring_id, reasons=(f"ring {r.change.change}", *r.reasons),
            decision="review",
        )  # fmt: skip
        payload = orjson.dumps(alert.to_json())
        update = RingUpdate(
            id=r.change.ring_id, score=r.score, size=len(r.change.members),
            typologies=tuple(r.typologies), reasons=tuple(r.reasons), change=r.change.change,
        )  # fmt: skip
        pipe.xadd(settings.alerts_stream, {"alert": payload},
                  maxlen=settings.alerts_stream_maxlen, approximate=True)  # fmt: skip
        pipe.publish(settings.alerts_channel, payload)
        pipe.publish(settings.ring_updates_channel, orjson.dumps(update.to_json()))
        sent += 1
    if sent:
        pipe.execute()
    return sent


def start_run(store: RingGraph, run_id: str, now_ms: int) -> None:
    store.graph.query(load_query("detection_run_start"), {"id": run_id, "started_at": now_ms})


def finish_run(store: RingGraph, run_id: str, fields: dict[str, Any]) -> None:
    store.graph.query(load_query("detection_run_finish"), {"id": run_id, **fields})
