"""Versioned model registry: ``<data_dir>/models/<version>/`` holding the model and metadata.

``model.pt`` is the fitted classifier saved with ``torch.save`` (a pickle: load only models
this registry wrote); ``metadata.json`` holds kind, data fingerprint, features, metrics and
created_at. The active model is the setting ``RINGSCOPE_MODEL``: a version, or ``latest``.
"""

from __future__ import annotations

import json
import logging
import pickle
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch

from core.errors import NotFoundError, RingscopeError

logger = logging.getLogger(__name__)


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
        torch.save(model, path / "model.pt")
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
        try:
            model = torch.load(record.path / "model.pt", weights_only=False, map_location="cpu")
        except (pickle.UnpicklingError, EOFError, RuntimeError, OSError) as exc:
            raise RingscopeError(
                f"model {record.version} at {record.path / 'model.pt'} cannot be read ({exc}); "
                "train again with `ringscope train` or pick another with RINGSCOPE_MODEL"
            ) from exc
        if hasattr(model, "device"):
            model.device = "cpu"
        return model, record
