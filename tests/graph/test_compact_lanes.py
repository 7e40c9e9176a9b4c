"""graph.compact's lanes: queries keep a leased connection, leave the pool room, survive a kill."""

from __future__ import annotations

import asyncio

import pytest
import redis
from redis.asyncio import BlockingConnectionPool, Redis

from graph.compact import _LANES, run_query
from graph.embedded import EmbeddedFalkorDB
from graph.falkordb_store import FalkorStore


def _client(url: str, size: int) -> Redis:
    pool = BlockingConnectionPool.from_url(
        url, max_connections=size, timeout=2, decode_responses=True
    )
    return Redis(connection_pool=pool)


async def test_sequential_queries_reuse_one_connection(store: FalkorStore) -> None:
    client = _client(store.url, 8)
    for i in range(20):
        assert await run_query(client, store.graph_name, "RETURN $i", {"i": i}, read_only=True) == [
            [i]
        ]
    lanes = _LANES[client]
    assert lanes.leased == 1 and len(lanes.idle) == 1
    await client.aclose()


async def test_lanes_leave_the_pool_room_for_other_commands(store: FalkorStore) -> None:
    client = _client(store.url, 4)  # lanes may lease 2 of 4

    async def slow(i: int) -> list[list[object]]:
        return await run_query(
            client,
            store.graph_name,
            "UNWIND range(1, 20000) AS x RETURN $i, count(x)",
            {"i": i},
            read_only=True,
        )

    results = await asyncio.gather(*(slow(i) for i in range(6)), client.ping())
    assert [r[0][0] for r in results[:6]] == list(range(6))  # type: ignore[index]
    assert _LANES[client].leased <= 2
    assert await client.ping()  # idle leases never starve the client's own commands
    await client.aclose()


async def test_a_killed_connection_is_replaced(
    store: FalkorStore, falkordb: EmbeddedFalkorDB, redis_client: redis.Redis
) -> None:
    client = _client(store.url, 8)
    await run_query(client, store.graph_name, "RETURN 1", None, read_only=True)
    redis_client.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
    rows = await run_query(client, store.graph_name, "RETURN 2", None, read_only=True)
    assert rows == [[2]]
    with pytest.raises(redis.ResponseError):  # an error reply is raised, the lane stays
        await run_query(client, store.graph_name, "RETURN nosuchfn(1)", None, read_only=True)
    assert await run_query(client, store.graph_name, "RETURN 3", None, read_only=True) == [[3]]
    await client.aclose()
