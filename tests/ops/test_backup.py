from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import redis

from core.settings import Settings
from detection.ring_store import load_rings
from detection.run import run_detection
from gnn.registry import ModelRegistry
from gnn.ring_boost import RingBoost
from graph.embedded import EmbeddedFalkorDB
from graph.falkordb_store import FalkorStore
from graph.rings import FalkorRings
from ringscope.backup import BackupError, create_backup, read_manifest, restore_backup
from ringscope.bootstrap import build_pipeline
from tests.ingest.conftest import make_events
from tests.ops.test_metrics import ops_settings

DAY, HOUR = 86_400_000, 3_600_000
T0 = 1_700_000_000_000


X = np.random.default_rng(0).random((40, 4))


def tiny_model() -> RingBoost:
    model = RingBoost(seed=0, max_iter=3)
    model.clf.fit(X, [0, 1] * 20)
    return model


def planted_ring() -> list[dict[str, Any]]:
    """Six new accounts on one phone and one device, cashing out together."""
    out: list[dict[str, Any]] = []
    for i in range(6):
        acc = f"syn-{i}"
        out.append(
            {
                "event": "account",
                "account_id": acc,
                "opened_at": T0 + 12 * DAY + i * HOUR,
                "phone": "+1 555 0100",
            }
        )
        out.append(
            {
                "tx_id": f"syn-t{i}",
                "ts": T0 + 14 * DAY + i * HOUR,
                "kind": "withdrawal",
                "amount": 900.0,
                "account_id": acc,
                "device_id": "d-91",
            }
        )
    return out


@pytest.fixture
def second_server(tmp_path: Path) -> Iterator[EmbeddedFalkorDB]:
    with EmbeddedFalkorDB(tmp_path / "second") as server:
        yield server


def with_data_dir(settings: Settings, url: str, data_dir: Path) -> Settings:
    return settings.model_copy(update={"falkordb_url": url, "data_dir": data_dir})


def stream_state(client: redis.Redis, settings: Settings) -> tuple[Any, ...]:
    groups = [
        (g["name"], g["pending"], g["last-delivered-id"])
        for g in client.xinfo_groups(settings.stream)
    ]
    return (
        client.xrange(settings.stream),
        client.xrange(settings.alerts_stream),
        groups,
        client.xrange(settings.dead_letter_stream),
    )


