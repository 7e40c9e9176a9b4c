"""Train and evaluate a fraud model on an export, and register it."""

from __future__ import annotations

import logging
import platform
from typing import Any

import numpy as np
from rich.progress import Progress
from torch_geometric.data import HeteroData

from gnn.evaluate import metrics, random_split, time_split
from gnn.export import LogSource, read_log, rows_digest
from gnn.kinds import MODELS
from gnn.registry import ModelRecord, ModelRegistry
from gnn.ring_sage import SageClassifier

logger = logging.getLogger(__name__)


def make_model(kind: str, seed: int = 0, device: str = "cpu") -> Any:
    """A fresh model; ``device`` is where a torch model trains (tree models ignore it)."""
    if kind not in MODELS:
        raise ValueError(f"model kind {kind!r} unknown: choose one of {sorted(MODELS)}")
    if kind == "ring_sage":
        return SageClassifier(seed=seed, device=device)
    return MODELS[kind](seed=seed)


def fit_model(model: Any, data: HeteroData, train_idx: np.ndarray, show: bool = False) -> Any:
    """Fit with a rich progress bar when ``show`` (epochs for RingSAGE)."""
    total = getattr(model, "epochs", 1)
    with Progress(disable=not show, transient=True) as bar:
        task = bar.add_task(f"training {model.kind}", total=total)

        def step(epoch: int, loss: float) -> None:
            bar.update(task, completed=min(epoch + 1, total), description=f"loss {loss:.4f}")
            if epoch % 25 == 0:
                logger.debug("epoch %d loss %.4f", epoch, loss)

        return model.fit(data, train_idx, progress=step)


def train_and_evaluate(
    data: HeteroData,
    kind: str = "ring_boost",
    seed: int = 0,
    test_size: float = 0.3,
    show: bool = False,
    device: str = "cpu",
) -> tuple[Any, dict]:
    """Random-split evaluation, then a final fit on every labelled account."""
    train, test = random_split(data, test_size, seed)
    y = data["account"].y.numpy()
    model = fit_model(make_model(kind, seed, device), data, train, show)
    result = {"random_split": metrics(y[test], model.predict_proba(data)[test])}
    labelled = np.flatnonzero(y >= 0)
    final = fit_model(make_model(kind, seed, device), data, labelled, show)
    return final, result


def time_cutoff(source: LogSource, share: float = 0.8) -> int | None:
    """The instant before which ``share`` of the logged transactions happened (None if empty)."""
    ts = read_log(source).cols["ts"]
    return int(np.quantile(ts, share)) if ts else None


def evaluate_time_split(
    before: HeteroData,
    after: HeteroData,
    kind: str = "ring_boost",
    seed: int = 0,
    device: str = "cpu",
) -> dict[str, float]:
    """Fit on the graph as of the cut-off, score accounts labelled only after it."""
    train, test = time_split(before, after)
    if len(test) == 0 or len(np.unique(before["account"].y.numpy()[train])) < 2:
        return {"n": int(len(test))}
    model = fit_model(make_model(kind, seed, device), before, train)
    y = after["account"].y.numpy()
    return metrics(y[test], model.predict_proba(after)[test])


def model_card(
    model: Any,
    data: HeteroData,
    result: dict[str, Any],
    seed: int,
    seconds: float,
    device: str = "cpu",
) -> dict[str, Any]:
    """What a registered model is: its data, inputs, both splits' metrics, seed, cost."""
    y = data["account"].y.numpy()
    return {
        "kind": model.kind,
        "data": {
            "fingerprint": getattr(data, "fingerprint", "unknown"),
            "rows_sha256": rows_digest(data),
            "accounts": int(data["account"].num_nodes),
            "labelled": int((y >= 0).sum()),
            "fraud": int((y == 1).sum()),
            "edges": {"/".join(et): int(data[et].edge_index.size(1)) for et in data.edge_types},
        },
        "features": data.feature_names,
        "metrics": {
            "random_split": result.get("random_split"),
            "time_split": result.get("time_split"),
        },
        "seed": seed,
        "training_seconds": round(seconds, 2),
        "device": device,
        "platform": {"python": platform.python_version(), "machine": platform.machine()},
    }


def register(
    registry: ModelRegistry,
    model: Any,
    data: HeteroData,
    result: dict[str, Any],
    card: dict[str, Any] | None = None,
) -> ModelRecord:
    if hasattr(model, "model") and model.model is not None:
        model.model.to("cpu")
        model.device = "cpu"
    meta = {
        "kind": model.kind,
        "fingerprint": getattr(data, "fingerprint", "unknown"),
        "features": data.feature_names,
        "metrics": result,
        "accounts": int(data["account"].num_nodes),
        "labelled": int((data["account"].y >= 0).sum()),
        "card": card or model_card(model, data, result, getattr(model, "seed", 0), 0.0),
    }
    return registry.save(model, meta)
