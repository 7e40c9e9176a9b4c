"""Rings as detection writes them: the rows, the events and the stored rings, through the
RingRepository port (``graph/rings.py`` on FalkorDB). No Cypher here."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from core.alerts import Alert, RingUpdate
from core.ports import RingRepository
from core.settings import Settings
from detection.identity import RingChange, StoredRing


def load_rings(repo: RingRepository) -> list[StoredRing]:
    return [
        StoredRing(rid, score, version, created, verdict, frozenset(members))
        for rid, score, version, created, verdict, members in repo.current_rings()
    ]


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


def write_rings(repo: RingRepository, rows: Sequence[RingRow], now_ms: int) -> None:
    written = [r for r in rows if r.change.change != "unchanged"]
    upserts = [
        [
            r.change.ring_id,
            r.score,
            len(r.change.members),
            r.typologies,
            r.reasons,
            orjson.dumps(r.evidence).decode(),
            r.change.version,
            now_ms,
            r.change.change,
        ]
        for r in written
    ]
    versions = [
        [
            r.change.ring_id,
            r.change.version,
            now_ms,
            r.change.change,
            r.score,
            len(r.change.members),
            sorted(r.change.members),
        ]
        for r in written
    ]
    repo.write_rings(
        {
            "ring_upsert": upserts,
            "ring_member_remove": [
                [r.change.ring_id, a] for r in written for a in sorted(r.change.removed)
            ],
            "ring_member_add": [[r.change.ring_id, *m] for r in written for m in r.member_rows],
            "ring_version_add": versions,
            # every ring's victims as they stand now (unchanged rings too: victims may come and go
            # without changing the ring, its version or its alerts)
            "ring_victim_remove": [[r.change.ring_id, sorted(r.victims)] for r in rows],
            "ring_victim_add": [
                [r.change.ring_id, v, "victim"] for r in rows for v in sorted(r.victims)
            ],
        }
    )


def publish_ring_alerts(
    repo: RingRepository, rows: Sequence[RingRow], now_ms: int, settings: Settings
) -> int:
    """Alert (stream + pub/sub) for new rings and material changes; ring-updates for all of them.

    Stream and channel names come from ``settings``, as the transaction alerts' do.
    """
    created = datetime.fromtimestamp(now_ms / 1000, UTC).isoformat()
    alerts, updates = [], []
    for r in rows:
        if not r.change.material or r.change.ring is None:
            continue
        alerts.append(
            Alert(
                id=f"alert-{uuid.uuid4().hex[:16]}",
                kind="RING",
                score=r.score,
                created_at=created,
                ring_id=r.change.ring_id,
                reasons=(f"ring {r.change.change}", *r.reasons),
                decision="review",
            )
        )
        updates.append(
            RingUpdate(
                id=r.change.ring_id,
                score=r.score,
                size=len(r.change.members),
                typologies=tuple(r.typologies),
                reasons=tuple(r.reasons),
                change=r.change.change,
            )
        )
    repo.publish(alerts, updates, settings)
    return len(alerts)
