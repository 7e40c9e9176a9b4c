"""Files never abort on a line: bad lines are dead-lettered with file:line, the rest loads; a
corrupt container stops only its file, with one message that names it."""

from __future__ import annotations

import base64
import csv
import gzip
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import redis

from core.settings import Settings
from graph.falkordb_store import FalkorStore
from ingest.files import load_files
from ingest.pipeline import Pipeline
from tests.ingest.conftest import expected_counts, make_events, observed, write_jsonl
from tests.ingest.test_files import COLUMNS


def dead(store: FalkorStore, settings: Settings) -> list[dict[str, str]]:
    client = redis.Redis.from_url(store.url, decode_responses=True)
    try:
        return [f for _, f in client.xrange(settings.dead_letter_stream)]
    finally:
        client.close()


def test_bad_bytes_and_overlong_lines_are_dead_lettered_and_the_rest_loads(
    tmp_path: Path, store: FalkorStore, pipeline: Pipeline, settings: Settings
) -> None:
    events = make_events(40, seed=61)
    lines = [json.dumps(e).encode() for e in events]
    lines.insert(10, b'{"tx_id": "bad-\xff\xfe", "ts": 1}')  # line 11: not UTF-8
    lines.insert(20, b'{"tx_id": "' + b"y" * 3_000_000 + b'"}')  # line 21: 3 MB, no newline soon
    path = tmp_path / "dirty.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    summary = load_files([path], pipeline, batch_size=7)
    assert summary.result.applied == 40 and summary.read == 42 and not summary.errors
    assert observed(store) == expected_counts(events)
    entries = {d["source"]: d for d in dead(store, settings)}
    assert set(entries) == {"dirty.jsonl:11", "dirty.jsonl:21"}
    assert entries["dirty.jsonl:11"]["reason"].startswith("line: not valid UTF-8")
    assert entries["dirty.jsonl:11"]["encoding"] == "base64"
    assert base64.b64decode(entries["dirty.jsonl:11"]["payload"]).startswith(b'{"tx_id": "bad-\xff')
    limit = pipeline.max_event_bytes
    assert entries["dirty.jsonl:21"]["reason"] == f"line: larger than {limit} bytes (3000014)"


