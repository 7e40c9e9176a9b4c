"""Reads take one or two Cypher queries each, counted on the real server (INFO commandstats)."""

from __future__ import annotations

from typing import Any

import redis
from starlette.testclient import TestClient

from tests.api.conftest import gql


def graph_reads(client: redis.Redis) -> int:
    stats: dict[str, Any] = client.info("commandstats")
    return sum(
        int(v["calls"])
        for k, v in stats.items()
        if k.lower() in ("cmdstat_graph.ro_query", "cmdstat_graph.query")
    )


def queries_for(client: TestClient, redis_client: redis.Redis, query: str) -> tuple[int, Any]:
    gql(client, query)  # warm: the document cache and anything lazily loaded
    before = graph_reads(redis_client)
    body = gql(client, query)
    assert "errors" not in body, body
    return graph_reads(redis_client) - before, body["data"]


def test_ring_members_in_one_query(client: TestClient, redis_client: redis.Redis) -> None:
    n, data = queries_for(
        client, redis_client, '{ ring(id: "ring-a") { id score members { id riskScore role } } }'
    )
    assert n == 1
    assert [m["id"] for m in data["ring"]["members"]] == ["acc-1", "acc-2", "acc-3"]


def test_neighbourhood_count_is_one_query_and_full_is_two(
    client: TestClient, redis_client: redis.Redis
) -> None:
    n, data = queries_for(
        client, redis_client, '{ neighbourhood(id: "acc-1", hops: 2) { nodeCount truncated } }'
    )
    assert n == 1
    count = data["neighbourhood"]["nodeCount"]
    n, full = queries_for(
        client,
        redis_client,
        '{ neighbourhood(id: "acc-1", hops: 2) '
        "{ nodeCount nodes { id props } edges { source target type } } }",
    )
    assert n == 2
    assert full["neighbourhood"]["nodeCount"] == count == len(full["neighbourhood"]["nodes"])


def test_neighbourhood_budget_keeps_nearest_first(client: TestClient) -> None:
    one = gql(client, '{ neighbourhood(id: "acc-1", hops: 1, limit: 500) { nodes { id } } }')
    near = {n["id"] for n in one["data"]["neighbourhood"]["nodes"]}  # type: ignore[index]
    cut = gql(
        client,
        f'{{ neighbourhood(id: "acc-1", hops: 3, limit: {len(near)}) '
        "{ truncated nodes { id } } }",
    )
    sub = cut["data"]["neighbourhood"]  # type: ignore[index]
    assert sub["truncated"] is True
    assert {n["id"] for n in sub["nodes"]} == near  # every 1-hop node before any farther one


def test_ring_subgraph_in_two_queries(client: TestClient, redis_client: redis.Redis) -> None:
    n, data = queries_for(
        client,
        redis_client,
        '{ ring(id: "ring-a") { subgraph(limit: 50) '
        "{ truncated nodes { id type } edges { source target type } } } }",
    )
    assert n == 3  # the ring, its subgraph's nodes, the edges among them
    ids = {x["id"] for x in data["ring"]["subgraph"]["nodes"]}
    assert {"acc-1", "acc-2", "acc-3", "d-1"} <= ids
    small = gql(client, '{ ring(id: "ring-a") { subgraph(limit: 3) { truncated nodeCount } } }')
    assert small["data"]["ring"]["subgraph"] == {"truncated": True, "nodeCount": 3}  # type: ignore[index]
