"""Queries and mutations over WebSocket get the request timeout; subscriptions do not."""

from __future__ import annotations

import time

import orjson
import redis

from graph.falkordb_store import FalkorStore
from ringscope.bootstrap import create_app
from tests.api.conftest import LocalClient, make_settings


def test_ws_query_times_out_but_subscription_lives(seeded: FalkorStore) -> None:
    settings = make_settings(seeded.url, seeded.graph_name, api_timeout_s=0.000001)
    r = redis.Redis.from_url(seeded.url)
    try:
        with (
            LocalClient(create_app(settings, store=seeded)) as c,
            c.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws,
        ):
            ws.send_json({"type": "connection_init", "payload": {}})
            assert ws.receive_json()["type"] == "connection_ack"
            ws.send_json(
                {"id": "q", "type": "subscribe", "payload": {"query": "{ rings { totalCount } }"}}
            )
            msg = ws.receive_json()
            assert msg["type"] == "error" and msg["id"] == "q", msg
            assert msg["payload"][0]["extensions"]["code"] == "TIMEOUT"
            sub = "subscription { alerts { id } }"
            ws.send_json({"id": "s", "type": "subscribe", "payload": {"query": sub}})
            deadline = time.monotonic() + 5
            while not r.pubsub_numsub(settings.alerts_channel)[0][1]:
                assert time.monotonic() < deadline
                time.sleep(0.02)
            time.sleep(0.05)  # far past the operation timeout
            r.publish(settings.alerts_channel, orjson.dumps({"id": "al-9", "score": 1}))
            msg = ws.receive_json()
            assert msg["type"] == "next" and msg["payload"]["data"]["alerts"]["id"] == "al-9"
    finally:
        r.close()
