"""Versioned model registry: ``<data_dir>/models/<version>/`` holding the model and metadata.

``model.pt`` holds ``{"kind", "state"}``: the model's ``to_state()`` (tensors, numbers, strings,
and for tree models scikit-learn's fitted estimators). It is read with
``torch.load(weights_only=True)`` and an explicit allowlist of numpy and scikit-learn types, so a
crafted file cannot run code: anything else is refused. ``metadata.json`` holds kind, data
fingerprint, features, metrics and created_at. The active model is the setting
``RINGSCOPE_MODEL``: a version, or ``latest``.
"""

from __future__ import annotations

import json
import logging
import pickle
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.random._pickle as np_random_pickle
import torch
from numpy.random.bit_generator import SeedSequence
from sklearn._loss._loss import CyHalfBinomialLoss
from sklearn._loss.link import Interval, LogitLink
from sklearn._loss.loss import HalfBinomialLoss
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.ensemble._hist_gradient_boosting.binning import _BinMapper
from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
from sklearn.preprocessing import LabelEncoder

from core.errors import NotFoundError, RingscopeError

logger = logging.getLogger(__name__)

# Types a model file may name: data containers and fitted estimators, nothing that runs code
# chosen by the file. A new model kind whose state needs more fails its registry test first.
SAFE_GLOBALS: list[Any] = [
    bytes,
    np.ndarray,
    np.dtype,
    *(getattr(np.dtypes, name) for name in np.dtypes.__all__),
    np._core.multiarray._reconstruct,  # type: ignore[attr-defined]
    np._core.multiarray.scalar,  # type: ignore[attr-defined]
    np.random.PCG64,
    np.random.Generator,
    SeedSequence,
    np_random_pickle.__bit_generator_ctor,
    np_random_pickle.__generator_ctor,
    np.random.bit_generator.__pyx_unpickle_SeedSequence,  # type: ignore[attr-defined]
    HistGradientBoostingClassifier,
    TreePredictor,
    _BinMapper,
    LabelEncoder,
    HalfBinomialLoss,
    CyHalfBinomialLoss,
    LogitLink,
    Interval,
]


def model_kinds() -> dict[str, Any]:
    from gnn.kinds import MODELS  # imported when a model is loaded: torch_geometric is slow

    return MODELS


@dataclass(frozen=True)
class ModelRecord:
    version: str
    path: Path
    metadata: dict[str, Any]


class ModelRegistry:
    """Models under ``root`` (usually ``settings.data_dir / "models"``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def save(self, model: Any, metadata: dict[str, Any]) -> ModelRecord:
        created = datetime.now(UTC)
        version = f"v{created.strftime('%Y%m%dT%H%M%S%f')}-{metadata.get('fingerprint', 'x')[:6]}"
        path = self.root / version
        path.mkdir(parents=True, exist_ok=False)
        meta = {**metadata, "version": version, "created_at": created.isoformat()}
        torch.save({"kind": model.kind, "state": model.to_state()}, path / "model.pt")
        (path / "metadata.json").write_text(json.dumps(meta, indent=2, default=str))
        logger.info("saved model %s to %s", version, path)
        return ModelRecord(version, path, meta)

    def versions(self) -> list[str]:
        """Saved versions, oldest first (names sort by creation time)."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / "metadata.json").is_file())

    def resolve(self, wanted: str = "latest") -> ModelRecord:
        versions = self.versions()
        if not versions:
            raise NotFoundError(f"no trained model under {self.root}: run `ringscope train`")
        version = versions[-1] if wanted == "latest" else wanted
        if version not in versions:
            raise NotFoundError(
                f"model version {version!r} not in {self.root}; RINGSCOPE_MODEL must be one of "
                f"{versions[-5:]} or 'latest'"
            )
        path = self.root / version
        return ModelRecord(version, path, json.loads((path / "metadata.json").read_text()))

    def load(self, wanted: str = "latest") -> tuple[Any, ModelRecord]:
        record = self.resolve(wanted)
        file = record.path / "model.pt"
        try:
            with torch.serialization.safe_globals(SAFE_GLOBALS):
                blob = torch.load(file, weights_only=True, map_location="cpu")
            model = model_kinds()[blob["kind"]].from_state(blob["state"])
        except (
            pickle.UnpicklingError,
            EOFError,
            RuntimeError,
            OSError,
            KeyError,
            TypeError,
        ) as exc:
            raise RingscopeError(
                f"model {record.version} at {file} cannot be read safely ({exc}); "
                "train again with `ringscope train` or pick another with RINGSCOPE_MODEL"
            ) from exc
        return model, record
