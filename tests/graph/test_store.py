from __future__ import annotations

from typing import Any

import redis

from core.events import Event, parse_event
from core.scores import TxScore
from graph.falkordb_store import FalkorStore

SALT = "s"
T0 = 1_700_000_000_000


def ev(
    tx_id: str,
    kind: str,
    amount: float,
    account: str,
    other: str | None = None,
    ts: int = T0,
    **kw: Any,
) -> Event:
    raw: dict[str, Any] = {
        "tx_id": tx_id,
        "ts": ts,
        "kind": kind,
        "amount": amount,
        "account_id": account,
        **kw,
    }
    if kind == "transfer":
        raw["counterparty_id"] = other
    elif kind in ("payment", "refund"):
        raw["merchant_id"] = other
    return parse_event(raw, SALT)


def edge(store: FalkorStore, rel: str, src: str, dst: str) -> list[Any]:
    q = (
        f"MATCH (a {{id: $s}})-[e:{rel}]->(b {{id: $d}}) "
        "RETURN e.count, e.total, e.first_ts, e.last_ts"
    )
    rows = store.graph.ro_query(q, {"s": src, "d": dst}).result_set
    assert len(rows) == 1, rows
    return list(rows[0])


def test_money_edges_aggregate_pairs_within_and_across_batches(store: FalkorStore) -> None:
    # The same pair three times in one batch: the FalkorDB 4.16 crash case if not pre-summed.
    batch = [
        ev("t1", "transfer", 10, "a", "b", ts=T0 + 5),
        ev("t2", "transfer", 20, "a", "b", ts=T0 + 1),
        ev("t3", "transfer", 30, "a", "b", ts=T0 + 9),
        ev("t4", "payment", 7.5, "a", "m1", device_id="d1", ip="1.2.3.4"),
        ev("t5", "refund", 2.5, "a", "m1", device_id="d1"),
    ]
    result = store.apply_batch(batch)
    assert (result.applied, result.duplicates) == (5, 0)
    assert edge(store, "TRANSFERRED", "a", "b") == [3, 60.0, T0 + 1, T0 + 9]
    store.apply_batch([ev("t6", "transfer", 40, "a", "b", ts=T0 - 100)])
    assert edge(store, "TRANSFERRED", "a", "b") == [4, 100.0, T0 - 100, T0 + 9]
    assert edge(store, "PAID", "a", "m1") == [1, 7.5, T0, T0]
    assert edge(store, "REFUNDED", "m1", "a") == [1, 2.5, T0, T0]
    links = "MATCH (:Account {id: 'a'})-[e:USED|FROM_IP]->(x) RETURN type(e), x.id, e.first_ts"
    # 1.2.3.4 is one account's address so far: no IP node (graph/ipsightings.py)
    assert store.graph.ro_query(links).result_set == [["USED", "d1", T0]]


def test_resending_tx_ids_changes_nothing(store: FalkorStore) -> None:
    batch = [ev(f"t{i}", "payment", 1.0 + i, f"a{i % 3}", f"m{i % 2}") for i in range(20)]
    store.apply_batch(batch)
    before = store.counts()
    again = store.apply_batch(batch + [batch[0]])
    assert (again.applied, again.duplicates) == (0, 21)
    # a fresh store (new process, empty id cache) must agree
    other = FalkorStore(store.url, store.graph_name)
    assert other.apply_batch(batch[:5]).applied == 0
    assert store.counts() == before
    assert before["PAID"] == 20 and before["Account"] == 3 and before["Merchant"] == 2


def test_duplicate_tx_id_inside_one_batch_counts_once(store: FalkorStore) -> None:
    result = store.apply_batch(
        [ev("dup", "payment", 5, "a", "m"), ev("dup", "payment", 5, "a", "m")]
    )
    assert (result.applied, result.duplicates) == (1, 1)
    assert edge(store, "PAID", "a", "m")[:2] == [1, 5.0]


def test_transactions_found_by_id_and_time_with_scores(store: FalkorStore) -> None:
    events = [
        ev(f"t{i}", "transfer", 5, "a", "b", ts=T0 + i * 1000, country="DE") for i in range(10)
    ]
    store.apply_batch(events, {"t3": TxScore(91.0, "block", ("AMOUNT_SPIKE", "NEW_DEVICE"))})
    rec = store.find_transaction("t3")
    assert rec is not None
    assert (rec.account_id, rec.counterparty_id, rec.ts, rec.country) == ("a", "b", T0 + 3000, "DE")
    assert (rec.risk_score, rec.decision, rec.reasons) == (
        91.0,
        "block",
        ("AMOUNT_SPIKE", "NEW_DEVICE"),
    )
    assert store.find_transaction("nope") is None
    window = store.find_transactions_between(T0 + 2000, T0 + 5000)
    assert [r.id for r in window] == ["t2", "t3", "t4", "t5"]


def test_account_events_link_shared_identities(store: FalkorStore) -> None:
    accounts = [
        parse_event(
            {
                "event": "account",
                "account_id": f"a{i}",
                "opened_at": T0,
                "phone": "+1 555 0100",
                "email": f"u{i}@x.org",
            },
            SALT,
        )
        for i in range(3)
    ]
    assert store.apply_batch(accounts).accounts == 3
    store.apply_batch(accounts)  # idempotent: MERGE, no counters
    q = "MATCH (a:Account)-[:HAS_PHONE]->(p:Phone) RETURN p.id, count(a)"
    rows = store.graph.ro_query(q).result_set
    assert len(rows) == 1 and rows[0][1] == 3 and "555" not in rows[0][0]
    counts = store.counts()
    assert counts["Email"] == 3 and counts["Account"] == 3
    opened = store.graph.ro_query("MATCH (a:Account {id: 'a1'}) RETURN a.opened_at").result_set
    assert opened == [[T0]]


def test_edge_log_records_each_applied_transaction_once(store: FalkorStore) -> None:
    batch = [ev(f"t{i}", "transfer", 3, "a", "b") for i in range(5)]
    store.apply_batch(batch)
    store.apply_batch(batch)
    client = redis.Redis.from_url(store.url, decode_responses=True)
    import orjson

    rows = [r for _, f in client.xrange(store.log_key) for r in orjson.loads(f["rows"])]
    client.close()
    assert sorted(r[1] for r in rows) == [f"t{i}" for i in range(5)]
    assert rows[0][:7] == ["t", "t0", T0, "transfer", 3.0, "a", "b"]


def test_deleted_graph_is_noticed_and_rebuilt(store: FalkorStore) -> None:
    store.apply_batch([ev("t1", "payment", 1, "a", "m")])
    store.graph.delete()
    result = store.apply_batch([ev("t1", "payment", 1, "a", "m")])
    assert result.applied == 1
    assert store.counts()["PAID"] == 1


def test_transaction_columns_follow_the_event_model() -> None:
    from core.events import TransactionEvent
    from graph.batch import TX_EVENT_COLUMNS

    assert tuple(TransactionEvent.model_fields) == TX_EVENT_COLUMNS


def test_schema_creation_is_safe_when_processes_race(store: FalkorStore) -> None:
    import threading

    from graph.schema import ensure_schema

    name = f"{store.graph_name}-race"
    errors: list[BaseException] = []

    def create() -> None:
        try:
            ensure_schema(FalkorStore(store.url, name).graph)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=create) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.redis.delete(name)
    assert errors == []
