"""``ringscope ingest --bulk``: the same end state as the append path, and only on an empty graph."""

from __future__ import annotations

import json
import random
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import redis

from graph.bulk import BulkBuilder, GraphNotEmptyError
from graph.embedded import EmbeddedFalkorDB
from graph.falkordb_store import FalkorStore
from ingest.bulk import load_files_bulk
from ingest.files import load_files
from ringscope.bootstrap import LoaderPipelines, build_pipeline
from tests.ingest.conftest import T0, make_events, write_jsonl


def _rich_events(n: int, seed: int) -> list[dict[str, Any]]:
    """Every kind, per-session IPs, optional fields, some repeats and account events."""
    rng = random.Random(seed)
    events: list[dict[str, Any]] = make_events(n, seed=seed, accounts=80)
    for i, e in enumerate(events):
        e["ip"] = f"10.0.{rng.randrange(4)}.{i % 97}" if i % 3 else f"172.16.{i // 250}.{i % 250}"
        if i % 5 == 0:
            e.update(country="gb", city="Leeds", lat=53.8, lon=-1.55, card_id=f"c{i % 13}")
        if i % 7 == 0:
            e["label"] = "fraud" if i % 2 else "legit"
        if i % 11 == 0:
            e["ts"] = T0 - i * 500  # out of order: first_seen/first_ts come from the batch
    for a in range(0, 80, 3):
        events.insert(
            a * 7,
            {
                "event": "account",
                "account_id": f"acc-{a}",
                "opened_at": T0 - a * 1000,
                "email": f"p{a % 9}@x.org",
                "phone": f"+44 7700 {a % 5:06d}",
                "address": f"{a % 4} High St",
            },
        )
    events.insert(40, {"event": "account", "account_id": "acc-3", "opened_at": None})
    odd = 'acc "7" \\ ü'  # an id that JSON escapes: the sightings hash holds account ids as JSON
    for e in events:
        for key in ("account_id", "counterparty_id"):
            if e.get(key) == "acc-7":
                e[key] = odd
    return events + events[:50]  # the same tx_ids again: duplicates


def _state(r: redis.Redis, graph: str) -> dict[str, Any]:
    """Everything the graph and its keys hold, without internal ids or stream entry ids."""

    def rows(q: str) -> list[Any]:
        reply = r.execute_command("GRAPH.RO_QUERY", graph, q)
        return sorted(json.dumps(row, sort_keys=True, default=str) for row in reply[1])

    log = [orjson.loads(f[b"rows"]) for _, f in r.xrange(f"ringscope:{graph}:log")]
    return {
        "nodes": rows("MATCH (n) RETURN labels(n), properties(n)"),
        "edges": rows("MATCH (a)-[e]->(b) RETURN a.id, type(e), properties(e), b.id"),
        "indexes": rows(
            "CALL db.indexes() YIELD label, properties, types RETURN label, properties, types"
        ),
        "constraints": rows("CALL db.constraints()"),
        "applied": sorted(r.smembers(f"ringscope:{graph}:applied")),
        "ip_sightings": r.hgetall(f"ringscope:{graph}:ips"),
        "found_by_index": [_via_index(r, graph, q) for q in _INDEXED],
        "log": log,
    }


_INDEXED = [
    f"MATCH (n:{label}) WITH collect(n.id) AS ids UNWIND ids AS i MATCH (m:{label} {{id: i}}) "
    "RETURN count(m)"
    for label in ("Transaction", "Account", "Merchant", "Device", "IP", "Phone", "Email")
] + [
    "MATCH (t:Transaction) WITH collect(t.account_id) AS ids UNWIND ids AS i "
    "MATCH (x:Transaction {account_id: i}) RETURN count(x)",
    "MATCH (t:Transaction) WHERE t.ts >= 0 RETURN count(t)",
]


def _assert_same_state(want: FalkorStore, got: FalkorStore) -> None:
    """Everything ``_state`` reads is equal in the two graphs."""
    r = redis.Redis.from_url(want.url)
    try:
        expected, found = _state(r, want.graph_name), _state(r, got.graph_name)
        for part in expected:
            assert found[part] == expected[part], part
    finally:
        r.close()


def _via_index(r: redis.Redis, graph: str, query: str) -> int:
    plan = b" ".join(r.execute_command("GRAPH.EXPLAIN", graph, query))
    assert b"Index Scan" in plan, plan  # the lookup goes through the index
    return int(r.execute_command("GRAPH.RO_QUERY", graph, query)[1][0][0])


