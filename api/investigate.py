"""What the investigator UI needs beyond the core reads: id search across node types, expansion
and shortest paths over chosen relationship types, and the ring of a ring member's alert."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from api.errors import BadInputError
from api.fields import described_field
from api.records import Alert
from api.subgraph import GraphNode, Subgraph
from api.types import Info
from core.errors import NotFoundError
from core.investigation import InvestigationStore

MAX_SEARCH = 25
MAX_HOPS = 3
MAX_PATH_HOPS = 10
RING_CACHE_S = 30.0  # how long an account's ring is remembered for its alerts


@strawberry.enum(description="Relationship types the graph tools may follow.")
class Relationship(Enum):
    TRANSFERRED = "TRANSFERRED"
    PAID = "PAID"
    REFUNDED = "REFUNDED"
    USED = "USED"
    FROM_IP = "FROM_IP"
    HAS_PHONE = "HAS_PHONE"
    HAS_EMAIL = "HAS_EMAIL"
    HAS_ADDRESS = "HAS_ADDRESS"


# Money between accounts and shared identifiers; not through merchants (PAID, REFUNDED).
DEFAULT_RELATIONSHIPS = (
    Relationship.TRANSFERRED,
    Relationship.USED,
    Relationship.FROM_IP,
    Relationship.HAS_PHONE,
    Relationship.HAS_EMAIL,
    Relationship.HAS_ADDRESS,
)


def _rels(relationships: list[Relationship] | None) -> list[str]:
    chosen = DEFAULT_RELATIONSHIPS if relationships is None else relationships
    if not chosen:
        raise BadInputError("relationships: choose at least one relationship type")
    return [r.value for r in chosen]


def _ms(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


def _check(value: int, name: str, maximum: int) -> None:
    if not 1 <= value <= maximum:
        raise BadInputError(f"{name}: must be between 1 and {maximum} (got {value})")


@strawberry.type
class InvestigatorQueries:
    """Fields the schema's Query inherits (kept here so the UI's additions stay in one place)."""

    @described_field(
        "Nodes whose id starts with `query`: accounts, devices, IPs, merchants and live rings "
        "(and a transaction with exactly this id); exact matches first."
    )
    async def search(self, info: Info, query: str, first: int = 10) -> list[GraphNode]:
        info.context.require("viewer")
        _check(first, "first", MAX_SEARCH)
        prefix = query.strip()
        if not prefix:
            return []
        if len(prefix) > 200:
            raise BadInputError("query: at most 200 characters")
        hits = await info.context.store.search(prefix, first)
        return [GraphNode.of(n) for n in hits[:first]]

    @described_field(
        "Nodes within `hops` of `id` over the chosen relationship types only (default: "
        "transfers and shared identifiers, not merchants)."
    )
    async def neighbourhood_via(
        self,
        info: Info,
        id: strawberry.ID,
        relationships: list[Relationship] | None = None,
        hops: int = 1,
        limit: int = 200,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Subgraph:
        ctx = info.context
        ctx.require("viewer")
        _check(hops, "hops", MAX_HOPS)
        _check(limit, "limit", ctx.max_nodes)
        sub = await ctx.store.neighbourhood_via(
            str(id), _rels(relationships), hops, limit, _ms(since), _ms(until)
        )
        if not sub.nodes:
            raise NotFoundError(f"id: no node has id {str(id)[:80]!r}")
        return Subgraph.of(sub)

    @described_field(
        "A shortest undirected path that crosses only the chosen relationship types (default: "
        "transfers and shared identifiers), or null."
    )
    async def shortest_path_via(
        self,
        info: Info,
        from_: Annotated[strawberry.ID, strawberry.argument(name="from")],
        to: strawberry.ID,
        relationships: list[Relationship] | None = None,
        max_hops: int = 6,
    ) -> Subgraph | None:
        info.context.require("viewer")
        _check(max_hops, "maxHops", MAX_PATH_HOPS)
        sub = await info.context.store.shortest_path_via(
            str(from_), str(to), max_hops, _rels(relationships)
        )
        return None if sub is None else Subgraph.of(sub)


class AlertRings:
    """The live ring of each alerting account, cached briefly and looked up once per account
    however many subscribers see the alert."""

    def __init__(self, ttl_s: float = RING_CACHE_S) -> None:
        self.ttl_s = ttl_s
        self._cache: dict[tuple[int, str], tuple[str | None, float]] = {}
        self._inflight: dict[tuple[int, str], asyncio.Future[str | None]] = {}

    async def rings_of(self, store: InvestigationStore, accounts: Sequence[str]) -> dict[str, str]:
        now = time.monotonic()
        out: dict[str, str] = {}
        missing: list[str] = []
        waits: list[tuple[str, asyncio.Future[str | None]]] = []
        for acc in dict.fromkeys(accounts):
            key = (id(store), acc)
            hit = self._cache.get(key)
            if hit is not None and hit[1] > now:
                if hit[0] is not None:
                    out[acc] = hit[0]
            elif key in self._inflight:
                waits.append((acc, self._inflight[key]))
            else:
                missing.append(acc)
        if missing:
            loop = asyncio.get_running_loop()
            futures = {acc: loop.create_future() for acc in missing}
            for acc, fut in futures.items():
                self._inflight[(id(store), acc)] = fut
            try:
                found = await store.account_ring_ids(missing)
            except Exception as exc:
                for fut in futures.values():
                    fut.set_exception(exc)
                    fut.exception()  # retrieved: waiters re-raise it, nobody else must
                raise
            finally:
                for acc in missing:
                    self._inflight.pop((id(store), acc), None)
            expires = time.monotonic() + self.ttl_s
            for acc, fut in futures.items():
                ring = found.get(acc)
                self._cache[(id(store), acc)] = (ring, expires)
                if not fut.done():
                    fut.set_result(ring)
                if ring is not None:
                    out[acc] = ring
        for acc, fut in waits:
            ring = await fut
            if ring is not None:
                out[acc] = ring
        if len(self._cache) > 50_000:
            self._cache = {k: v for k, v in self._cache.items() if v[1] > now}
        return out

    async def fill(self, store: InvestigationStore, alerts: list[Alert]) -> list[Alert]:
        """The alerts, those of ring members carrying their ring's id."""
        wanted = [a.account_id for a in alerts if a.ring_id is None and a.account_id]
        if not wanted:
            return alerts
        rings = await self.rings_of(store, [str(a) for a in wanted])
        return [
            dataclasses.replace(a, ring_id=strawberry.ID(rings[str(a.account_id)]))
            if a.ring_id is None and a.account_id and str(a.account_id) in rings
            else a
            for a in alerts
        ]


alert_rings = AlertRings()
