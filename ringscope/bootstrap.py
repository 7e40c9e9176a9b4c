"""The composition root: the one place that picks concrete adapters from Settings and wires them.

``bootstrap(settings)`` opens the graph server (``FALKORDB_URL`` or an embedded one) and the
store, and yields a typed ``Runtime``; the commands (``up``, ``serve``, ``worker``, ``detect``,
``train`` ...), the API's ``create_app`` and the parallel loaders take what they need from it.
Nothing else constructs an adapter (compare cosmicpython's ``bootstrap.py``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.errors import ConfigurationError
from core.explanations import AccountExplainer
from core.ports import AccountRiskModel, AlertPublisher, GraphStore, TransactionScorer
from core.settings import Settings, load_settings, read_urls
from graph.embedded import EmbeddedFalkorDB
from graph.falkordb_store import FalkorStore
from graph.streams import RedisClient, RedisStreams, RedisStreamSource
from graph.supervisor import supervised
from ingest.deadletter import DeadLetterStream
from ingest.pipeline import Pipeline
from ringscope.models import load_risk_model
from ringscope.secrets import identity_salt

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from api.keys import KeyStore
    from detection.run import RunSummary
    from graph.bolt_store import BoltStore
    from graph.bulk import BulkBuilder
    from graph.bulkwriter import BulkPart
    from ingest.scoring import RuleScorer, TransactionAlertPublisher
    from ingest.worker import StreamWorker
    from ringscope.metrics import MetricsServer

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
def open_streams(settings: Settings) -> Iterator[RedisStreams]:
    """Appends to the streams of the configured (or an embedded) server, without a store."""
    with graph_server(settings) as url:
        streams = RedisStreams.from_url(url, settings)
        try:
            yield streams
        finally:
            streams.close()


@dataclass
class Runtime:
    """What one process runs on: the settings, the graph store and its server.

    ``url`` is the FalkorDB server (None on the Bolt store, which has no Redis beside it: no
    streams, edge log or detection; docs/bolt.md). Each thread that writes or detects gets its
    own store from ``new_store`` (a FalkorStore holds one connection pool and a writer cache).
    """

    settings: Settings
    store: GraphStore
    url: str | None

    def falkor(self) -> FalkorStore:
        """The store as a FalkorStore; the parts that need Redis beside the graph ask for it."""
        if not isinstance(self.store, FalkorStore):
            raise ConfigurationError(
                "this needs FalkorDB (streams, edge log, detection): unset RINGSCOPE_STORE=bolt"
            )
        return self.store

    def new_store(self) -> FalkorStore:
        """Another FalkorStore on the same server and graph (for a thread of its own)."""
        return FalkorStore(self.falkor().url, self.settings.graph)

    def pipeline(self, store: GraphStore | None = None, *, scoring: bool = True) -> Pipeline:
        return build_pipeline(self.settings, store or self.store, scoring=scoring)

    def loader_pipelines(self) -> LoaderPipelines:
        """Pipelines for loader processes (picklable: it crosses a spawn)."""
        return LoaderPipelines(self.settings, self.falkor().url)

    def bulk_builder(self, max_memory: int | None = None) -> BulkBuilder:
        """Builds this (empty) graph with GRAPH.BULK (``ringscope ingest --bulk``); it stops
        when this process holds more than ``max_memory`` bytes (default: half the memory
        available)."""
        from graph.bulk import BulkBuilder

        return BulkBuilder(self.falkor(), max_memory=max_memory)

    def stream_worker(self, name: str | None = None, **kwargs: Any) -> StreamWorker:
        """A stream consumer with a store and pipeline of its own; ``close_worker`` ends it."""
        from ingest.worker import StreamWorker

        store = self.new_store()
        source = RedisStreamSource.for_settings(store.redis, self.settings)
        return StreamWorker(source, self.pipeline(store), self.settings, name=name, **kwargs)

    def detection_runner(self) -> Callable[[], RunSummary]:
        """One detection run at a time on a store of its own (``runDetection``, the scheduler)."""
        return DetectionRunner(self.settings, self.falkor().url)

    def create_app(self, **kwargs: Any) -> Starlette:
        """The API on this runtime's server, with ingest and detection wired in."""
        return create_app(
            self.settings,
            store=self.falkor(),  # the API reads from this server (and its replicas)
            pipeline=self.pipeline(self.new_store()),
            runner=self.detection_runner(),
            **kwargs,
        )

    def streams(self) -> RedisStreams:
        """Appends to and figures of the streams on the graph's server (a client of its own)."""
        return RedisStreams.from_url(self.falkor().url, self.settings)

    def serve_metrics(self, port: int | None = None) -> MetricsServer:
        """The stream gauges' refresher and, if a port is set, ``/metrics`` on it."""
        from ringscope.metrics import serve_metrics

        return serve_metrics(self.settings, RedisStreams(self.falkor().redis, self.settings), port)