@pytest.fixture
def two_graphs(falkordb: EmbeddedFalkorDB) -> Iterator[tuple[FalkorStore, FalkorStore]]:
    names = [f"test-{uuid.uuid4().hex[:10]}" for _ in range(2)]
    stores = [FalkorStore(falkordb.url, n) for n in names]
    for s in stores:
        s.ensure_schema()
    yield stores[0], stores[1]
    cleanup = redis.Redis.from_url(falkordb.url)
    for n in names:
        cleanup.delete(n, *cleanup.keys(f"ringscope:{n}:*"))
    cleanup.close()
    for s in stores:
        s.close()


def _settings(store: FalkorStore) -> Any:
    from core.settings import load_settings

    return load_settings(
        falkordb_url=store.url,
        graph=store.graph_name,
        dead_letter_stream=f"{store.graph_name}:dead",
    )


def test_bulk_leaves_the_append_paths_state(
    tmp_path: Path, two_graphs: tuple[FalkorStore, FalkorStore]
) -> None:
    append, bulk = two_graphs
    events = _rich_events(1200, seed=5)
    files = [
        write_jsonl(tmp_path / "a.jsonl", events[:700]),
        write_jsonl(tmp_path / "b.jsonl", events[700:]),
    ]
    with (tmp_path / "b.jsonl").open("a") as fh:
        fh.write('{"tx_id": "bad", "kind": "payment"}\n')  # rejected alike by both paths
    pipe = build_pipeline(_settings(append), append, scoring=False)
    a = load_files(files, pipe, batch_size=256)
    pipe2 = build_pipeline(_settings(bulk), bulk, scoring=False)
    b = load_files_bulk(files, pipe2, BulkBuilder(bulk, chunk_bytes=20_000), batch_size=256)
    assert (b.result.applied, b.result.duplicates, b.result.accounts, len(b.result.rejected)) == (
        a.result.applied,
        a.result.duplicates,
        a.result.accounts,
        len(a.result.rejected),
    )
    assert a.result.duplicates == 46 and len(a.result.rejected) == 1  # 4 of the 50 are accounts
    r = redis.Redis.from_url(append.url)
    want, got = _state(r, append.graph_name), _state(r, bulk.graph_name)
    for part in want:
        assert got[part] == want[part], part
    assert len(want["nodes"]) > 1000 and len(want["log"]) == 5
    kinds = {value == b"" for value in want["ip_sightings"].values()}
    assert kinds == {True, False}  # addresses shared (IP nodes) and one account's (none)
    # the append path takes over from there: loading again adds no transaction
    again = load_files(files, pipe2, batch_size=256)
    assert (again.result.applied, again.result.duplicates) == (0, 1246)
    after = _state(r, bulk.graph_name)
    assert {k: after[k] for k in ("nodes", "edges", "applied")} == {
        k: got[k] for k in ("nodes", "edges", "applied")
    }
    r.close()


def test_bulk_with_loader_processes_builds_the_same_graph(
    tmp_path: Path, two_graphs: tuple[FalkorStore, FalkorStore]
) -> None:
    append, bulk = two_graphs
    events = _rich_events(1500, seed=6)[:-50]  # no repeats: which copy counts is a race
    files = [write_jsonl(tmp_path / "a.jsonl", events)]
    pipe = build_pipeline(_settings(append), append, scoring=False)
    a = load_files(files, pipe, batch_size=200)
    pipe2 = build_pipeline(_settings(bulk), bulk, scoring=False)
    b = load_files_bulk(
        files,
        pipe2,
        BulkBuilder(bulk, chunk_bytes=30_000),
        batch_size=200,
        processes=2,
        loaders=LoaderPipelines(_settings(bulk), bulk.url),
    )
    assert (b.result.applied, b.result.accounts, b.read) == (1500, a.result.accounts, a.read)
    r = redis.Redis.from_url(append.url)
    want, got = _state(r, append.graph_name), _state(r, bulk.graph_name)
    for part in ("nodes", "edges", "indexes", "constraints", "applied"):
        assert got[part] == want[part], part
    assert sorted(map(str, got["log"])) == sorted(map(str, want["log"]))  # entries in any order
    r.close()


class _SlowFinish(BulkBuilder):
    def finish(self) -> None:
        super().finish()
        time.sleep(1.0)  # an end phase as long as a large build's


