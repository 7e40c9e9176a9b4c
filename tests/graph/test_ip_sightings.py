"""An address enters the graph when a second account uses it (graph/ipsightings.py): until then
the sightings hash keeps its one account and first ts, and no IP node or FROM_IP edge exists."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

import graph.falkordb_store
from graph.falkordb_store import FalkorStore
from tests.graph.test_store import T0, ev


def _ip_links(store: FalkorStore, ip: str) -> list[list[Any]]:
    q = "MATCH (a:Account)-[e:FROM_IP]->(n:IP {id: $ip}) RETURN a.id, e.first_ts ORDER BY a.id"
    return store.graph.ro_query(q, {"ip": ip}).result_set


def _first_seen(store: FalkorStore, ip: str) -> list[list[Any]]:
    return store.graph.ro_query("MATCH (n:IP {id: $ip}) RETURN n.first_seen", {"ip": ip}).result_set


def test_a_second_account_brings_the_node_and_both_links(store: FalkorStore) -> None:
    store.apply_batch([ev("s1", "payment", 1, "a", "m", ts=T0 + 5, ip="7.7.7.7")])
    store.apply_batch([ev("s2", "payment", 1, "a", "m", ts=T0 + 1, ip="7.7.7.7")])  # a again
    assert _first_seen(store, "7.7.7.7") == []
    assert orjson.loads(store.redis.hget(store.ips_key, "7.7.7.7")) == ["a", T0 + 5]
    tx = store.graph.ro_query("MATCH (t:Transaction {id: 's1'}) RETURN t.ip").result_set
    assert tx == [["7.7.7.7"]]  # the address stays on the transaction

    other = FalkorStore(store.url, store.graph_name)  # another process: cold caches
    try:
        other.apply_batch([ev("s3", "payment", 1, "b", "m", ts=T0 + 9, ip="7.7.7.7")])
    finally:
        other.close()
    assert _first_seen(store, "7.7.7.7") == [[T0 + 5]]  # the first sighting's batch
    assert _ip_links(store, "7.7.7.7") == [["a", T0 + 5], ["b", T0 + 9]]
    assert store.redis.hget(store.ips_key, "7.7.7.7") == ""  # the node exists now

    third = FalkorStore(store.url, store.graph_name)  # finds the node through the hash
    try:
        third.apply_batch(
            [
                ev("s4", "payment", 1, "c", "m", ts=T0 + 12, ip="7.7.7.7"),
                ev("s5", "payment", 1, "a", "m", ts=T0, ip="7.7.7.7"),
            ]
        )
    finally:
        third.close()
    assert _ip_links(store, "7.7.7.7") == [["a", T0 + 5], ["b", T0 + 9], ["c", T0 + 12]]
    assert store.graph.ro_query("MATCH (n:IP) RETURN count(n)").result_set == [[1]]


def test_two_accounts_in_one_batch_make_the_node_at_once(store: FalkorStore) -> None:
    store.apply_batch(
        [
            ev("u1", "payment", 1, "a", "m", ts=T0 + 4, ip="8.8.8.8"),
            ev("u2", "transfer", 1, "b", "a", ts=T0 + 2, ip="8.8.8.8"),
        ]
    )
    assert _first_seen(store, "8.8.8.8") == [[T0 + 2]]
    assert _ip_links(store, "8.8.8.8") == [["a", T0 + 4], ["b", T0 + 2]]


def test_a_failed_write_takes_back_the_sightings(
    store: FalkorStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.apply_batch([ev("f1", "payment", 1, "a", "m", ts=T0, ip="6.6.6.6")])
    logged = store.redis.xlen(store.log_key)
    # the graph query fails inside EXEC, after GRAPH.BULK inserted the batch's Transaction nodes
    real = graph.falkordb_store.query_bytes
    monkeypatch.setattr(
        graph.falkordb_store,
        "query_bytes",
        lambda name: b"RETURN $no_such_parameter" if name == "apply_batch" else real(name),
    )
    with pytest.raises(Exception, match="batch not applied"):
        store.apply_batch(
            [
                ev("f2", "payment", 1, "b", "m", ts=T0 + 1, ip="6.6.6.6"),
                ev("f3", "payment", 1, "c", "m", ts=T0 + 2, ip="5.5.5.5"),
            ]
        )
    assert orjson.loads(store.redis.hget(store.ips_key, "6.6.6.6")) == ["a", T0]
    assert store.redis.hget(store.ips_key, "5.5.5.5") is None
    assert store.applied_ids(["f2", "f3"]) == set()
    assert store.find_transaction("f2") is None and store.find_transaction("f3") is None
    assert store.find_transaction("f1") is not None
    assert store.redis.xlen(store.log_key) == logged  # its edge-log entry taken back too


def test_a_failed_insert_applies_nothing(
    store: FalkorStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GRAPH.BULK refuses the batch's Transaction records: the query in the same EXEC finds them
    missing and applies nothing, and the markers are taken back."""
    store.apply_batch([ev("g1", "transfer", 5, "a", "b", ts=T0, ip="7.7.7.7")])
    logged = store.redis.xlen(store.log_key)
    monkeypatch.setattr(graph.falkordb_store, "tx_insert_args", lambda n, b: ["x", 0, 1, 0, b])
    with pytest.raises(Exception, match="batch not applied"):
        store.apply_batch([ev("g2", "transfer", 7, "a", "b", ts=T0 + 1, ip="7.7.7.8")])
    assert store.applied_ids(["g2"]) == set()
    assert store.find_transaction("g2") is None
    assert store.redis.hget(store.ips_key, "7.7.7.8") is None
    rows = store.graph.query(
        "MATCH (:Account {id: 'a'})-[e:TRANSFERRED]->(:Account {id: 'b'}) RETURN e.count, e.total"
    ).result_set
    assert rows == [[1, 5.0]]
    assert store.redis.xlen(store.log_key) == logged