def test_csv_with_overlong_field_bad_bytes_and_multiline_cell_loads_the_rest(
    tmp_path: Path, store: FalkorStore, pipeline: Pipeline, settings: Settings
) -> None:
    events = make_events(30, seed=62)
    fields = [*COLUMNS, "note"]  # a column the contract ignores, with cells over two lines
    text = io.StringIO()
    writer = csv.DictWriter(text, fields, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(events[:10])
    writer.writerow({**events[0], "tx_id": "long", "device_id": "d" * 200_000})  # line 12
    writer.writerows(events[10:20])
    text.write("bad-\udcff,1,payment,3,acc-1,,m-1,dev-1,\r\n")  # line 23: not UTF-8
    writer.writerows([{**e, "note": 'two\nlines, "quoted"'} for e in events[20:]])
    body = text.getvalue().encode(errors="surrogateescape")
    path = tmp_path / "dirty.csv.gz"
    path.write_bytes(gzip.compress(body))
    summary = load_files([path], pipeline)
    assert summary.result.applied == 30 and not summary.errors
    assert {d["source"] for d in dead(store, settings)} == {"dirty.csv.gz:12", "dirty.csv.gz:23"}
    assert store.find_transaction(events[25]["tx_id"]) is not None


def test_corrupt_gzip_and_parquet_stop_only_their_file_with_one_message(
    tmp_path: Path, store: FalkorStore, pipeline: Pipeline
) -> None:
    events = make_events(3000, seed=63)
    whole = gzip.compress("".join(json.dumps(e) + "\n" for e in events).encode())
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(whole[: len(whole) // 2])  # truncated in transit
    table = pa.Table.from_pylist([{c: e.get(c) for c in COLUMNS} for e in events[:10]])
    pq.write_table(table, tmp_path / "x.parquet")
    broken = tmp_path / "broken.parquet"
    data = (tmp_path / "x.parquet").read_bytes()
    broken.write_bytes(data[:100] + b"\0" * 50 + data[150:-20])
    good = write_jsonl(tmp_path / "good.jsonl", make_events(20, seed=64))
    summary = load_files([cut, broken, good], pipeline, batch_size=500)
    assert len(summary.errors) == 2
    first, second = summary.errors
    loaded = store.counts().get("Transaction", 0) - 20
    assert first.startswith(
        f"{cut}: corrupt or unreadable jsonl file, stopped after {loaded:,} rows"
    )
    assert 0 < loaded < 3000
    assert second.startswith(f"{broken}: corrupt or unreadable parquet file, stopped after 0 rows")
    assert summary.result.applied == loaded + 20


def test_ingest_command_reports_a_corrupt_file_without_a_traceback(
    tmp_path: Path, store: FalkorStore, settings: Settings
) -> None:
    events = make_events(2000, seed=65)
    whole = gzip.compress("".join(json.dumps(e) + "\n" for e in events).encode())
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    good = write_jsonl(tmp_path / "good.jsonl", make_events(20, seed=66))
    env = {
        **os.environ,
        "FALKORDB_URL": store.url,
        "RINGSCOPE_GRAPH": store.graph_name,
        "RINGSCOPE_DEAD_LETTER_STREAM": settings.dead_letter_stream,
        "COLUMNS": "200",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "ringscope", "ingest", str(cut), str(good), "--batch-size", "300"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and str(cut) in errors[0] and "rows of it were read" in errors[0]
    assert store.counts().get("Transaction", 0) >= 20


def test_parallel_loader_dead_letters_each_bad_line_once(
    tmp_path: Path, store: FalkorStore, settings: Settings
) -> None:
    from ingest.parallel import load_files_parallel
    from ringscope.bootstrap import LoaderPipelines

    events = make_events(900, seed=67)
    lines = [json.dumps(e).encode() for e in events]
    for at in (5, 250, 251, 700):  # bad lines spread over several batches (and processes)
        lines.insert(at, b'{"tx_id": "\xff"}')
    path = tmp_path / "dirty.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    summary = load_files_parallel(
        [path], LoaderPipelines(settings, store.url), processes=2, batch_size=100
    )
    assert summary.read == 904 and summary.result.applied == 900 and not summary.errors
    sources = sorted(d["source"] for d in dead(store, settings))
    assert sources == sorted(f"dirty.jsonl:{n}" for n in (6, 251, 252, 701))
    assert observed(store) == expected_counts(events)


def test_loader_processes_cut_the_same_batches_around_blank_and_unicode_lines(
    tmp_path: Path, store: FalkorStore, settings: Settings
) -> None:
    """Each loader process counts the other's lines without decoding them: blank lines (ASCII
    or Unicode whitespace) are never records, non-ASCII lines are, wherever they fall."""
    from ingest.parallel import load_files_parallel
    from ringscope.bootstrap import LoaderPipelines

    events = make_events(600, seed=68)
    for e in events[::7]:
        e["city"] = "Zürich"  # non-ASCII, valid
    lines = [json.dumps(e, ensure_ascii=False).encode() for e in events]
    for at in (3, 120, 121, 333):
        lines.insert(at, "\u3000 \x1c".encode())  # whitespace only (str.strip() empties it)
    for at in (50, 260, 480):
        lines.insert(at, b"  \t ")
    for at in (90, 91, 400):
        lines.insert(at, "{not json é".encode())
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    summary = load_files_parallel(
        [path], LoaderPipelines(settings, store.url), processes=2, batch_size=50
    )
    assert summary.read == 603 and summary.result.applied == 600 and not summary.errors
    bad = [n for n, line in enumerate(lines, 1) if line.startswith(b"{not json")]
    assert sorted(d["source"] for d in dead(store, settings)) == sorted(
        f"mixed.jsonl:{n}" for n in bad
    )
    assert observed(store) == expected_counts(events)
