"""The composition root: picks the concrete adapters from Settings and wires them together."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from core.ports import AlertPublisher, TransactionScorer
from core.settings import Settings
from graph.embedded import EmbeddedFalkorDB
from graph.falkordb_store import FalkorStore
from ingest.deadletter import DeadLetterStream
from ingest.pipeline import Pipeline

logger = logging.getLogger(__name__)


@contextmanager
def graph_server(settings: Settings) -> Iterator[str]:
    """The URL of the FalkorDB to use: FALKORDB_URL, or an embedded server for the duration."""
    if settings.falkordb_url:
        yield settings.falkordb_url
        return
    with EmbeddedFalkorDB(settings.data_dir / "falkordb", settings.embedded_port) as server:
        yield server.url


@contextmanager
def open_store(settings: Settings) -> Iterator[FalkorStore]:
    """A ready FalkorStore (schema ensured) on the configured or embedded server."""
    with graph_server(settings) as url:
        store = FalkorStore(url, settings.graph)
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
        settings.identity_salt,
        dead_letter=DeadLetterStream(store.redis, settings.dead_letter_stream),
        scorer=scorer,
        publisher=publisher,
        max_event_bytes=settings.max_event_bytes,
    )


def build_scoring(
    settings: Settings, store: FalkorStore
) -> tuple[TransactionScorer, AlertPublisher]:
    """Per-transaction scorer (features + rules) and the alert publisher, on the graph's Redis."""
    from ingest.scoring import build_scoring as build

    return build(store.redis, settings, model=None)
