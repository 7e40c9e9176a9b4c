from __future__ import annotations

import time
from typing import Any

import orjson
import redis
from starlette.testclient import TestClient

from core.settings import Settings
from tests.api.conftest import wait_registered

SUB = "subscription($after: ID) { alerts(minScore: 50, after: $after) { id score accountId streamId } }"


def _alert(n: int, score: float) -> bytes:
    return orjson.dumps(
        {
            "id": f"al-{n}",
            "kind": "TRANSACTION",
            "score": score,
            "accountId": "acc-1",
            "transactionId": f"tx-{n}",
            "createdAt": "2024-01-01T00:00:00Z",
            "reasons": [],
        }
    )


def _wait_subscribed(r: redis.Redis, channel: str) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not r.pubsub_numsub(channel)[0][1]:
        time.sleep(0.02)


def _next(ws: Any) -> dict[str, Any]:
    msg = ws.receive_json()
    assert msg["type"] == "next", msg
    return msg["payload"]["data"]["alerts"]  # type: ignore[no-any-return]


def test_live_alerts_filter_and_replay_after_reconnect(
    client: TestClient, settings: Settings
) -> None:
    r = redis.Redis.from_url(settings.falkordb_url or "")
    try:
        with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
            ws.send_json({"type": "connection_init", "payload": {}})
            assert ws.receive_json()["type"] == "connection_ack"
            ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": SUB}})
            _wait_subscribed(r, settings.alerts_channel)
            for n, score in ((1, 10.0), (2, 90.0)):
                r.xadd(settings.alerts_stream, {"alert": _alert(n, score)})
                r.publish(settings.alerts_channel, _alert(n, score))
            got = _next(ws)
            assert got["id"] == "al-2" and got["score"] == 90.0  # al-1 is below minScore
        # while disconnected, two more alerts; reconnecting after al-2 replays them first
        for n in (3, 4):
            r.xadd(settings.alerts_stream, {"alert": _alert(n, 70.0)})
        with client.websocket_connect("/graphql", subprotocols=["graphql-ws"]) as ws:
            ws.send_json({"type": "connection_init", "payload": {}})
            assert ws.receive_json()["type"] == "connection_ack"
            ws.send_json(
                {
                    "id": "2",
                    "type": "start",
                    "payload": {"query": SUB, "variables": {"after": "al-2"}},
                }
            )
            ids = [ws.receive_json()["payload"]["data"]["alerts"]["id"] for _ in range(2)]
            assert ids == ["al-3", "al-4"]
    finally:
        r.delete(settings.alerts_stream)
        r.close()


def test_alerts_query_pages_the_stream(client: TestClient, settings: Settings) -> None:
    r = redis.Redis.from_url(settings.falkordb_url or "")
    try:
        for n in range(5):
            r.xadd(settings.alerts_stream, {"alert": _alert(n, 20.0 * n)})
        q = "query($a: String) { alerts(first: 2, after: $a, minScore: 20) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }"
        one = client.post("/graphql", json={"query": q}).json()["data"]["alerts"]
        assert [e["node"]["id"] for e in one["edges"]] == ["al-4", "al-3"] and one[
            "totalCount"
        ] == 4
        two = client.post(
            "/graphql", json={"query": q, "variables": {"a": one["pageInfo"]["endCursor"]}}
        ).json()
        assert [e["node"]["id"] for e in two["data"]["alerts"]["edges"]] == ["al-2", "al-1"]
    finally:
        r.delete(settings.alerts_stream)
        r.close()


def _shared() -> float:
    from api.metrics import REGISTRY

    return REGISTRY.get_sample_value("ringscope_api_shared_subscribers") or 0.0


def test_same_subscription_is_shared_and_both_subscribers_get_the_event(
    client: TestClient, settings: Settings
) -> None:
    query = "subscription { alerts(minScore: 50) { id score accountId } }"
    r = redis.Redis.from_url(settings.falkordb_url or "")
    try:
        with (
            client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as one,
            client.websocket_connect("/graphql", subprotocols=["graphql-ws"]) as two,
        ):
            for ws in (one, two):
                ws.send_json({"type": "connection_init", "payload": {}})
                assert ws.receive_json()["type"] == "connection_ack"
            before = _shared()
            one.send_json({"id": "a", "type": "subscribe", "payload": {"query": query}})
            two.send_json({"id": "b", "type": "start", "payload": {"query": query}})
            deadline = time.monotonic() + 5
            while _shared() < before + 2 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert _shared() == before + 2  # both joined one shared execution
            _wait_subscribed(r, settings.alerts_channel)
            wait_registered(settings.alerts_channel)
            r.publish(settings.alerts_channel, _alert(7, 80.0))
            first, second = one.receive_json(), two.receive_json()
        assert (first["id"], first["type"], second["id"], second["type"]) == (
            "a",
            "next",
            "b",
            "data",
        )
        assert (
            first["payload"]
            == second["payload"]
            == {"data": {"alerts": {"id": "al-7", "score": 80.0, "accountId": "acc-1"}}}
        )
    finally:
        r.close()