def attach(settings: Settings, url: str) -> Runtime:
    """A Runtime on a FalkorDB server another process opened (no schema work, no embedded)."""
    return Runtime(settings, FalkorStore(url, settings.graph), url)


def close_worker(worker: StreamWorker) -> None:
    """Close a worker from ``Runtime.stream_worker`` with its pipeline and store."""
    worker.close()
    worker.pipeline.close()
    worker.pipeline.store.close()


class DetectionRunner:
    """Runs detection on a fresh store each time; runs never overlap (also a Redis lock)."""

    def __init__(self, settings: Settings, url: str) -> None:
        self.settings, self.url = settings, url
        self._lock = threading.Lock()

    def __call__(self) -> RunSummary:
        from detection.run import run_detection
        from ringscope.metrics import record_run

        with self._lock:
            store = FalkorStore(self.url, self.settings.graph)
            try:
                summary = run_detection(self.settings, store)
                record_run(summary)
                return summary
            finally:
                store.close()


@contextmanager
def bootstrap(settings: Settings | None = None) -> Iterator[Runtime]:
    """Open the configured store (schema ensured) and yield the Runtime around it."""
    settings = settings or load_settings()
    with open_store(settings) as store:
        url = store.url if isinstance(store, FalkorStore) else None
        yield Runtime(settings, store, url)


@contextmanager
def open_store(settings: Settings) -> Iterator[GraphStore]:
    """A ready FalkorStore (schema ensured) on the configured or embedded server.

    With ``RINGSCOPE_STORE=bolt`` it is a BoltStore on ``NEO4J_URI`` instead: the same
    GraphStore port, but no Redis beside it (no streams, edge log or detection; docs/bolt.md).
    """
    if settings.store == "bolt":
        with open_bolt_store(settings) as bolt:
            yield bolt
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


def build_pipeline(settings: Settings, store: GraphStore, *, scoring: bool = True) -> Pipeline:
    """The ingest pipeline; streams live on the graph's server (DESIGN.md)."""
    scorer: TransactionScorer | None = None
    publisher: AlertPublisher | None = None
    falkor = store if isinstance(store, FalkorStore) else None
    if scoring and falkor is not None:
        scorer, publisher = build_scoring(settings, falkor)
    return Pipeline(
        store,
        identity_salt(settings),
        # the Bolt store has no Redis: rejected events are then only reported
        dead_letter=(
            DeadLetterStream(RedisStreams(falkor.redis), settings.dead_letter_stream)
            if falkor
            else None
        ),
        scorer=scorer,
        publisher=publisher,
        max_event_bytes=settings.max_event_bytes,
    )


@dataclass(frozen=True)
class LoaderPipelines:
    """Opens a pipeline (and its store) inside a loader process; picklable for ``spawn``."""

    settings: Settings
    url: str

    @contextmanager
    def __call__(self, scoring: bool) -> Iterator[Pipeline]:
        store = FalkorStore(self.url, self.settings.graph)
        pipeline = build_pipeline(self.settings, store, scoring=scoring)
        try:
            yield pipeline
        finally:
            pipeline.close()
            store.close()

    @contextmanager
    def bulk(self, sink: Callable[[BulkPart], None], first: int, step: int) -> Iterator[Pipeline]:
        from graph.bulkwriter import BulkWriter

        store = FalkorStore(self.url, self.settings.graph)
        pipeline = build_pipeline(self.settings, store, scoring=False)
        pipeline.store = BulkWriter(store, sink, first=first, step=step)
        try:
            yield pipeline
        finally:
            pipeline.close()
            store.close()


def build_scoring(
    settings: Settings, store: FalkorStore
) -> tuple[TransactionScorer, AlertPublisher]:
    """Per-transaction scorer (features + rules) and the alert publisher, on the graph's Redis."""
    model = load_risk_model(settings, store)
    return rule_scorer(store.redis, settings, model), alert_publisher(store.redis, settings)


