from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from core.settings import Settings, load_settings
from graph.falkordb_store import FalkorStore
from ingest.pipeline import Pipeline

T0 = 1_700_000_000_000


def make_events(n: int, seed: int = 1, accounts: int = 50) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        kind = rng.choice(["transfer", "payment", "payment", "refund", "deposit"])
        e: dict[str, Any] = {
            "tx_id": f"tx-{seed}-{i}",
            "ts": T0 + i * 1000,
            "kind": kind,
            "amount": round(rng.uniform(1, 300), 2),
            "account_id": f"acc-{rng.randrange(accounts)}",
            "device_id": f"dev-{rng.randrange(accounts)}",
        }
        if kind == "transfer":
            e["counterparty_id"] = f"acc-{rng.randrange(accounts)}"
        if kind in ("payment", "refund"):
            e["merchant_id"] = f"m-{rng.randrange(10)}"
        out.append(e)
    return out


def expected_counts(events: list[dict[str, Any]]) -> dict[str, float]:
    accounts = {e["account_id"] for e in events} | {
        e["counterparty_id"] for e in events if "counterparty_id" in e
    }
    merchants = {e["merchant_id"] for e in events if "merchant_id" in e}
    return {
        "Account": len(accounts),
        "Merchant": len(merchants),
        "Device": len({e["device_id"] for e in events}),
        "TRANSFERRED": sum(e["kind"] == "transfer" for e in events),
        "PAID": sum(e["kind"] == "payment" for e in events),
        "Transaction": len(events),
    }


def observed(store: FalkorStore) -> dict[str, float]:
    c = store.counts()
    return {
        k: c.get(k, 0)
        for k in ("Account", "Merchant", "Device", "TRANSFERRED", "PAID", "Transaction")
    }


def write_jsonl(path: Path, events: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return path


@pytest.fixture
def settings(store: FalkorStore) -> Settings:
    return load_settings(
        falkordb_url=store.url,
        graph=store.graph_name,
        stream=f"{store.graph_name}:in",
        dead_letter_stream=f"{store.graph_name}:dead",
        claim_idle_ms=1000,
        batch_size=200,
    )


@pytest.fixture
def pipeline(store: FalkorStore, settings: Settings) -> Pipeline:
    from ringscope.bootstrap import build_pipeline

    return build_pipeline(settings, store, scoring=False)
