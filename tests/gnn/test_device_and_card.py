"""Training device choice, CPU loading of a GPU-trained model, and the model card."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from core.errors import ConfigurationError
from gnn.device import resolve_device
from gnn.export import TxTable, build_hetero
from gnn.registry import ModelRegistry
from gnn.ring_sage import SageClassifier
from gnn.train import make_model, model_card, register, train_and_evaluate
from graph.falkordb_store import FalkorStore
from tests.gnn.planted import planted_rows


@pytest.fixture(scope="module")
def planted() -> object:
    rows, _, _ = planted_rows(legit=80, rings=4, size=5, seed=3)
    table = TxTable()
    table.add_rows(rows, None)
    data = build_hetero(table)
    data.fingerprint = "f" * 16
    return data


def test_device_choice() -> None:
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ConfigurationError, match="unknown"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ConfigurationError, match="no CUDA"):
            resolve_device("cuda")
    assert make_model("ring_sage", 0, "cpu").device == "cpu"


def test_registered_model_carries_a_card_with_both_splits(planted: object, tmp_path: Path) -> None:
    data = planted
    model, result = train_and_evaluate(data, "ring_boost", seed=4)  # type: ignore[arg-type]
    result["time_split"] = {"auc": 0.5, "n": 3}
    card = model_card(model, data, result, seed=4, seconds=1.25)  # type: ignore[arg-type]
    record = register(ModelRegistry(tmp_path / "models"), model, data, result, card)  # type: ignore[arg-type]
    saved = ModelRegistry(tmp_path / "models").resolve(record.version).metadata["card"]
    assert saved["data"]["fingerprint"] == "f" * 16 and saved["seed"] == 4
    assert saved["features"]["account"][0] == "out_count"
    assert set(saved["metrics"]) == {"random_split", "time_split"}
    assert saved["metrics"]["random_split"]["auc"] > 0.5
    assert saved["training_seconds"] == 1.25 and saved["device"] == "cpu"


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_a_model_trained_on_cuda_loads_and_scores_on_cpu(planted: object, tmp_path: Path) -> None:
    data = planted
    train = np.flatnonzero(data["account"].y.numpy() >= 0)  # type: ignore[index]
    model = SageClassifier(epochs=20, hidden=16, seed=0, device="cuda").fit(data, train)  # type: ignore[arg-type]
    on_gpu = model.predict_proba(data)  # type: ignore[arg-type]
    registry = ModelRegistry(tmp_path / "models")
    record = register(registry, model, data, {}, None)  # type: ignore[arg-type]
    loaded, _ = registry.load(record.version)
    assert loaded.device == "cpu"
    assert all(p.device.type == "cpu" for p in loaded.model.parameters())
    np.testing.assert_allclose(loaded.predict_proba(data), on_gpu, atol=1e-4)  # type: ignore[arg-type]


def test_train_registers_a_card_with_a_time_split(store: FalkorStore, tmp_path: Path) -> None:
    from core.settings import load_settings
    from ringscope.models import train_model
    from tests.gnn.test_gnn import _events

    rows, _, _ = planted_rows(legit=60, rings=4, size=5, seed=2)
    store.apply_batch(_events(rows))
    settings = load_settings(data_dir=tmp_path, graph=store.graph_name)
    record, result, _ = train_model(settings, store, "ring_boost", seed=1, score=False)
    card = record.metadata["card"]
    assert card["seed"] == 1 and card["device"] == "cpu" and card["training_seconds"] > 0
    assert card["metrics"]["time_split"]["cutoff_ms"] > 0
    assert "n" in card["metrics"]["time_split"] and "auc" in card["metrics"]["random_split"]
    assert card["data"]["fingerprint"] == record.metadata["fingerprint"]