def test_bulk_summary_times_the_whole_build(
    tmp_path: Path, two_graphs: tuple[FalkorStore, FalkorStore]
) -> None:
    """The rate ``ringscope ingest --bulk`` prints counts the end phase (accounts, edges,
    addresses), not only the time the loaders read."""
    _, bulk = two_graphs
    files = [write_jsonl(tmp_path / "a.jsonl", _rich_events(300, seed=7)[:-50])]
    pipe = build_pipeline(_settings(bulk), bulk, scoring=False)
    started = time.perf_counter()
    b = load_files_bulk(
        files,
        pipe,
        _SlowFinish(bulk),
        batch_size=100,
        processes=2,
        loaders=LoaderPipelines(_settings(bulk), bulk.url),
    )
    wall = time.perf_counter() - started
    assert b.result.applied == 300
    assert wall - 0.5 < b.seconds <= wall


def test_bulk_refuses_a_graph_that_holds_anything(
    tmp_path: Path, two_graphs: tuple[FalkorStore, FalkorStore]
) -> None:
    store, _ = two_graphs
    path = write_jsonl(tmp_path / "a.jsonl", make_events(50, seed=3))
    pipe = build_pipeline(_settings(store), store, scoring=False)
    load_files([path], pipe, batch_size=20)
    before = _state(redis.Redis.from_url(store.url), store.graph_name)
    with pytest.raises(GraphNotEmptyError, match="not empty .*50 applied transactions"):
        load_files_bulk([path], pipe, BulkBuilder(store))
    assert _state(redis.Redis.from_url(store.url), store.graph_name) == before
    assert not store.redis.exists(store.lock_key)  # the lock is given back


@pytest.mark.parametrize("processes", [1, 2])
def test_a_build_past_its_memory_ends_early_and_the_append_path_loads_the_rest(
    tmp_path: Path, two_graphs: tuple[FalkorStore, FalkorStore], processes: int
) -> None:
    append, bulk = two_graphs
    events = _rich_events(2000, seed=8)[:-50]  # no repeats: which copy counts is a race
    files = [
        write_jsonl(tmp_path / "a.jsonl", events[:1100]),
        write_jsonl(tmp_path / "b.jsonl", events[1100:]),
    ]
    pipe = build_pipeline(_settings(append), append, scoring=False)
    a = load_files(files, pipe, batch_size=100)
    pipe2 = build_pipeline(_settings(bulk), bulk, scoring=False)
    builder = BulkBuilder(bulk, chunk_bytes=20_000, max_memory=1)  # past it at the first fold
    b = load_files_bulk(
        files,
        pipe2,
        builder,
        batch_size=100,
        processes=processes,
        loaders=LoaderPipelines(_settings(bulk), bulk.url),
    )
    assert (b.read, b.result.applied, b.result.accounts) == (
        a.read,
        a.result.applied,
        a.result.accounts,
    )
    [note] = b.notes
    assert "over the 0.00 GiB it may (--bulk-max-memory)" in note
    found = re.search(r"ended after (\d+) batches \(([\d,]+) events\)", note)
    assert found is not None, note
    batches, events_built = int(found[1]), int(found[2].replace(",", ""))
    # the batches read by the first fold were built (one, or a few loaded ahead), no more
    assert 1 <= batches <= 12 and events_built == 100 * batches
    assert 0 < builder.folded <= events_built
    r = redis.Redis.from_url(append.url)
    want, got = _state(r, append.graph_name), _state(r, bulk.graph_name)
    if processes == 1:
        parts = ("nodes", "edges", "indexes", "constraints", "applied", "ip_sightings")
    else:  # the rest was appended by two processes, whose batches commit in either order: a
        # first_seen or first_ts is the first committed batch's, so those are left out
        parts = ("indexes", "constraints", "applied", "found_by_index")
        assert _order_free(r, bulk.graph_name) == _order_free(r, append.graph_name)
    for part in parts:
        assert got[part] == want[part], part
    assert sorted(map(str, got["log"])) == sorted(map(str, want["log"]))  # entries in any order
    assert not bulk.redis.exists(bulk.lock_key)
    r.close()


def _order_free(r: redis.Redis, graph: str) -> dict[str, Any]:
    """What the graph holds that does not depend on the order batches were committed in."""

    def rows(q: str) -> list[Any]:
        reply = r.execute_command("GRAPH.RO_QUERY", graph, q)
        return sorted(json.dumps(row, sort_keys=True, default=str) for row in reply[1])

    sightings = r.hgetall(f"ringscope:{graph}:ips")
    return {
        "transactions": rows("MATCH (t:Transaction) RETURN properties(t)"),
        "nodes": rows("MATCH (n) WHERE NOT n:Transaction RETURN labels(n), n.id, n.opened_at"),
        "edges": rows("MATCH (a)-[e]->(b) RETURN a.id, type(e), e.count, e.total, e.last_ts, b.id"),
        "sightings": {ip: v == b"" or orjson.loads(v)[0] for ip, v in sightings.items()},
    }


