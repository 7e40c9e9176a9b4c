"""The columnar ``--bulk`` plan equals the per-event plan, and declines what it cannot match."""

from __future__ import annotations

import json
import random
from typing import Any

import orjson
import pyarrow as pa
import pytest

from graph.batch import BatchPlan, plan_batch
from graph.bulkcolumns import batch_plan, plan_columns
from graph.bulkformat import node_record, transaction_records
from ingest.columnar import read_clean
from ingest.pipeline import Pipeline
from tests.ingest.conftest import T0, make_events


def _varied(n: int, seed: int) -> list[dict[str, Any]]:
    """Every kind and optional field, ISO times with offsets, repeated pairs, unicode text."""
    rng = random.Random(seed)
    events = make_events(n, seed=seed, accounts=30)
    for i, e in enumerate(events):
        if i % 2:
            e["ip"] = f"10.0.{rng.randrange(3)}.{rng.randrange(5)}"
        if i % 3 == 0:
            e.update(lat=round(rng.uniform(-90, 90), 6), lon=rng.uniform(-180, 180))
        if i % 4 == 0:
            e.update(card_id=f"c{i % 7}", country=rng.choice(["gb", "Fr", "US"]), city="Zürich")
        if i % 5 == 0:
            e["label"] = rng.choice(["fraud", "legit"])
            e["currency"] = rng.choice(["eur", "GBP"])
        if i % 6 == 0:
            del e["device_id"]
        if i % 9 == 0:
            e["amount"] = rng.choice([1, 0.1 + 0.2, 1e12 - 1, 123456.789123, 5e-324 + 1])
        e["amount"] = e["amount"] + rng.choice([0, 0.005, 1 / 3])
        if i % 11 == 0:
            e["ts"] = T0 - i * 777  # out of order
        if i % 13 == 0:
            e["card_id"] = 'c"1 \\ 2'  # JSON escapes in the edge log
    return events


def _iso(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from datetime import UTC, datetime, timedelta, timezone

    zones = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=7))]
    out = []
    for i, e in enumerate(events):
        when = datetime.fromtimestamp(e["ts"] / 1000 + i * 0.000123, zones[i % 3])
        text = when.isoformat(timespec=("milliseconds", "microseconds", "seconds")[i % 3])
        out.append({**e, "ts": text.replace("+00:00", "Z") if i % 7 == 0 else text})
    return out


def _lines(events: list[dict[str, Any]]) -> list[str]:
    return [json.dumps(e, ensure_ascii=bool(i % 2)) + "\n" for i, e in enumerate(events)]


def _both_ways(shape: str, seed: int) -> tuple[list[str], pa.Table, BatchPlan]:
    """A batch's lines, read_clean's table of them, and the per-event plan of their events."""
    events = _varied(700, seed) if shape != "plain" else make_events(700, seed=seed)
    raws = _lines(_iso(events) if shape == "iso" else events)
    table = read_clean(raws, 65536)
    assert table is not None
    parsed, rejected = Pipeline(None, "salt").parse(raws)  # type: ignore[arg-type]
    assert not rejected
    return raws, table, plan_batch(parsed, set())


