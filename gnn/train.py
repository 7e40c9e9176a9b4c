"""Train and evaluate a fraud model on an export, and register it."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from rich.progress import Progress
from torch_geometric.data import HeteroData

from gnn.evaluate import metrics, random_split, time_split
from gnn.registry import ModelRecord, ModelRegistry
from gnn.ring_boost import RingBoost
from gnn.ring_sage import SageClassifier

logger = logging.getLogger(__name__)
MODELS = {"ring_boost": RingBoost, "ring_sage": SageClassifier}


def make_model(kind: str, seed: int = 0) -> Any:
    if kind not in MODELS:
        raise ValueError(f"model kind {kind!r} unknown: choose one of {sorted(MODELS)}")
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
) -> tuple[Any, dict]:
    """Random-split evaluation, then a final fit on every labelled account."""
    train, test = random_split(data, test_size, seed)
    y = data["account"].y.numpy()
    model = fit_model(make_model(kind, seed), data, train, show)
    result = {"random_split": metrics(y[test], model.predict_proba(data)[test])}
    labelled = np.flatnonzero(y >= 0)
    final = fit_model(make_model(kind, seed), data, labelled, show)
    return final, result


def evaluate_time_split(
    before: HeteroData, after: HeteroData, kind: str = "ring_boost", seed: int = 0
) -> dict[str, float]:
    """Fit on the graph as of the cut-off, score accounts labelled only after it."""
    train, test = time_split(before, after)
    if len(test) == 0 or len(np.unique(before["account"].y.numpy()[train])) < 2:
        return {"n": int(len(test))}
    model = fit_model(make_model(kind, seed), before, train)
    y = after["account"].y.numpy()
    return metrics(y[test], model.predict_proba(after)[test])


def register(
    registry: ModelRegistry, model: Any, data: HeteroData, result: dict[str, Any]
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
    }
    return registry.save(model, meta)
