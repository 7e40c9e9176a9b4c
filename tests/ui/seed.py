"""Seed data for the UI tests and the render benchmark: transactions through the real store,
rings written with detection's own parameterised Cypher (cypher/ring_*.cypher)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import orjson

from core.events import TransactionEvent
from core.scores import TxScore
from graph.cypher import load_query
from graph.falkordb_store import FalkorStore

XSS_ID = "<img src=x onerror=window.__xss=1>"
HOUR_MS = 3_600_000


def tx(tx_id: str, ts: int, kind: str, amount: float, account: str, **kw: Any) -> TransactionEvent:
    return TransactionEvent(tx_id=tx_id, ts=ts, kind=kind, amount=amount, account_id=account, **kw)


def write_ring(
    store: FalkorStore,
    ring_id: str,
    members: Sequence[tuple[str, float, str]],
    *,
    score: float,
    typologies: list[str],
    reasons: list[str],
    evidence: dict[str, Any],
    now_ms: int,
) -> None:
    """A Ring node, its MEMBER edges and a first version, as docs/contracts.md describes."""
    ids = [m[0] for m in members]
    store.graph.query(
        load_query("ring_upsert"),
        {
            "rows": [
                [
                    ring_id,
                    score,
                    len(ids),
                    typologies,
                    reasons,
                    orjson.dumps(evidence).decode(),
                    1,
                    now_ms,
                    "new",
                ]
            ]
        },
    )
    store.graph.query(load_query("ring_member_add"), {"rows": [[ring_id, *m] for m in members]})
    store.graph.query(
        load_query("ring_version_add"),
        {"rows": [[ring_id, 1, now_ms, "new", score, len(ids), ids]]},
    )


def seed_small(store: FalkorStore) -> dict[str, Any]:
    """Two rings: a shared-device ring with a transfer cycle (one member's id is an XSS
    payload) and a small refund ring; outside accounts hang off acc-1 to expand into."""
    now = int(time.time() * 1000)
    old = now - 72 * HOUR_MS  # half the money moved three days ago, half in the last hour
    members = [f"acc-{i}" for i in range(1, 8)] + [XSS_ID]
    events: list[TransactionEvent] = []
    scores: dict[str, TxScore] = {}
    for i, acc in enumerate(members):
        nxt = members[(i + 1) % len(members)]
        ts = old + i * 60_000 if i < 4 else now - 30 * 60_000 + i * 60_000
        events.append(
            tx(
                f"t-cyc-{i}",
                ts,
                "transfer",
                900.0 + 10 * i,
                acc,
                counterparty_id=nxt,
                device_id="dev-shared-1",
                ip="10.0.0.9",
            )
        )
        scores[f"t-cyc-{i}"] = TxScore(70.0 + i, "review", ("shared_device", "cycle"))
    for j in range(1, 6):
        events.append(
            tx(
                f"t-out-{j}",
                now - j * 60_000,
                "transfer",
                50.0 * j,
                "acc-1",
                counterparty_id=f"outside-{j}",
            )
        )
        scores[f"t-out-{j}"] = TxScore(12.0, "approve", ())
    for k in range(4):
        events.append(
            tx(
                f"t-pay-{k}",
                now - k * 120_000,
                "payment",
                20.0 + k,
                "acc-9",
                merchant_id="merch-1",
                device_id="dev-9",
            )
        )
        events.append(
            tx(
                f"t-ref-{k}",
                now - k * 120_000 + 1000,
                "refund",
                20.0 + k,
                "acc-10",
                merchant_id="merch-1",
                device_id="dev-9",
            )
        )
    store.apply_batch(events, scores)
    write_ring(
        store,
        "ring-ui-shared",
        [(m, 60.0 + 4 * i, "member") for i, m in enumerate(members)],
        score=91.0,
        typologies=["shared_device", "cycle"],
        reasons=["8 accounts share device dev-shared-1", "transfer cycle returns money to acc-1"],
        evidence={"device": "dev-shared-1", "cycle": members[:3]},
        now_ms=now,
    )
    write_ring(
        store,
        "ring-ui-refund",
        [("acc-9", 55.0, "payer"), ("acc-10", 48.0, "refund_taker")],
        score=47.0,
        typologies=["refund_abuse"],
        reasons=["refunds across merchants"],
        evidence={"merchant": "merch-1"},
        now_ms=now - 3_600_000,
    )
    # an ordinary customer who paid into the ring once: a victim, kept apart from the members
    store.graph.query(
        load_query("ring_victim_add"), {"rows": [["ring-ui-shared", "outside-2", "victim"]]}
    )
    return {"now": now, "old": old, "members": members}


def seed_large(
    store: FalkorStore, n_accounts: int = 420, n_devices: int = 80, ring_id: str = "ring-bench-500"
) -> str:
    """A ring of ``n_accounts + n_devices`` nodes (accounts and the devices they share), about
    500 by default, for the benchmark and the big-ring test."""
    now = int(time.time() * 1000)
    tag = ring_id.removeprefix("ring-")  # ids of their own: several rings may share a graph
    accounts = [f"{tag}-acc-{i}" for i in range(n_accounts)]
    events = []
    for i, acc in enumerate(accounts):
        events.append(
            tx(
                f"{tag}-tx-{i}",
                now - i * 1000,
                "transfer",
                100.0 + i,
                acc,
                counterparty_id=accounts[(i * 7 + 1) % n_accounts],
                device_id=f"{tag}-dev-{i % n_devices}",
            )
        )
    store.apply_batch(events)
    write_ring(
        store,
        ring_id,
        [(a, float(i % 100), "member") for i, a in enumerate(accounts)],
        score=88.0,
        typologies=["shared_device"],
        reasons=[f"devices shared by {n_accounts} accounts"],
        evidence={},
        now_ms=now,
    )
    return ring_id


def write_ring_versions(
    store: FalkorStore, ring_id: str, versions: Sequence[tuple[int, list[str]]], score: float
) -> None:
    """A ring that grew and shrank: each ``(at_ms, members)`` written in turn as detection writes
    a new version (upsert, members that left removed, members added, the version appended)."""
    members: list[str] = []
    for number, (at, now) in enumerate(versions, start=1):
        change = "new" if number == 1 else "grown" if set(now) > set(members) else "shrunk"
        ring = [ring_id, score, len(now), ["cycle"], ["transfer cycle"], "{}", number, at, change]
        store.graph.query(load_query("ring_upsert"), {"rows": [ring]})
        gone = [[ring_id, m] for m in members if m not in now]
        if gone:
            store.graph.query(load_query("ring_member_remove"), {"rows": gone})
        rows = [[ring_id, m, score - 10, "member"] for m in now]
        store.graph.query(load_query("ring_member_add"), {"rows": rows})
        version = [ring_id, number, at, change, score, len(now), now]
        store.graph.query(load_query("ring_version_add"), {"rows": [version]})
        members = now