@pytest.mark.parametrize("shape", ["epoch", "iso", "plain"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_columnar_plan_equals_the_per_event_plan(shape: str, seed: int) -> None:
    raws, table, want = _both_ways(shape, seed)
    got = plan_columns(table, raws)
    assert got.tx_ids == want.tx_ids
    assert got.tx_blob == b"".join(node_record(row) for row in want.txs)
    assert got.log_json == orjson.dumps(want.log_rows)
    assert got.nodes == {k: v for k, v in want.nodes.items() if k in got.nodes}
    assert not any(v for k, v in want.nodes.items() if k not in got.nodes and k != "IP")
    assert got.links == {k: v for k, v in want.links.items() if k in got.links}
    assert got.ips is not None  # the addresses' links as arrays, in the same order
    pairs = zip(got.ips.accounts.to_pylist(), got.ips.ips.to_pylist(), strict=True)
    assert list(zip(pairs, got.ips.first_ts.tolist(), strict=True)) == list(
        want.links["from_ip"].items()
    )
    for name, pairs in want.money.items():
        src, dst, *sums = got.money[name]
        have = {
            p: [c.item() for c in agg]
            for p, *agg in zip(zip(src, dst, strict=True), *sums, strict=True)
        }
        assert have == pairs
        for pair, agg in pairs.items():  # the floats, bit for bit
            assert repr(have[pair][1]) == repr(agg[1])


_GOOD = {"tx_id": "t1", "ts": T0, "kind": "payment", "amount": 5.0, "account_id": "a"}


@pytest.mark.parametrize(
    "change",
    [
        {"account_id": " a"},  # the model strips it
        {"account_id": "a\u3000"},
        {"merchant_id": "m\x01"},
        {"merchant_id": ""},
        {"currency": None},  # explicit null: refused by the model
        {"currency": "EU"},
        {"country": "ÖS"},  # upper-casing outside ASCII: left to the model
        {"kind": "gift"},
        {"amount": -1},
        {"amount": "5"},
        {"amount": 2e12},
        {"ts": "2026-01-01T00:00:00"},  # no zone
        {"ts": " 2026-01-01T00:00:00Z"},
        {"ts": 123},
        {"ts": 1.7e12},
        {"lat": 91.0},
        {"label": "maybe"},
        {"kind": "transfer"},  # no counterparty
        {"event": "account"},
        {"tx_id": "t0"},  # the same tx_id twice in the batch
        {"tx_id": "x" * 129},
    ],
)
def test_read_clean_declines_what_only_the_model_can_word(change: dict[str, Any]) -> None:
    first = {**_GOOD, "tx_id": "t0", "merchant_id": "m"}
    lines = [json.dumps(first), json.dumps({**_GOOD, "merchant_id": "m", **change})]
    assert read_clean(lines, 65536) is None
    assert read_clean([json.dumps(first), json.dumps({**_GOOD, "merchant_id": "m"})], 65536)


def test_read_clean_declines_bad_lines() -> None:
    good = json.dumps({**_GOOD, "merchant_id": "m"})
    for bad in ["not json", "[1]", good + " " + good.replace("t1", "t2"), '{"tx_id": "t2"']:
        assert read_clean([good, bad], 65536) is None
    assert read_clean([good, good.replace("t1", "t2")], len(good) - 1) is None


@pytest.mark.parametrize("shape", ["epoch", "iso", "plain"])
@pytest.mark.parametrize("seed", [1, 2])
def test_columnar_batch_plan_equals_the_per_event_plan(shape: str, seed: int) -> None:
    raws, table, want = _both_ways(shape, seed)
    got = batch_plan(table, raws)
    assert got.tx_records == transaction_records(want.txs)  # the floats, bit for bit
    assert got.tx_ids == want.tx_ids
    assert got.log_json == orjson.dumps(want.log_rows)
    assert got.nodes == want.nodes
    assert got.links == want.links
    assert got.money == want.money
    for name, pairs in want.money.items():  # the floats, bit for bit
        assert [repr(agg[1]) for agg in got.money[name].values()] == [
            repr(agg[1]) for agg in pairs.values()
        ]
    assert not got.events and got.source_events() == want.events  # parsed only when asked


def test_a_columnar_plan_made_again_without_applied_transactions() -> None:
    raws = _lines(make_events(50, seed=4))
    table = read_clean(raws, 65536)
    assert table is not None
    plan = batch_plan(table, raws)
    again = plan.without(set(plan.tx_ids))  # all loaded before: nothing to parse
    assert (again.duplicates, again.txs, again.tx_ids) == (50, [], [])
    assert not plan.events
    some = set(plan.tx_ids[::3])
    parsed, _ = Pipeline(None, "salt").parse(raws)  # type: ignore[arg-type]
    want = plan_batch(parsed, some)
    got = plan.without(some)
    assert got.duplicates == want.duplicates == len(some)
    assert orjson.dumps(got.txs) == orjson.dumps(want.txs) and got.money == want.money
