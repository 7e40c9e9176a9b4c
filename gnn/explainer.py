"""The AccountExplainer port over the model registry and the edge log.

The active model (``RINGSCOPE_MODEL``: a version or ``latest``) explains an account on its
two-hop piece of a ``LiveGraph`` (fan-out and row caps bound the piece, ``gnn.online``). The
live graph is read from the edge log once, then kept current by reading only the entries added
since. Explanations are cached per account, model version and log position, so asking again
costs nothing until the graph or the model changes. Calls block; they are serialised by a lock
(one explanation at a time per process) and the API runs them in a worker thread.

Model cards come from ``metadata.json`` (plain JSON: reading a card runs no code).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import NotFoundError
from core.explanations import Explanation, ModelCard

if TYPE_CHECKING:  # torch and PyG load on the first call, not when the API starts
    from gnn.export import LogSource
    from gnn.online import LiveGraph
    from gnn.registry import ModelRecord, ModelRegistry

logger = logging.getLogger(__name__)


def card_of(record: ModelRecord, active: bool = False) -> ModelCard:
    """A registry record's card; models saved before cards existed get what their metadata has."""
    meta = record.metadata
    card = meta.get("card") or {}
    metrics = card.get("metrics") or meta.get("metrics") or {}
    return ModelCard(
        version=record.version,
        kind=str(meta.get("kind") or card.get("kind") or "unknown"),
        created_at=meta.get("created_at"),
        fingerprint=meta.get("fingerprint"),
        data=dict(card.get("data") or {}),
        features=dict(card.get("features") or meta.get("features") or {}),
        metrics=dict(metrics),
        seed=card.get("seed"),
        training_seconds=card.get("training_seconds"),
        device=card.get("device"),
        active=active,
    )


class RegistryExplainer:
    """Explanations of the active registered model on the live graph; model cards."""

    def __init__(
        self,
        models_dir: Path,
        wanted: str,
        source: Callable[[], LogSource],
        *,
        epochs: int = 100,
        cache_size: int = 512,
    ) -> None:
        self.models_dir = Path(models_dir)
        self._registry: ModelRegistry | None = None
        self.wanted = wanted
        self.epochs = epochs
        self._source_factory = source
        self._source: LogSource | None = None
        self._lock = threading.Lock()
        self._model: Any = None
        self._record: ModelRecord | None = None
        self._live: LiveGraph | None = None
        self._cache: OrderedDict[tuple[str, str, str | None], Explanation] = OrderedDict()
        self._cache_size = cache_size

    @property
    def registry(self) -> ModelRegistry:
        if self._registry is None:
            from gnn.registry import ModelRegistry

            self._registry = ModelRegistry(self.models_dir)
        return self._registry

    # ---- cards -----------------------------------------------------------------------
    def _active_version(self) -> str | None:
        if not self.models_dir.is_dir():
            return None  # nothing trained: no need to load torch to say so
        try:
            return self.registry.resolve(self.wanted).version
        except NotFoundError:
            return None

    def cards(self) -> list[ModelCard]:
        active = self._active_version()
        if active is None:
            return []
        out = []
        for version in self.registry.versions():
            out.append(card_of(self.registry.resolve(version), version == active))
        return out

    def card(self, version: str | None = None) -> ModelCard | None:
        active = self._active_version()
        wanted = version or active
        if wanted is None or wanted not in self.registry.versions():
            return None
        return card_of(self.registry.resolve(wanted), wanted == active)

    # ---- explanations ----------------------------------------------------------------
    def explain(self, account_id: str) -> Explanation | None:
        with self._lock:
            if not self._load_model():
                return None
            assert self._record is not None
            live = self._sync()
            key = (account_id, self._record.version, live.table.last_entry)
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
            found = self._explain(live, account_id)
            if found is not None:
                self._cache[key] = found
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
            return found

    def _explain(self, live: LiveGraph, account_id: str) -> Explanation | None:
        from gnn.explain import explain_index

        assert self._record is not None
        started = time.perf_counter()
        data, positions = live.subgraph([account_id])
        if not positions:
            return None
        attribution = explain_index(self._model, data, positions[0], self.epochs)
        logger.info(
            "explained %s with %s in %.2fs (%d accounts in its piece)",
            account_id,
            self._record.version,
            time.perf_counter() - started,
            data["account"].num_nodes,
        )
        return Explanation(
            account_id=account_id,
            model=card_of(self._record, active=True),
            score=attribution.score,
            method=attribution.method,
            features=attribution.features,
            edges=attribution.edges,
        )

    def _load_model(self) -> bool:
        """Load the active model if it changed; False when none is registered."""
        version = self._active_version()
        if version is None:
            return False
        if self._record is None or self._record.version != version:
            self._model, self._record = self.registry.load(version)
            self._cache.clear()
            logger.info("explaining with model %s", version)
        return True

    def _sync(self) -> LiveGraph:
        """The live graph, built from the whole log once, then fed the entries added since."""
        from gnn.export import build_hetero, log_entries, read_log
        from gnn.online import LiveGraph

        if self._source is None:
            self._source = self._source_factory()
        if self._live is None:
            table = read_log(self._source)
            self._live = LiveGraph(table, build_hetero(table))
            return self._live
        rows: list[list[Any]] = []
        last = self._live.table.last_entry
        for entry_id, batch in log_entries(self._source, last):
            rows += batch
            last = entry_id
        if rows:
            self._live.observe(rows)
            self._live.table.last_entry = last
        return self._live
