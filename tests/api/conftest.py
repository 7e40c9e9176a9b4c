"""The real app in process on a real FalkorDB graph, seeded through the ingest write path."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urljoin

import pytest
from starlette.testclient import TestClient, WebSocketTestSession

from core.events import parse_event
from core.scores import TxScore
from core.settings import Settings
from graph.falkordb_store import FalkorStore
from ringscope.bootstrap import create_app

T0 = 1_700_000_000_000
LOCAL = "http://127.0.0.1"


class LocalClient(TestClient):
    """A TestClient on a loopback Host: the API's Host allowlist refuses "testserver"."""

    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(app, base_url=LOCAL, **kwargs)

    def websocket_connect(
        self, url: str, subprotocols: Sequence[str] | None = None, **kwargs: Any
    ) -> WebSocketTestSession:
        return super().websocket_connect(urljoin("ws://127.0.0.1", url), subprotocols, **kwargs)


RINGS = [  # id, score, status, typology, members
    ("ring-a", 91.0, "open", "shared_device", ["acc-1", "acc-2", "acc-3"]),
    ("ring-b", 75.0, "investigating", "cycle", ["acc-3", "acc-4"]),
    ("ring-c", 40.0, "closed", "fan_in", ["acc-5", "acc-6"]),
]
SEED_RINGS = """
UNWIND $rings AS r
CREATE (g:Ring {id: r[0], score: r[1], size: size(r[4]), status: r[2], typologies: [r[3]],
  reasons: ['shared device d-1'], evidence: '{"devices": ["d-1"]}', version: 2,
  created_at: $t0, updated_at: $t0 + r[1], last_change: 'grown'})
CREATE (g)-[:HAS_VERSION]->(:RingVersion {ring_id: r[0], version: 1, at: $t0, change: 'new',
  score: r[1] - 5, size: 2, members: r[4][0..2]})
WITH g, r UNWIND r[4] AS m
MATCH (a:Account {id: m}) CREATE (g)-[:MEMBER {risk: r[1] - 1, role: 'member'}]->(a)
"""


def seed(store: FalkorStore) -> None:
    events, scores = [], {}
    for i in range(12):
        src, dst = f"acc-{i % 6 + 1}", f"acc-{(i + 1) % 6 + 1}"
        raw = {
            "tx_id": f"tx-{i}",
            "ts": T0 + i * 60_000,
            "kind": "transfer",
            "amount": 100 + i,
            "account_id": src,
            "counterparty_id": dst,
            "device_id": "d-1" if i < 3 else f"d-{i}",
            "ip": "10.0.0.1",
        }
        events.append(parse_event(raw, "salt"))
        scores[f"tx-{i}"] = TxScore(
            80.0 if i % 4 == 0 else 10.0,
            "block" if i % 4 == 0 else "approve",
            ("amount far above usual",) if i % 4 == 0 else (),
        )
    events.append(
        parse_event(
            {
                "tx_id": "tx-pay",
                "ts": T0,
                "kind": "payment",
                "amount": 5,
                "account_id": "acc-1",
                "merchant_id": "m-1",
            },
            "salt",
        )
    )
    store.apply_batch(events, scores)
    rows = [[r[0], r[1], r[2], r[3], r[4]] for r in RINGS]
    store.graph.query(SEED_RINGS, {"rings": rows, "t0": T0})
    store.graph.query(
        "CREATE (:DetectionRun {id: 'run-1', started_at: $t0, finished_at: $t0 + 900, "
        "duration_ms: 900, detector_ms: '{\"wcc\": 12}', rings_new: 3, rings_changed: 0, "
        "rings_unchanged: 0, rings_total: 3, status: 'ok'})",
        {"t0": T0},
    )


def make_settings(falkordb_url: str, graph_name: str, **extra: object) -> Settings:
    return Settings(
        falkordb_url=falkordb_url,
        graph=graph_name,
        alerts_stream=f"{graph_name}:alerts",
        alerts_channel=f"{graph_name}:alerts",
        ring_updates_channel=f"{graph_name}:rings",
        **extra,
    )  # type: ignore[arg-type]


@pytest.fixture
def seeded(store: FalkorStore) -> FalkorStore:
    seed(store)
    return store


@pytest.fixture
def settings(seeded: FalkorStore) -> Settings:
    return make_settings(seeded.url, seeded.graph_name)


@pytest.fixture
def client(settings: Settings, seeded: FalkorStore) -> Iterator[TestClient]:
    with LocalClient(create_app(settings, store=seeded)) as c:
        yield c


def gql(
    client: TestClient,
    query: str,
    variables: dict[str, object] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, object]:
    r = client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def wait_registered(channel: str) -> None:
    """Until the shared execution's reader queue is on the broadcaster (then nothing is missed)."""
    from api.metrics import REGISTRY

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not REGISTRY.get_sample_value(
        "ringscope_api_subscriptions", {"channel": channel}
    ):
        time.sleep(0.02)