def test_bulk_command_builds_and_then_refuses(
    tmp_path: Path, falkordb: EmbeddedFalkorDB, two_graphs: tuple[FalkorStore, FalkorStore]
) -> None:
    import subprocess
    import sys

    store, _ = two_graphs
    path = write_jsonl(tmp_path / "a.jsonl", make_events(300, seed=4))
    env = {"FALKORDB_URL": falkordb.url, "RINGSCOPE_GRAPH": store.graph_name}
    cmd = [sys.executable, "-m", "ringscope", "ingest", str(path), "--bulk"]
    import os

    done = subprocess.run(cmd, env={**os.environ, **env}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert store.counts()["Transaction"] == 300
    refused = subprocess.run(cmd, env={**os.environ, **env}, capture_output=True, text=True)
    assert refused.returncode == 2
    assert "is not empty" in refused.stderr
    assert store.counts()["Transaction"] == 300
    store.redis.delete(store.graph_name, store.seen_key, store.log_key, store.ips_key)
    small = [*cmd, "--batch-size", "50", "--processes", "1", "--bulk-max-memory", "0.01"]
    done = subprocess.run(small, env={**os.environ, **env}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stderr.split())
    assert "note: the --bulk build held" in said and "the append path loaded the other" in said
    assert store.counts()["Transaction"] == 300
    assert not store.redis.exists(store.lock_key)


@pytest.mark.parametrize("max_memory", [None, 1], ids=["whole", "past-its-memory"])
def test_bulk_with_scoring_leaves_the_same_features_and_scores(
    tmp_path: Path, two_graphs: tuple[FalkorStore, FalkorStore], max_memory: int | None
) -> None:
    append, bulk = two_graphs
    path = write_jsonl(tmp_path / "a.jsonl", make_events(600, seed=12, accounts=40))
    pipe = build_pipeline(_settings(append), append, scoring=True)
    load_files([path], pipe, batch_size=50)
    pipe2 = build_pipeline(_settings(bulk), bulk, scoring=True)
    b = load_files_bulk([path], pipe2, BulkBuilder(bulk, max_memory=max_memory), batch_size=50)
    if max_memory is not None:  # the build ends after the batches read by its first fold (a
        # few: the reader runs ahead); the append path, and its scoring, go on from there
        [note] = b.notes
        found = re.search(r"ended after (\d+) batches .* the other ([\d,]+) events", note)
        assert found is not None and 1 <= int(found[1]) <= 6 and int(found[2]) >= 300, note
    r = redis.Redis.from_url(append.url)
    want, got = _state(r, append.graph_name), _state(r, bulk.graph_name)
    for part in want:
        assert got[part] == want[part], part
    assert any("risk_score" in n for n in want["nodes"])

    def features(graph: str) -> dict[str, Any]:
        """The scorer's state keys (alerts aside: they carry fresh ids), graph name masked."""
        return {
            key.decode().replace(graph, "G"): _dump(r, key)
            for key in r.scan_iter(match=f"ringscope:{graph}:*", count=1000)
            if not key.decode().endswith((":log", ":applied")) and b":alerts:" not in key
        }

    f_want, f_got = features(append.graph_name), features(bulk.graph_name)
    assert f_want and f_got.keys() == f_want.keys()
    assert f_got == f_want
    r.close()


def _dump(r: redis.Redis, key: bytes) -> Any:
    kind = r.type(key).decode()
    if kind == "string":
        return r.get(key)
    if kind == "hash":
        return r.hgetall(key)
    if kind == "set":
        return sorted(r.smembers(key))
    if kind == "zset":
        return r.zrange(key, 0, -1, withscores=True)
    if kind == "list":
        return r.lrange(key, 0, -1)
    return kind


def _clean_file_with_repeats(tmp_path: Path, seed: int) -> list[Path]:
    """800 transaction events (no account events), then 150 of them again."""
    events = [e for e in _rich_events(900, seed=seed) if "event" not in e][:800]
    return [write_jsonl(tmp_path / "a.jsonl", events + events[100:150] + events[600:700])]


def _count_calls(monkeypatch: pytest.MonkeyPatch, planner: str) -> list[int]:
    """The batch sizes graph.bulkcolumns' ``planner`` is called with, from now on."""
    import graph.bulkcolumns

    planned: list[int] = []
    real = getattr(graph.bulkcolumns, planner)
    monkeypatch.setattr(
        graph.bulkcolumns, planner, lambda t, raws: planned.append(len(raws)) or real(t, raws)
    )
    return planned


def test_bulk_columnar_batches_leave_the_append_paths_state(
    tmp_path: Path, two_graphs: tuple[FalkorStore, FalkorStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches of clean transactions take the columnar plan; a batch whose tx_ids an earlier
    batch loaded goes back to the per-event plan, and the state is still the append path's."""
    planned = _count_calls(monkeypatch, "plan_columns")
    append, bulk = two_graphs
    files = _clean_file_with_repeats(tmp_path, seed=8)
    pipe = build_pipeline(_settings(append), append, scoring=False)
    a = load_files(files, pipe, batch_size=150)
    pipe2 = build_pipeline(_settings(bulk), bulk, scoring=False)
    b = load_files_bulk(files, pipe2, BulkBuilder(bulk, chunk_bytes=20_000), batch_size=150)
    assert (b.result.applied, b.result.duplicates) == (a.result.applied, a.result.duplicates)
    assert a.result.duplicates == 150 and len(planned) == 7  # all clean; the last two repeat
    _assert_same_state(append, bulk)


def test_a_refused_bulk_call_fails_the_build_and_leaves_the_graph_empty(
    tmp_path: Path, two_graphs: tuple[FalkorStore, FalkorStore]
) -> None:
    """GRAPH.BULK calls go out from a thread of their own: a call the server refuses (here: the
    graph was deleted under the build) still fails the build, which is then undone."""
    from core.errors import RingscopeError

    store, _ = two_graphs
    path = write_jsonl(tmp_path / "a.jsonl", make_events(300, seed=5))
    pipe = build_pipeline(_settings(store), store, scoring=False)
    builder = BulkBuilder(store, chunk_bytes=1024)  # a call every few transactions
    builder.begin()
    pipe.store = builder.writer()
    load_files([path], pipe, batch_size=50)
    store.redis.delete(store.graph_name)
    with pytest.raises(RingscopeError, match="GRAPH.BULK into .* failed: .*empty key"):
        builder.finish()
    builder.abort()
    assert not store.redis.exists(store.graph_name, store.seen_key, store.log_key)
    assert not store.redis.exists(store.lock_key)


def test_append_columnar_batches_leave_the_per_event_state(
    tmp_path: Path, two_graphs: tuple[FalkorStore, FalkorStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The append path plans clean batches column by column; the graph, applied set, edge log
    and sightings are those of the per-event plan, and so is a batch planned again for repeats."""
    planned = _count_calls(monkeypatch, "batch_plan")
    per_event, columnar = two_graphs
    files = _clean_file_with_repeats(tmp_path, seed=9)
    pipe = build_pipeline(_settings(columnar), columnar, scoring=False)
    b = load_files(files, pipe, batch_size=150)
    assert len(planned) == 7 and b.result.duplicates == 150
    monkeypatch.delattr(FalkorStore, "prepare_columns")
    pipe = build_pipeline(_settings(per_event), per_event, scoring=False)
    a = load_files(files, pipe, batch_size=150)
    assert len(planned) == 7
    assert (b.result.applied, b.result.duplicates) == (a.result.applied, a.result.duplicates)
    _assert_same_state(per_event, columnar)


def test_the_default_memory_cap_heeds_a_containers_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graph import memory

    (tmp_path / "meminfo").write_text("MemTotal: 67108864 kB\nMemAvailable: 33554432 kB\n")
    (tmp_path / "max").write_text("max\n")
    (tmp_path / "limit").write_text(f"{4 * memory.GIB}\n")
    (tmp_path / "usage").write_text(f"{1 * memory.GIB}\n")
    monkeypatch.setattr(memory, "MEMINFO", str(tmp_path / "meminfo"))
    unlimited = ((str(tmp_path / "max"), str(tmp_path / "usage")),)
    monkeypatch.setattr(memory, "CGROUP_FILES", unlimited)
    assert memory.default_bulk_limit() == 16 * memory.GIB  # half the machine's 32 GiB available
    limited = (*unlimited, (str(tmp_path / "limit"), str(tmp_path / "usage")))
    monkeypatch.setattr(memory, "CGROUP_FILES", limited)
    assert memory.default_bulk_limit() == int(1.5 * memory.GIB)  # half the container's 3 GiB left
