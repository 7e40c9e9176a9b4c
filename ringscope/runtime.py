"""The composition root: picks the concrete adapters from Settings and wires them together."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from core.errors import ConfigurationError, RingscopeError
from core.ports import AccountRiskModel, AlertPublisher, TransactionScorer
from core.settings import Settings
from graph.embedded import EmbeddedFalkorDB
from graph.falkordb_store import FalkorStore
from graph.supervisor import supervised
from ingest.deadletter import DeadLetterStream
from ingest.pipeline import Pipeline
from ringscope.secrets import identity_salt

if TYPE_CHECKING:
    from graph.bolt_store import BoltStore

logger = logging.getLogger(__name__)


@contextmanager
def graph_server(settings: Settings) -> Iterator[str]:
    """The URL of the FalkorDB to use: FALKORDB_URL, or an embedded server for the duration."""
    if settings.falkordb_url:
        yield settings.falkordb_url
        return
    with EmbeddedFalkorDB(settings.data_dir / "falkordb", settings.embedded_port) as server:
        with supervised(server):  # a crashed server comes back on the same port
            yield server.url


@contextmanager
def open_store(settings: Settings) -> Iterator[FalkorStore]:
    """A ready FalkorStore (schema ensured) on the configured or embedded server.

    With ``RINGSCOPE_STORE=bolt`` it is a BoltStore on ``NEO4J_URI`` instead: the same
    GraphStore port, but no Redis beside it (no streams, edge log or detection; docs/bolt.md).
    """
    if settings.store == "bolt":
        with open_bolt_store(settings) as bolt:
            yield bolt  # type: ignore[misc]  # a GraphStore, not a FalkorStore
        return
    with graph_server(settings) as url:
        store = FalkorStore(url, settings.graph)
        try:
            store.ensure_schema()
            yield store
        finally:
            store.close()


@contextmanager
def open_bolt_store(settings: Settings) -> Iterator[BoltStore]:
    """A ready BoltStore on NEO4J_URI (Neo4j, or FalkorDB's Bolt endpoint)."""
    from graph.bolt_store import BoltStore  # the neo4j driver takes a while to import

    if not settings.neo4j_uri:
        raise ConfigurationError("RINGSCOPE_STORE=bolt needs NEO4J_URI (e.g. bolt://host:7687)")
    store = BoltStore(
        settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password, settings.graph
    )
    try:
        store.ensure_schema()
        yield store
    finally:
        store.close()


def build_pipeline(settings: Settings, store: FalkorStore, *, scoring: bool = True) -> Pipeline:
    """The ingest pipeline; streams live on the graph's server (DESIGN.md)."""
    scorer: TransactionScorer | None = None
    publisher: AlertPublisher | None = None
    if scoring:
        scorer, publisher = build_scoring(settings, store)
    return Pipeline(
        store,
        identity_salt(settings),
        # the Bolt store has no Redis: rejected events are then only reported
        dead_letter=(
            DeadLetterStream(store.redis, settings.dead_letter_stream)
            if isinstance(store, FalkorStore)
            else None
        ),
        scorer=scorer,
        publisher=publisher,
        max_event_bytes=settings.max_event_bytes,
    )


def build_scoring(
    settings: Settings, store: FalkorStore
) -> tuple[TransactionScorer, AlertPublisher]:
    """Per-transaction scorer (features + rules) and the alert publisher, on the graph's Redis."""
    from ingest.scoring import build_scoring as build

    return build(store.redis, settings, model=load_risk_model(settings, store))


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
