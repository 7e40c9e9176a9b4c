"""The Bolt store against FalkorDB's own Bolt endpoint, compared with the native store.

FalkorDB's endpoint always writes to its graph ``falkordb`` (docs/bolt.md), so this module has
its own server and empties that graph after each test.
"""

from __future__ import annotations

import random
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from falkordb import FalkorDB
from typer.testing import CliRunner

from core.errors import ConfigurationError
from core.events import Event, TransactionEvent, parse_event
from core.settings import Settings
from graph.bolt_params import BoltParameterError, chunk_rows, printed_size
from graph.bolt_store import BoltStore
from graph.embedded import EmbeddedFalkorDB
from graph.falkordb_store import FalkorStore
from ingest.simulator import SimConfig, simulate, write_dataset
from ringscope.bootstrap import open_store

SALT = "test-salt"
BOLT_GRAPH = "falkordb"  # the only graph FalkorDB's Bolt endpoint writes to
EDGES = (
    "MATCH (a)-[e]->(b) RETURN type(e), a.id, b.id, e.count, e.total, e.first_ts, e.last_ts "
    "ORDER BY type(e), a.id, b.id"
)


def free_bolt_port() -> int:
    """A free loopback port below 32768 (FalkorDB reads BOLT_PORT as a signed 16-bit int)."""
    for _ in range(200):
        port = random.randint(20000, 32000)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below 32768")


@pytest.fixture(scope="module")
def bolt_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedFalkorDB]:
    data = tmp_path_factory.mktemp("falkordb-bolt")
    with EmbeddedFalkorDB(data_dir=data, bolt_port=free_bolt_port()) as server:
        yield server


@pytest.fixture
def bolt(bolt_server: EmbeddedFalkorDB) -> Iterator[BoltStore]:
    store = BoltStore(f"bolt://127.0.0.1:{bolt_server.bolt_port}", "falkordb", "", "ringscope")
    store.ensure_schema()
    yield store
    store.close()
    client = redis.Redis.from_url(bolt_server.url)
    client.delete(BOLT_GRAPH)
    client.close()


@pytest.fixture
def native(bolt_server: EmbeddedFalkorDB) -> Iterator[FalkorStore]:
    store = FalkorStore(bolt_server.url, "native")
    store.ensure_schema()
    yield store
    client = redis.Redis.from_url(bolt_server.url)
    client.delete("native", *client.keys("ringscope:native:*"))
    client.close()
    store.close()


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim")
    write_dataset(simulate(SimConfig(accounts=400, days=4, seed=5, rings_per_typology=1)), out)
    return out


def read_events(folder: Path) -> list[Event]:
    lines = (folder / "accounts.jsonl").read_text().splitlines()
    lines += (folder / "transactions.jsonl").read_text().splitlines()
    return [parse_event(line, SALT) for line in lines]


def edges(server: EmbeddedFalkorDB, graph: str) -> list[list[Any]]:
    db = FalkorDB.from_url(server.url)
    rows = db.select_graph(graph).ro_query(EDGES).result_set
    db.connection.close()
    return [
        [*r[:5], r[5], r[6]] if r[4] is None else [*r[:4], round(r[4], 4), *r[5:]] for r in rows
    ]


def load(store: BoltStore | FalkorStore, events: list[Event], size: int = 700) -> None:
    for start in range(0, len(events), size):
        store.apply_batch(events[start : start + size])


def test_bolt_and_native_give_the_same_graph(
    bolt: BoltStore, native: FalkorStore, bolt_server: EmbeddedFalkorDB, dataset: Path
) -> None:
    events = read_events(dataset)
    load(bolt, events)
    load(native, events)
    assert bolt.flavour == "falkordb"
    counts = bolt.counts()
    assert counts == native.counts()
    assert counts["Transaction"] == sum(isinstance(e, TransactionEvent) for e in events)
    assert counts["TRANSFERRED"] > 0 and counts["PAID"] > 0
    assert edges(bolt_server, BOLT_GRAPH) == edges(bolt_server, "native")


def test_reingest_changes_nothing(bolt: BoltStore, dataset: Path) -> None:
    events = read_events(dataset)
    load(bolt, events)
    before = bolt.counts(), bolt.edge_totals()
    txs = [e for e in events if isinstance(e, TransactionEvent)]
    again = bolt.apply_batch(txs[:300] + txs[:50])  # re-sent, and repeated inside the batch
    assert (again.applied, again.duplicates) == (0, 350)
    load(bolt, events, size=1100)  # other batch boundaries
    assert (bolt.counts(), bolt.edge_totals()) == before