def rule_scorer(
    client: RedisClient, settings: Settings, model: AccountRiskModel | None = None
) -> RuleScorer:
    """The rules (and model) scorer on the streaming features kept in ``client``'s Redis."""
    from graph.features import RedisFeatureStore
    from ingest.scoring import RuleScorer

    return RuleScorer(RedisFeatureStore.from_settings(client, settings), settings, model=model)


def alert_publisher(
    client: RedisClient, settings: Settings, webhooks: bool = True
) -> TransactionAlertPublisher:
    """Alerts on the configured stream and channel, and to the configured webhooks;
    call ``close()`` at shutdown."""
    from graph.alerts import RedisAlertLog
    from ingest.scoring import TransactionAlertPublisher, WebhookNotifier

    hooks = WebhookNotifier.from_settings(settings, RedisStreams(client)) if webhooks else None
    return TransactionAlertPublisher(RedisAlertLog(client, settings), hooks)


def create_app(
    settings: Settings | None = None,
    *,
    store: Any = None,
    pipeline: Pipeline | None = None,
    runner: Callable[[], RunSummary] | None = None,
    ingest_health: Callable[[], str | None] | None = None,
    explainer: AccountExplainer | None = None,
) -> Starlette:
    """The API's adapters wired into ``api.app.build_app``; also the ASGI factory
    (``uvicorn --factory ringscope.bootstrap:create_app``, on ``FALKORDB_URL``).

    ``store`` is an InvestigationStore, or a FalkorStore whose server the reads go to; without
    one the reads go to ``FALKORDB_URL`` (and its replicas, ``FALKORDB_READ_URLS``).
    """
    from api.app import build_app, resolve_auth
    from api.feeds import AlertFeed, Broadcaster
    from api.services import Services
    from graph.cases import RedisCaseStore
    from graph.keys import AsyncRedisKeyRecords
    from graph.pubsub import RedisBus, async_client
    from graph.stream_reads import RedisStreamReads
    from graph.triage import RedisTriageStore

    settings = settings or load_settings()
    reads, url = _api_reads(store, settings)
    client = async_client(url)
    bus = RedisBus(client)
    streams = RedisStreamReads(client)
    broadcaster = Broadcaster(bus, settings.alerts_channel, settings.ring_updates_channel)
    services = Services(
        bus=bus,
        streams=streams,
        keys=AsyncRedisKeyRecords(client),
        broadcaster=broadcaster,
        settings=settings,
        pipeline=pipeline,
        runner=runner,
        alerts=AlertFeed(streams, broadcaster, settings.alerts_stream),
        auth_required=resolve_auth(settings),
        cases=RedisCaseStore(client, settings.graph, settings.case_updates_channel),
        triage=RedisTriageStore(client, settings.graph),
        explainer=explainer or _model_explainer(settings, store, url),
    )
    return build_app(settings, services, reads, ingest_health=ingest_health)


def _model_explainer(settings: Settings, store: Any, url: str) -> AccountExplainer | None:
    """The account model's explanations and cards, read from the registry and the edge log."""
    try:
        from gnn.explainer import RegistryExplainer
    except ImportError:  # installed without the gnn extra
        return None

    def source() -> FalkorStore:  # the edge log lives on the graph's server (opened on first use)
        return store if isinstance(store, FalkorStore) else FalkorStore(url, settings.graph)

    return RegistryExplainer(settings.data_dir / "models", settings.model, source)


def _api_reads(store: Any, settings: Settings) -> tuple[Any, str]:
    """An InvestigationStore as given, or FalkorReads on the store's server or FALKORDB_URL."""
    from graph.reads import FalkorReads

    def reads(url: str, graph: str) -> FalkorReads:  # API reads go to FALKORDB_READ_URLS if set
        return FalkorReads(
            url, graph, read_urls=read_urls(settings), wait_ms=settings.read_your_writes_ms
        )

    if store is not None and hasattr(store, "neighbourhood"):
        return store, str(store.url)
    if store is not None:
        return reads(store.url, store.graph_name), str(store.url)
    if not settings.falkordb_url:
        raise ConfigurationError(
            "the API needs a graph server: set FALKORDB_URL, or pass store= (ringscope serve does)"
        )
    return reads(settings.falkordb_url, settings.graph), settings.falkordb_url


def key_store(url: str) -> KeyStore:
    """API keys (create, list, revoke) on the Redis at ``url``."""
    from api.keys import KeyStore
    from graph.keys import RedisKeyRecords

    return KeyStore(RedisKeyRecords.from_url(url))