def test_round_trip_into_a_second_server(
    store: FalkorStore, second_server: EmbeddedFalkorDB, tmp_path: Path
) -> None:
    settings = with_data_dir(ops_settings(store), store.url, tmp_path / "a")
    pipeline = build_pipeline(settings, store)
    pipeline.process_raw(
        [json.dumps(e) for e in make_events(400, seed=41) + planted_ring()] + ["{"]
    )
    client = redis.Redis.from_url(store.url, decode_responses=True)
    client.xgroup_create(settings.stream, settings.consumer_group, id="0", mkstream=True)
    for e in make_events(3, seed=42):
        client.xadd(settings.stream, {"event": json.dumps(e)})
    client.xreadgroup(settings.consumer_group, "c1", {settings.stream: ">"}, count=2)  # 2 pending
    assert run_detection(settings, store).rings_total >= 1
    record = ModelRegistry(settings.data_dir / "models").save(
        tiny_model(), {"fingerprint": "abc123"}
    )

    path = tmp_path / "backup.tar.gz"
    manifest = create_backup(settings, store, path)
    assert manifest == read_manifest(path)
    assert manifest["counts"]["Transaction"] == 406 and manifest["streams"][settings.stream] == 3
    assert manifest["versions"]["falkordb"] and manifest["versions"]["redis"]

    target_settings = with_data_dir(settings, second_server.url, tmp_path / "b")
    target = FalkorStore(second_server.url, store.graph_name)
    target.ensure_schema()  # as `ringscope restore` on a fresh embedded server does
    restore_backup(target_settings, target, path)
    other = redis.Redis.from_url(second_server.url, decode_responses=True)
    assert target.counts() == store.counts()
    rings = sorted(load_rings(FalkorRings(store)), key=lambda r: r.id)
    assert rings and sorted(load_rings(FalkorRings(target)), key=lambda r: r.id) == rings
    assert stream_state(other, settings) == stream_state(client, settings)
    assert other.smembers(store.seen_key) == client.smembers(store.seen_key)
    copied = target_settings.data_dir / "models" / record.version / "model.pt"
    assert copied.read_bytes() == (record.path / "model.pt").read_bytes()
    state = Path("detection") / store.graph_name
    assert sorted(p.name for p in (target_settings.data_dir / state).iterdir()) == sorted(
        p.name for p in (settings.data_dir / state).iterdir()
    )
    # the restored system carries on: re-sent events change nothing, detection still runs
    model, _ = ModelRegistry(target_settings.data_dir / "models").load(record.version)
    np.testing.assert_array_equal(model.clf.predict_proba(X), tiny_model().clf.predict_proba(X))
    again = build_pipeline(target_settings, target, scoring=False).process_raw(
        [json.dumps(e) for e in make_events(400, seed=41)]
    )
    assert (again.applied, again.duplicates) == (0, 400)
    assert run_detection(target_settings, target).rings_total == len(rings)

    with pytest.raises(BackupError, match="already holds"):
        restore_backup(target_settings, target, path)
    restore_backup(target_settings, target, path, force=True)
    assert target.counts() == store.counts()
    target.close()


def test_restore_refuses_another_graph_name(
    store: FalkorStore, second_server: EmbeddedFalkorDB, tmp_path: Path
) -> None:
    settings = with_data_dir(ops_settings(store), store.url, tmp_path / "a")
    path = tmp_path / "b.tar"
    create_backup(settings, store, path)
    wrong = FalkorStore(second_server.url, "another")
    with pytest.raises(BackupError, match="RINGSCOPE_GRAPH="):
        restore_backup(settings, wrong, path)
    wrong.close()


def _rewrite(src: Path, dst: Path, change: Any) -> None:
    """Copy a backup member by member, letting ``change(name, data)`` alter or add members."""
    with tarfile.open(src) as old, tarfile.open(dst, "w") as new:
        members = [(m.name, old.extractfile(m).read()) for m in old.getmembers() if m.isfile()]  # type: ignore[union-attr]
        for name, data in change(members):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            new.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize(
    "tamper, message",
    [
        (lambda ms: [(n, b"x" + d if n.endswith("model.pt") else d) for n, d in ms], "SHA-256"),
        (lambda ms: [*ms, ("data/models/evil.py", b"import os")], "not in the manifest"),
        (lambda ms: [*ms, ("../../outside", b"x")], "not in the manifest"),
    ],
    ids=["altered-model", "extra-file", "path-escape"],
)
def test_restore_refuses_a_tampered_archive(
    store: FalkorStore, second_server: EmbeddedFalkorDB, tmp_path: Path, tamper: Any, message: str
) -> None:
    settings = with_data_dir(ops_settings(store), store.url, tmp_path / "a")
    ModelRegistry(settings.data_dir / "models").save(tiny_model(), {"fingerprint": "abc123"})
    good, bad = tmp_path / "good.tar", tmp_path / "bad.tar"
    create_backup(settings, store, good)
    _rewrite(good, bad, tamper)
    target_settings = with_data_dir(settings, second_server.url, tmp_path / "b")
    target = FalkorStore(second_server.url, store.graph_name)
    with pytest.raises(BackupError, match=message):
        restore_backup(target_settings, target, bad)
    assert not (target_settings.data_dir / "models").exists()
    assert not (tmp_path / "outside").exists()
    assert target.counts().get("Transaction", 0) == 0  # nothing restored
    target.close()
