"""Detection's side of the graph: stored rings, member risk, ring writes, runs and ring events.

``detection/`` decides what rings are; this adapter is the only place their Cypher runs
(``cypher/ring_*.cypher``, ``detection_run_*``), in short parameterised batches so live reads
wait little, and where ring alerts and updates go out on the configured stream and channels.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from typing import Any, Protocol

import orjson
from redis.exceptions import LockError

from core.alerts import Alert, RingUpdate
from core.errors import DetectionBusyError
from core.settings import Settings
from graph.cypher import load_query

WRITE_BATCH = 200
# The order ring writes run in: rings first, then who belongs to them, then history.
RING_WRITES = (
    "ring_upsert",
    "ring_member_remove",
    "ring_member_add",
    "ring_version_add",
    "ring_victim_remove",
    "ring_victim_add",
)
StoredRingRow = tuple[str, float, int, int, "str | None", list[str]]


def _chunks(rows: Sequence[Any], size: int = WRITE_BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


class _Store(Protocol):
    """What the repository uses of a FalkorStore (graph/falkordb_store.py hands it out)."""

    graph_name: str
    graph: Any
    redis: Any


class FalkorRings:
    """The ring repository on a FalkorStore's graph and Redis (``FalkorStore.rings()``)."""

    def __init__(self, store: _Store) -> None:
        self.store = store
        self.graph_name = store.graph_name

    def current_rings(self) -> list[StoredRingRow]:
        """``(id, score, version, created_at, verdict, members)`` of every current ring."""
        if not self.store.redis.exists(self.graph_name):
            return []
        rows = self.store.graph.ro_query(load_query("ring_list_current")).result_set
        return [
            (
                str(rid),
                float(score or 0),
                int(version or 1),
                int(created or 0),
                verdict,
                list(members),
            )
            for rid, score, version, created, verdict, members in rows
        ]

    def account_risk(self, account_ids: Sequence[str]) -> dict[str, float]:
        """Model risk of the accounts that have one."""
        out: dict[str, float] = {}
        query = load_query("ring_account_risk")
        for chunk in _chunks(list(account_ids), 2000):
            rows = self.store.graph.ro_query(query, {"ids": list(chunk)}).result_set
            out.update((str(aid), float(risk)) for aid, risk in rows)
        return out

    def write_rings(self, writes: Mapping[str, Sequence[list[Any]]]) -> None:
        """Rows per write in ``RING_WRITES`` (see each ``cypher/<name>.cypher`` header)."""
        unknown = set(writes) - set(RING_WRITES)
        if unknown:
            raise ValueError(f"unknown ring writes {sorted(unknown)}; known: {RING_WRITES}")
        for name in RING_WRITES:
            query = load_query(name)
            for chunk in _chunks(list(writes.get(name, ()))):
                self.store.graph.query(query, {"rows": list(chunk)})

    def publish(
        self, alerts: Sequence[Alert], updates: Sequence[RingUpdate], settings: Settings
    ) -> None:
        """Ring alerts to the alerts stream and channel, ring updates to theirs."""
        if not alerts and not updates:
            return
        pipe = self.store.redis.pipeline(transaction=False)
        for alert in alerts:
            payload = orjson.dumps(alert.to_json())
            pipe.xadd(
                settings.alerts_stream,
                {"alert": payload},
                maxlen=settings.alerts_stream_maxlen,
                approximate=True,
            )
            pipe.publish(settings.alerts_channel, payload)
        for update in updates:
            pipe.publish(settings.ring_updates_channel, orjson.dumps(update.to_json()))
        pipe.execute()

    def start_run(self, run_id: str, now_ms: int) -> None:
        self.store.graph.query(
            load_query("detection_run_start"), {"id": run_id, "started_at": now_ms}
        )

    def finish_run(self, run_id: str, fields: Mapping[str, object]) -> None:
        self.store.graph.query(load_query("detection_run_finish"), {"id": run_id, **fields})

    @contextmanager
    def run_lock(self, ttl_s: int) -> Iterator[None]:
        """One detection run per graph at a time; raises DetectionBusyError if one holds it."""
        key = f"ringscope:{self.graph_name}:detect-lock"
        lock = self.store.redis.lock(key, timeout=ttl_s)  # released only by its holder
        if not lock.acquire(blocking=False):
            raise DetectionBusyError(f"a detection run already holds {key}; try again when it ends")
        try:
            yield
        finally:
            with suppress(LockError):  # expired under a run longer than the TTL
                lock.release()
