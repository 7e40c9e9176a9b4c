"""Shutdown must be quick and leave no Redis connection or pub/sub subscription behind."""

from __future__ import annotations

import asyncio
import time

import orjson
import redis
import redis.asyncio as aioredis

from api.feeds import Broadcaster
from core.settings import Settings
from graph.aio import close_async_redis
from graph.embedded import EmbeddedFalkorDB
from graph.falkordb_store import FalkorStore
from graph.pubsub import RedisBus
from ringscope.bootstrap import create_app
from tests.api.conftest import LocalClient, wait_registered

SUB = "subscription { alerts(minScore: 0) { id } }"


def _clients(r: redis.Redis) -> int:
    return len(r.client_list())


def _settle(r: redis.Redis, want: int) -> int:
    deadline = time.monotonic() + 3
    while (n := _clients(r)) > want and time.monotonic() < deadline:
        time.sleep(0.02)
    return n


def test_app_shutdown_with_live_subscription_leaks_nothing(
    settings: Settings, seeded: FalkorStore
) -> None:
    r = redis.Redis.from_url(settings.falkordb_url or "")
    try:
        baseline = _clients(r)
        started = time.monotonic()
        with LocalClient(create_app(settings, store=seeded)) as c:
            c.post("/graphql", json={"query": "{ rings { totalCount } }"}).raise_for_status()
            with c.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
                ws.send_json({"type": "connection_init", "payload": {}})
                assert ws.receive_json()["type"] == "connection_ack"
                ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": SUB}})
                deadline = time.monotonic() + 5
                while not r.pubsub_numsub(settings.alerts_channel)[0][1]:
                    assert time.monotonic() < deadline, "the broadcaster never subscribed"
                    time.sleep(0.02)
                wait_registered(
                    settings.alerts_channel
                )  # publishing earlier could reach no subscriber
                r.publish(settings.alerts_channel, orjson.dumps({"id": "al-1", "score": 5}))
                assert ws.receive_json()["payload"]["data"]["alerts"]["id"] == "al-1"
        assert time.monotonic() - started < 10
        assert r.pubsub_numsub(settings.alerts_channel)[0][1] == 0
        assert _settle(r, baseline) == baseline, "the app left Redis connections open"
    finally:
        r.close()


async def test_broadcaster_stop_ends_subscribers(falkordb: EmbeddedFalkorDB) -> None:
    client = aioredis.Redis.from_url(falkordb.url)
    broadcaster = Broadcaster(RedisBus(client), "t-stop:alerts", "t-stop:rings")
    await broadcaster.start()
    await asyncio.wait_for(broadcaster.ready.wait(), 5)
    seen: list[str] = []

    async def consume() -> None:
        async for ring in broadcaster.rings(0):
            seen.append(ring.id)

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.05)
    await client.publish("t-stop:rings", orjson.dumps({"id": "ring-x", "score": 3}))
    for _ in range(100):
        if seen:
            break
        await asyncio.sleep(0.02)
    await broadcaster.stop()
    await asyncio.wait_for(task, 2)  # ended by the broadcaster, not cancelled
    assert seen == ["ring-x"]
    assert (await client.pubsub_numsub("t-stop:rings"))[0][1] == 0
    await close_async_redis(client)


async def test_close_is_bounded_with_a_blocked_reader(falkordb: EmbeddedFalkorDB) -> None:
    client = aioredis.Redis.from_url(falkordb.url)
    blocked = asyncio.create_task(client.blpop(["t-close:never"], 0))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    await close_async_redis(client, timeout_s=2.0)
    assert time.monotonic() - started < 2.5
    done, _ = await asyncio.wait({blocked}, timeout=2)
    if not done:
        blocked.cancel()
    assert done, "the blocked reader was not released by closing its socket"
    assert blocked.exception() is not None