def test_a_batch_cut_short_and_sent_again_counts_once(
    bolt: BoltStore, native: FalkorStore, bolt_server: EmbeddedFalkorDB, dataset: Path
) -> None:
    """FalkorDB's endpoint keeps no transaction: a batch may stop after any query."""
    events = read_events(dataset)[:1500]
    plan = bolt._settle_ips(bolt.prepare_batch(events))  # as apply_prepared does first
    transfers = [row for row in plan.txs if row[2] == "transfer"]
    assert len(transfers) > 20
    with bolt._session() as session:  # the batch's first queries, then a "crash"
        session.execute_write(bolt._write_entities, plan)
        made = session.execute_write(bolt._write_rows, "apply_transfers", transfers[:20])
    assert made == 20
    result = bolt.apply_batch(events)
    assert result.applied == len(plan.txs) - 20 and result.duplicates == 20
    native.apply_batch(events)
    assert bolt.counts() == native.counts()
    assert edges(bolt_server, BOLT_GRAPH) == edges(bolt_server, "native")


def test_transaction_lookups(bolt: BoltStore, dataset: Path) -> None:
    events = read_events(dataset)
    load(bolt, events)
    txs = sorted((e for e in events if isinstance(e, TransactionEvent)), key=lambda e: e.ts)
    tx = next(t for t in txs if t.kind == "transfer")
    record = bolt.find_transaction(tx.tx_id)
    assert record is not None
    assert (record.id, record.ts, record.amount, record.account_id, record.counterparty_id) == (
        tx.tx_id,
        tx.ts,
        tx.amount,
        tx.account_id,
        tx.counterparty_id,
    )
    assert bolt.find_transaction("no-such-tx") is None
    since, until = txs[100].ts, txs[199].ts
    window = bolt.find_transactions_between(since, until, limit=5000)
    assert len(window) == sum(since <= t.ts <= until for t in txs)
    assert [r.ts for r in window] == sorted(r.ts for r in window)
    assert bolt.applied_ids([txs[0].tx_id, "no-such-tx"]) == {txs[0].tx_id}


def test_values_the_endpoint_would_corrupt_are_refused(
    bolt: BoltStore, bolt_server: EmbeddedFalkorDB
) -> None:
    raw = '{"tx_id": "t-1", "ts": 1700000000000, "kind": "payment", "amount": 5, '
    event = parse_event(raw + '"account_id": "o\'brien", "merchant_id": "m-1"}', SALT)
    with pytest.raises(BoltParameterError, match="quote"):
        bolt.apply_batch([event])
    assert bolt.counts().get("Transaction", 0) == 0
    assert redis.Redis.from_url(bolt_server.url).ping()  # and the server is still up


def test_chunks_fit_the_endpoint_buffer() -> None:
    rows = [[f"id-{i:06d}", 1_700_000_000_000 + i, 12.5, None] for i in range(3000)]
    chunks = list(chunk_rows(rows, 3000))
    assert sum(len(c) for c in chunks) == 3000 and len(chunks) > 10
    assert all(printed_size(c) <= 3000 for c in chunks)
    assert len(list(chunk_rows(rows, None))) == 1
    with pytest.raises(BoltParameterError):
        list(chunk_rows([["x" * 5000]], 3000))


def test_open_store_selects_bolt(bolt_server: EmbeddedFalkorDB, tmp_path: Path) -> None:
    uri = f"bolt://127.0.0.1:{bolt_server.bolt_port}"
    settings = Settings(store="bolt", neo4j_uri=uri, neo4j_user="falkordb", data_dir=tmp_path)
    try:
        with open_store(settings) as store:
            assert isinstance(store, BoltStore)
            assert store.counts() == {} or "Transaction" not in store.counts()
    finally:
        redis.Redis.from_url(bolt_server.url).delete(BOLT_GRAPH)
    with (
        pytest.raises(ConfigurationError, match="NEO4J_URI"),
        open_store(Settings(store="bolt", data_dir=tmp_path)),
    ):
        pass


def test_cli_ingest_through_bolt_gives_exact_counts(
    bolt_server: EmbeddedFalkorDB, dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ringscope.cli import app

    for name, value in {
        "RINGSCOPE_STORE": "bolt",
        "NEO4J_URI": f"bolt://127.0.0.1:{bolt_server.bolt_port}",
        "NEO4J_USER": "falkordb",
        "NEO4J_PASSWORD": "",
        "RINGSCOPE_DATA_DIR": str(tmp_path),
    }.items():
        monkeypatch.setenv(name, value)
    files = [str(dataset / "accounts.jsonl"), str(dataset / "transactions.jsonl")]
    try:
        result = CliRunner().invoke(app, ["ingest", *files])
        assert result.exit_code == 0, result.output
        db = FalkorDB.from_url(bolt_server.url).select_graph(BOLT_GRAPH)
        count = db.ro_query("MATCH (:Account)-[r:TRANSFERRED]->() RETURN sum(r.count)")
        lines = (dataset / "transactions.jsonl").read_text().splitlines()
        assert count.result_set[0][0] == sum('"kind":"transfer"' in ln for ln in lines)
    finally:
        redis.Redis.from_url(bolt_server.url).delete(BOLT_GRAPH)
