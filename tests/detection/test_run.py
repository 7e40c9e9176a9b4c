"""Detection end to end on a small planted graph in a real FalkorDB."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import redis

from core.errors import DetectionBusyError
from core.events import parse_event
from core.settings import Settings
from detection.run import run_detection, run_lock
from graph.falkordb_store import FalkorStore

DAY, HOUR = 86_400_000, 3_600_000
T0 = 1_750_000_000_000
SALT = "test-salt"


def _background(rng: random.Random) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    accounts = [f"bg-{i}" for i in range(120)]
    for a in accounts:
        out.append({"event": "account", "account_id": a, "opened_at": T0 - 400 * DAY})
    for k in range(1500):
        a, b = rng.sample(accounts, 2)
        dev = f"dev-{a}"
        out.append(
            {
                "tx_id": f"bg-t{k}",
                "ts": T0 + rng.randrange(20 * DAY),
                "kind": "transfer",
                "amount": round(rng.uniform(5, 500), 2),
                "account_id": a,
                "counterparty_id": b,
                "device_id": dev,
                "ip": f"ip-{a}",
            }
        )
    # a household of three old accounts sharing a tablet and sending money back and forth
    for k in range(30):
        a, b = rng.sample(accounts[:3], 2)
        out.append(
            {
                "tx_id": f"hh-t{k}",
                "ts": T0 + rng.randrange(20 * DAY),
                "kind": "transfer",
                "amount": 50.0,
                "account_id": a,
                "counterparty_id": b,
                "device_id": "tablet-1",
            }
        )
    return out


def _cycle_ring() -> list[dict[str, Any]]:
    members = [f"cy-{i}" for i in range(5)]
    out: list[dict[str, Any]] = []
    amount, t = 48_200.0, T0 + 15 * DAY
    for a, b in zip(members, members[1:] + members[:1], strict=True):
        out.append(
            {
                "tx_id": f"cy-{a}-{b}",
                "ts": t,
                "kind": "transfer",
                "amount": round(amount, 2),
                "account_id": a,
                "counterparty_id": b,
                "device_id": f"dev-{a}",
            }
        )
        amount *= 0.98
        t += 2 * HOUR
    return out


def _device_ring() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(6):
        acc = f"syn-{i}"
        out.append(
            {
                "event": "account",
                "account_id": acc,
                "opened_at": T0 + 12 * DAY + i * HOUR,
                "phone": "+1 555 0100",
            }
        )
        out.append(
            {
                "tx_id": f"syn-t{i}",
                "ts": T0 + 14 * DAY + i * HOUR,
                "kind": "withdrawal",
                "amount": 900.0,
                "account_id": acc,
                "device_id": "d-91",
                "ip": f"ip-syn-{i}",
            }
        )
    return out


def _load(store: FalkorStore, events: list[dict[str, Any]]) -> None:
    parsed = [parse_event(e, SALT) for e in events]
    for start in range(0, len(parsed), 500):
        store.apply_batch(parsed[start : start + 500])


@pytest.fixture
def planted(store: FalkorStore) -> FalkorStore:
    rng = random.Random(3)
    _load(store, _background(rng) + _cycle_ring() + _device_ring())
    return store


def _rings(store: FalkorStore) -> dict[str, tuple[float, set[str]]]:
    rows = store.graph.ro_query(
        "MATCH (r:Ring)-[:MEMBER]->(a:Account) RETURN r.id, r.score, collect(a.id)"
    ).result_set
    return {rid: (score, set(m)) for rid, score, m in rows}


def test_detect_finds_planted_rings_and_keeps_ids(planted: FalkorStore, data_dir: Path) -> None:
    settings = Settings(
        data_dir=data_dir,
        graph=planted.graph_name,
        alerts_stream=f"{planted.graph_name}:alerts",
        alerts_channel=f"{planted.graph_name}:alerts-live",
        ring_updates_channel=f"{planted.graph_name}:rings",
    )
    alerts = redis.Redis.from_url(planted.url)
    live = alerts.pubsub()
    live.subscribe(settings.alerts_channel, settings.ring_updates_channel)
    first = run_detection(settings, planted)
    rings = _rings(planted)
    sets = [m for _, m in rings.values()]
    assert {f"cy-{i}" for i in range(5)} in sets
    assert any({f"syn-{i}" for i in range(6)} <= m for m in sets)
    hh = [(rid, s, sorted(m)) for rid, (s, m) in rings.items() if {"bg-0", "bg-1", "bg-2"} <= m]
    assert not hh, f"household must stay low: {hh}"
    assert first.rings_new == len(rings) and first.alerts == len(rings)
    # ring alerts land on the configured stream and channels, not on literal names
    n_alerts = alerts.xlen(settings.alerts_stream)
    assert n_alerts == len(rings) and alerts.xlen("alerts") == 0
    heard = [
        m["channel"]
        for m in iter(lambda: live.get_message(timeout=1.0), None)
        if m["type"] == "message"
    ]
    assert heard.count(settings.alerts_channel.encode()) == len(rings)
    assert heard.count(settings.ring_updates_channel.encode()) == len(rings)
    live.close()
    second = run_detection(settings, planted)
    assert _rings(planted) == rings
    assert second.rings_new == 0 and second.alerts == 0 and second.new_rows == 0
    assert alerts.xlen(settings.alerts_stream) == n_alerts
    runs = planted.graph.ro_query(
        "MATCH (d:DetectionRun) RETURN d.status, d.rings_total"
    ).result_set
    assert sorted(runs) == [["ok", len(rings)], ["ok", len(rings)]]
    alerts.close()


def test_runs_never_overlap(store: FalkorStore, data_dir: Path) -> None:
    settings = Settings(data_dir=data_dir, graph=store.graph_name)
    with run_lock(store, 30), pytest.raises(DetectionBusyError):
        run_detection(settings, store)
