"""The account model's life outside the pipeline: train and register it, load the active one for
scoring. ``ringscope.bootstrap`` wires what these return; ``ringscope train`` and ``up`` call them.
torch and PyG are imported inside, so commands that never touch the model do not pay for them.
"""

from __future__ import annotations

import logging
from typing import Any

from core.errors import RingscopeError
from core.ports import AccountRiskModel
from core.settings import Settings
from graph.falkordb_store import FalkorStore

logger = logging.getLogger(__name__)


def train_model(
    settings: Settings,
    store: FalkorStore,
    kind: str = "ring_boost",
    seed: int = 0,
    *,
    score: bool = True,
    show: bool = False,
    device: str = "cpu",
    cutoff_ms: int | None = None,
    time_split: bool = True,
) -> tuple[Any, dict[str, Any], dict[str, Any] | None]:
    """Train on every labelled account, register the model and (optionally) score all accounts.

    The model card records both splits: random, and time (train before ``cutoff_ms``, by
    default the instant 80% of the logged transactions had happened; test on accounts first
    labelled after it). Returns the registry record, the evaluation metrics and the scoring
    figures.
    """
    import time

    from gnn.export import export_hetero
    from gnn.registry import ModelRegistry
    from gnn.scoring import GnnRiskModel, score_all
    from gnn.train import (
        evaluate_time_split,
        model_card,
        register,
        time_cutoff,
        train_and_evaluate,
    )

    started = time.perf_counter()
    data = export_hetero(store)
    model, result = train_and_evaluate(data, kind, seed, show=show, device=device)
    seconds = time.perf_counter() - started
    cutoff = cutoff_ms if cutoff_ms is not None else time_cutoff(store) if time_split else None
    if cutoff is not None:
        before = export_hetero(store, cutoff_ms=cutoff)
        result["time_split"] = {
            "cutoff_ms": cutoff,
            **evaluate_time_split(before, data, kind, seed, device),
        }
    card = model_card(model, data, result, seed, seconds, device)
    record = register(ModelRegistry(settings.data_dir / "models"), model, data, result, card)
    figures = None
    if score:
        figures = score_all(store, GnnRiskModel(model, record.version), settings.gnn_score_batch)
    return record, result, figures


def load_risk_model(settings: Settings, store: FalkorStore) -> AccountRiskModel | None:
    """The active registered model as the scorer's account-risk port, or None if there is none."""
    if not (settings.data_dir / "models").is_dir():
        return None  # nothing trained yet: do not pay for importing torch
    try:
        from gnn.export import export_live
        from gnn.registry import ModelRegistry
        from gnn.scoring import GnnRiskModel
    except ImportError:  # installed without the gnn extra
        return None
    registry = ModelRegistry(settings.data_dir / "models")
    if not registry.versions():
        return None
    try:
        model, record = registry.load(settings.model)
        risk = GnnRiskModel(model, record.version)
        risk.refresh(*export_live(store))  # then k-hop inference on the live graph
    except (RingscopeError, ValueError, OSError) as exc:
        # Scoring works without a model; a model that does not fit this graph must not stop it.
        logger.warning("model %r not used, scoring with rules only: %s", settings.model, exc)
        return None
    logger.info("scoring with model %s", record.version)
    return risk
