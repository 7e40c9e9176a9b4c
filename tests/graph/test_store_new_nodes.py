"""The append path CREATEs absent nodes and the edges at them; a second writer, whose cache
knows nothing, finds what the first created and neither duplicates a node nor an edge."""

from __future__ import annotations

from graph.falkordb_store import FalkorStore
from tests.graph.test_store import T0, edge, ev


def _one(store: FalkorStore, query: str) -> int:
    return int(store.graph.ro_query(query).result_set[0][0])


def test_writers_with_cold_caches_share_nodes_and_edges(store: FalkorStore) -> None:
    store.apply_batch(
        [
            ev("t1", "transfer", 10, "a", "b", ts=T0 + 5, ip="1.1.1.1", device_id="d1"),
            ev("t2", "payment", 5, "a", "m", ts=T0 + 3, ip="2.2.2.2", device_id="d1"),
        ]
    )
    other = FalkorStore(store.url, store.graph_name)  # a second process: empty caches
    try:
        result = other.apply_batch(
            [
                ev("t3", "transfer", 1, "a", "b", ts=T0 + 1, ip="1.1.1.1", device_id="d1"),
                ev("t4", "transfer", 2, "b", "c", ts=T0 + 9, ip="3.3.3.3", device_id="d2"),
                ev("t5", "payment", 4, "a", "m", ts=T0 + 2, ip="2.2.2.2"),
                ev("t6", "payment", 6, "c", "m", ts=T0 + 7, ip="3.3.3.3"),
            ]
        )
    finally:
        other.close()
    assert result.applied == 4
    # 1.1.1.1 and 2.2.2.2 are a's alone; b and c share 3.3.3.3 (graph/ipsightings.py)
    for label, n in (("Account", 3), ("Merchant", 1), ("IP", 1), ("Device", 2)):
        assert _one(store, f"MATCH (n:{label}) RETURN count(n)") == n, label
    assert edge(store, "TRANSFERRED", "a", "b") == [2, 11.0, T0 + 1, T0 + 5]  # merged
    assert edge(store, "TRANSFERRED", "b", "c") == [1, 2.0, T0 + 9, T0 + 9]  # created (c new)
    assert edge(store, "PAID", "a", "m") == [2, 9.0, T0 + 2, T0 + 3]
    assert edge(store, "PAID", "c", "m") == [1, 6.0, T0 + 7, T0 + 7]
    assert _one(store, "MATCH ()-[e:FROM_IP]->() RETURN count(e)") == 2  # b-3, c-3
    assert _one(store, "MATCH ()-[e:USED]->() RETURN count(e)") == 2
    first = store.graph.ro_query("MATCH (n:IP {id: '3.3.3.3'}) RETURN n.first_seen").result_set
    assert first == [[T0 + 7]]  # CREATEd with the batch's first sighting


def test_a_resent_batch_with_new_transactions_creates_only_what_they_name(
    store: FalkorStore,
) -> None:
    """One round trip learns which tx_ids are applied and which nodes exist; the transactions
    already applied are dropped, and only nodes the new ones name are created."""
    store.apply_batch([ev("r1", "transfer", 10, "ra", "rb", ts=T0 + 5, ip="9.9.9.1")])
    other = FalkorStore(store.url, store.graph_name)  # cold caches
    try:
        result = other.apply_batch(
            [
                ev("r1", "transfer", 10, "ra", "rb", ts=T0 + 5, ip="9.9.9.1"),  # applied
                ev("r0", "transfer", 3, "rz", "ry", ts=T0 + 1, ip="9.9.9.9"),  # again below
                ev("r2", "transfer", 4, "ra", "rc", ts=T0 + 6, ip="9.9.9.2"),  # new
            ]
        )
        again = other.apply_batch([ev("r0", "transfer", 3, "rz", "ry", ts=T0 + 1)])
    finally:
        other.close()
    assert (result.applied, result.duplicates) == (2, 1)
    assert (again.applied, again.duplicates) == (0, 1)
    ids = "['ra', 'rb', 'rc', 'ry', 'rz']"
    assert _one(store, f"MATCH (n:Account) WHERE n.id IN {ids} RETURN count(n)") == 5
    sightings = store.redis.hgetall(store.ips_key)  # one account each: no IP node yet
    assert sorted(sightings) == ["9.9.9.1", "9.9.9.2", "9.9.9.9"]
    assert edge(store, "TRANSFERRED", "ra", "rb") == [1, 10.0, T0 + 5, T0 + 5]  # not twice
    assert edge(store, "TRANSFERRED", "ra", "rc") == [1, 4.0, T0 + 6, T0 + 6]
    assert _one(store, "MATCH (t:Transaction) WHERE t.id STARTS WITH 'r' RETURN count(t)") == 3


def test_rows_mapped_before_the_lock_are_dropped_when_the_ids_were_forgotten(
    store: FalkorStore,
) -> None:
    """A batch's edge rows are mapped to internal ids from the cache before the writer lock
    (graph.writeparams.Premapped); if the ids are forgotten in between (the graph was deleted, the
    server came back from its AOF), they are mapped again, not written to whatever node now
    holds an old id."""
    store.apply_batch([ev("p1", "transfer", 1, "pa", "pb", ts=T0, device_id="pd")])
    plan = store.prepare_batch([ev("p2", "transfer", 5, "pa", "pb", ts=T0 + 1, device_id="pd")])
    store.redis.delete(store.graph_name)  # gone: the next nodes get the old ids
    store.apply_batch([ev("x1", "transfer", 2, "xa", "xb", ts=T0, device_id="xd")])
    store.apply_prepared(plan)
    assert edge(store, "TRANSFERRED", "pa", "pb") == [1, 5.0, T0 + 1, T0 + 1]
    assert edge(store, "TRANSFERRED", "xa", "xb") == [1, 2.0, T0, T0]  # untouched
    used = "MATCH (a:Account)-[:USED]->(d:Device) RETURN a.id, d.id ORDER BY a.id"
    assert store.graph.ro_query(used).result_set == [["pa", "pd"], ["xa", "xd"]]
