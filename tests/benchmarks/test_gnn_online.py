"""benchmarks.gnn_online runs on a generator folder (``--data``) as on the simulator."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
import pytest

from benchmarks import gnn_online
from ingest.amlgen import GenConfig, Generated, generate, write

SMALL = GenConfig(accounts=1700, days=10, seed=3, rings_per_type=1, lookalikes_per_kind=1)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Generated]:
    gen = generate(SMALL)
    out = tmp_path_factory.mktemp("gen")
    write(gen, out)
    return out, gen


def test_gnn_online_reads_a_generator_folder(
    folder: tuple[Path, Generated],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = str(folder[0])
    argv = ["gnn_online", "--data", path, "--batch", "500", "--train-share", "0.97"]
    monkeypatch.setattr(sys, "argv", argv)
    gnn_online.main()
    out = orjson.loads(capsys.readouterr().out.splitlines()[-1])
    assert out["data"] == path
    assert out["accounts"] is None
    assert out["graph_accounts"] > 0
    assert out["batches"] > 0
    assert out["single_account_ms"]["p50"] is not None


def test_generator_events_come_in_time_order_with_the_ring_members(
    folder: tuple[Path, Generated],
) -> None:
    path, gen = folder
    args = gnn_online.argparse.Namespace(data=str(path))
    events, members = gnn_online.load_events(args)
    assert members == {m for r in gen.truth["rings"].values() for m in r["members"]}
    when = [gnn_online._when(e) for e in events]
    assert when == sorted(when)
    assert len(events) == len(gen.accounts) + len(gen.transactions)
