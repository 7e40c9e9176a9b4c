"""The ASGI app: GraphQL at /graphql (HTTP and WebSocket), health, readiness, metrics, the UI.

``create_app`` is the API's composition root (also ``uvicorn --factory api.app:create_app``).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import ipaddress
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import redis
import redis.asyncio as aioredis
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute

from api import metrics
from api.feeds import AlertFeed, Broadcaster
from api.guard import GuardMiddleware
from api.hosts import HostAllowlist
from api.keys import REVOKED_CHANNEL, verify_key
from api.schema import build_schema
from api.services import Services
from api.view import GraphQLView, bearer
from core.errors import ConfigurationError
from core.explanations import AccountExplainer
from core.investigation import InvestigationStore
from core.settings import Settings, load_settings
from core.streams import HEARTBEAT_STALE_S, worker_heartbeat_key
from graph.aio import close_async_redis
from graph.cases import RedisCaseStore
from graph.triage import RedisTriageStore

logger = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _reads_for(store: Any, settings: Settings) -> tuple[InvestigationStore, str]:
    """Accept an InvestigationStore, a FalkorStore (reads on its server), or build from Settings."""
    from core.settings import read_urls
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


def _model_explainer(settings: Settings, store: Any, url: str) -> AccountExplainer | None:
    """The account model's explanations and cards, read from the registry and the edge log."""
    try:
        from gnn.explainer import RegistryExplainer
    except ImportError:  # installed without the gnn extra
        return None
    from graph.falkordb_store import FalkorStore

    def source() -> Any:  # the edge log lives on the graph's server (opened on first use)
        return store if isinstance(store, FalkorStore) else FalkorStore(url, settings.graph)

    return RegistryExplainer(settings.data_dir / "models", settings.model, source)


def _ui_routes() -> list[BaseRoute]:
    try:
        ui = importlib.import_module("investigator_ui")
        make = (
            getattr(ui, "routes", None) or importlib.import_module("investigator_ui.routes").routes
        )
    except (ImportError, AttributeError):
        logger.info("investigator UI not installed; serving the API only")
        return []
    return list(make())


def create_app(
    settings: Settings | None = None,
    *,
    store: Any = None,
    pipeline: Any = None,
    runner: Callable[[], Any] | None = None,
    ingest_health: Callable[[], str | None] | None = None,
    explainer: AccountExplainer | None = None,
) -> Starlette:
    """The app; ``ingest_health`` (``ringscope up``) says why its ingest workers are down."""
    settings = settings or load_settings()
    reads, url = _reads_for(store, settings)
    explainer = explainer or _model_explainer(settings, store, url)
    client = aioredis.Redis.from_url(url, max_connections=256)
    broadcaster = Broadcaster(client, settings.alerts_channel, settings.ring_updates_channel)
    required = settings.api_require_auth
    if required is None:
        required = not is_loopback(settings.host)
    services = Services(
        redis=client,
        broadcaster=broadcaster,
        settings=settings,
        pipeline=pipeline,
        runner=runner,
        alerts=AlertFeed(client, broadcaster, settings.alerts_stream),
        auth_required=required,
        cases=RedisCaseStore(client, settings.graph, settings.case_updates_channel),
        triage=RedisTriageStore(client, settings.graph),
        explainer=explainer,
    )
    schema = build_schema(
        max_depth=settings.api_max_depth,
        max_tokens=settings.api_max_tokens,
        introspection=settings.api_introspection,
        max_cost=settings.api_max_cost,
        max_page=settings.api_max_page,
        public_introspection=settings.api_public_introspection,
    )
    view = GraphQLView(schema, reads, services)
    broadcaster.handlers[REVOKED_CHANNEL] = view.forget_key  # revocation reaches every process

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        if not await reads.ping():
            return JSONResponse(
                {"status": "graph unreachable", "reason": "graph unreachable"}, status_code=503
            )
        reason = (ingest_health() if ingest_health else None) or await _ingest_problem(services)
        if reason:
            return JSONResponse({"status": "not ready", "reason": reason}, status_code=503)
        return JSONResponse({"status": "ready"})

    async def metrics_endpoint(request: Request) -> Response:
        if required and not settings.api_public_metrics:
            token = bearer(request.headers.get("authorization"))
            if token is None or await verify_key(client, token) is None:
                return PlainTextResponse(
                    "/metrics needs an API key: send `Authorization: Bearer <key>` "
                    "(or set RINGSCOPE_API_PUBLIC_METRICS=true)\n",
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
        await _scrape_gauges(services)
        return PlainTextResponse(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if required:
            logger.info("API keys required (bound to %s)", settings.host)
        else:
            logger.warning("API running OPEN without keys on %s: loopback demo only", settings.host)
        await broadcaster.start()
        try:
            yield
        finally:
            await view.key_watch.stop()
            await shutdown_services(services, reads)

    routes: list[BaseRoute] = [
        Route("/graphql", view, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", view),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics_endpoint),
        *_ui_routes(),
    ]
    middleware = [
        Middleware(
            GuardMiddleware,
            max_body=settings.api_max_body_bytes,
            timeout_s=settings.api_timeout_s,
            hosts=HostAllowlist(settings.allowed_hosts),
        )
    ]
    if settings.api_cors_origins:
        middleware.insert(
            1,
            Middleware(
                CORSMiddleware,
                allow_origins=settings.api_cors_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type"],
            ),
        )
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.services = services
    app.state.reads = reads
    return app


async def shutdown_services(services: Services, reads: InvestigationStore) -> None:
    """End subscriptions, the pub/sub reader and every Redis socket; each step is time-bounded."""
    await services.broadcaster.stop()
    await close_async_redis(services.redis)
    try:
        async with asyncio.timeout(3.0):
            await reads.close()
    except TimeoutError:
        logger.warning("closing the graph reads took longer than 3s; abandoned")


async def _scrape_gauges(services: Services) -> None:
    s = services.settings
    with contextlib.suppress(redis.RedisError):
        metrics.ALERTS_STREAM.set(await services.redis.xlen(s.alerts_stream))
        groups = await services.redis.xinfo_groups(s.stream)  # type: ignore[no-untyped-call]
        lag = next((g.get("lag") for g in groups if _name(g) == s.consumer_group), None)
        if lag is not None:
            metrics.INGEST_LAG.set(lag)


async def _ingest_problem(services: Services) -> str | None:
    """Why ingest is down or behind, seen from Redis: workers' check-ins and the group's lag."""
    s = services.settings
    try:
        beats = await services.redis.hgetall(worker_heartbeat_key(s.stream, s.consumer_group))
    except redis.RedisError:
        beats = {}
    if beats:  # workers have run: one at least must still check in
        quiet = time.time() - max(int(v) for v in beats.values()) / 1000
        if quiet > HEARTBEAT_STALE_S:
            return f"ingest down: no stream worker has checked in for {quiet:.0f}s"
    if not s.ready_max_lag:
        return None
    try:
        groups = await services.redis.xinfo_groups(s.stream)  # type: ignore[no-untyped-call]
    except redis.RedisError:  # no stream or group yet: nothing waits
        return None
    lag = next((g.get("lag") for g in groups if _name(g) == s.consumer_group), None)
    if lag is not None and int(lag) > s.ready_max_lag:
        return (
            f"ingest lag: {int(lag)} entries of {s.stream!r} wait for group "
            f"{s.consumer_group!r} (limit RINGSCOPE_READY_MAX_LAG={s.ready_max_lag})"
        )
    return None


def _name(group: dict[Any, Any]) -> str:
    name = group.get("name", b"")
    return name.decode() if isinstance(name, bytes) else str(name)
