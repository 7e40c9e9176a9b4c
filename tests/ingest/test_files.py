from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import redis

from core.errors import RingscopeError
from graph.falkordb_store import FalkorStore
from ingest.files import load_files
from ingest.pipeline import Pipeline
from tests.ingest.conftest import expected_counts, make_events, observed, write_jsonl

COLUMNS = [
    "tx_id",
    "ts",
    "kind",
    "amount",
    "account_id",
    "counterparty_id",
    "merchant_id",
    "device_id",
]


def test_jsonl_load_is_exact_and_idempotent(
    tmp_path: Path, store: FalkorStore, pipeline: Pipeline
) -> None:
    events = make_events(1500)
    path = write_jsonl(tmp_path / "tx.jsonl", events)
    first = load_files([path], pipeline, batch_size=400)
    assert (first.result.applied, first.read) == (1500, 1500)
    assert observed(store) == expected_counts(events)
    again = load_files([path], pipeline, batch_size=400)
    assert (again.result.applied, again.result.duplicates) == (0, 1500)
    assert observed(store) == expected_counts(events)


def test_csv_parquet_and_gzip_give_the_same_graph(
    tmp_path: Path, store: FalkorStore, pipeline: Pipeline
) -> None:
    events = make_events(600, seed=2)
    parts = [events[:200], events[200:400], events[400:]]
    csv_path = tmp_path / "a.csv.gz"
    with gzip.open(csv_path, "wt", newline="") as fh:
        writer = csv.DictWriter(fh, COLUMNS)
        writer.writeheader()
        writer.writerows(parts[0])
    table = pa.Table.from_pylist([{c: e.get(c) for c in COLUMNS} for e in parts[1]])
    pq.write_table(table, tmp_path / "b.parquet")
    with gzip.open(tmp_path / "c.jsonl.gz", "wt") as fh:
        fh.writelines(json.dumps(e) + "\n" for e in parts[2])
    summary = load_files([csv_path, tmp_path / "b.parquet", tmp_path / "c.jsonl.gz"], pipeline)
    assert summary.result.applied == 600 and not summary.result.rejected
    assert observed(store) == expected_counts(events)
    amount = store.find_transaction(events[0]["tx_id"])
    assert amount is not None and amount.amount == events[0]["amount"]


def test_bad_rows_are_dead_lettered_with_reasons(
    tmp_path: Path, store: FalkorStore, pipeline: Pipeline, settings
) -> None:  # type: ignore[no-untyped-def]
    good = make_events(50, seed=3)
    lines = (
        [json.dumps(e) for e in good[:25]]
        + [
            "{broken json",
            json.dumps({"tx_id": "x1", "ts": 1, "kind": "transfer"}),
            json.dumps({**good[0], "tx_id": "neg", "amount": -3}),
            json.dumps({**good[0], "tx_id": "huge", "account_id": "a" * 100_000}),
        ]
        + [json.dumps(e) for e in good[25:]]
    )
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    summary = load_files([path], pipeline)
    assert summary.result.applied == 50 and len(summary.result.rejected) == 4
    client = redis.Redis.from_url(store.url, decode_responses=True)
    dead = client.xrange(settings.dead_letter_stream)
    client.close()
    reasons = [f["reason"] for _, f in dead]
    assert any("not valid JSON" in r for r in reasons)
    assert any("amount: Input should be greater than 0" in r for r in reasons)
    assert any("larger than" in r for r in reasons)
    assert {f["source"] for _, f in dead} >= {"mixed.jsonl:26"}
    assert any(f["payload"] == "{broken json\n" for _, f in dead)


def test_missing_or_unknown_files_are_clear_errors(tmp_path: Path, pipeline: Pipeline) -> None:
    with pytest.raises(RingscopeError, match="no such file"):
        load_files([tmp_path / "nope.jsonl"], pipeline)
    (tmp_path / "x.txt").write_text("")
    with pytest.raises(RingscopeError, match="unknown file type"):
        load_files([tmp_path / "x.txt"], pipeline)


def test_parallel_loader_processes_give_the_exact_graph(
    tmp_path: Path, store: FalkorStore, settings
) -> None:  # type: ignore[no-untyped-def]
    from ingest.parallel import load_files_parallel
    from ringscope.bootstrap import LoaderPipelines

    events = make_events(2500, seed=8, accounts=300)
    path = write_jsonl(tmp_path / "tx.jsonl", events + events[:100])
    summary = load_files_parallel(
        [path], LoaderPipelines(settings, store.url), processes=2, batch_size=300
    )
    assert summary.read == 2600
    assert (summary.result.applied, summary.result.duplicates) == (2500, 100)
    assert observed(store) == expected_counts(events)
    paid = store.graph.ro_query("MATCH ()-[e:PAID]->() RETURN sum(e.total)").result_set[0][0]
    assert abs(paid - sum(e["amount"] for e in events if e["kind"] == "payment")) < 1e-6
