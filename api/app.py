"""The ASGI app: GraphQL at /graphql (HTTP and WebSocket), health, readiness, metrics, the UI.

``build_app`` takes the adapters ``ringscope.bootstrap.create_app`` wires (also the ASGI factory:
``uvicorn --factory ringscope.bootstrap:create_app``).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import ipaddress
import logging
import time
from collections.abc import AsyncIterator, Callable

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute

from api import metrics
from api.guard import GuardMiddleware
from api.hosts import HostAllowlist
from api.keys import verify_key
from api.schema import build_schema
from api.services import Services
from api.view import GraphQLView, bearer
from core.errors import RingscopeError
from core.investigation import InvestigationStore
from core.settings import Settings
from core.streams import HEARTBEAT_STALE_S, worker_heartbeat_key

logger = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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


def resolve_auth(settings: Settings) -> bool:
    """Whether API keys are required: as configured, else whenever not bound to loopback."""
    if settings.api_require_auth is not None:
        return settings.api_require_auth
    return not is_loopback(settings.host)


def build_app(
    settings: Settings,
    services: Services,
    reads: InvestigationStore,
    *,
    ingest_health: Callable[[], str | None] | None = None,
) -> Starlette:
    """The app on adapters the composition root built (``ringscope.bootstrap.create_app``).

    ``ingest_health`` (``ringscope up``) says why its ingest workers are down.
    """
    broadcaster = services.broadcaster
    required = services.auth_required
    schema = build_schema(
        max_depth=settings.api_max_depth,
        max_tokens=settings.api_max_tokens,
        introspection=settings.api_introspection,
        max_cost=settings.api_max_cost,
        max_page=settings.api_max_page,
        public_introspection=settings.api_public_introspection,
    )
    view = GraphQLView(schema, reads, services)
    broadcaster.handlers[services.keys.revoked_channel] = (
        view.forget_key
    )  # revocation reaches every process

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
            if token is None or await verify_key(services.keys, token) is None:
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
    await services.bus.aclose()
    try:
        async with asyncio.timeout(3.0):
            await reads.close()
    except TimeoutError:
        logger.warning("closing the graph reads took longer than 3s; abandoned")


async def _scrape_gauges(services: Services) -> None:
    s = services.settings
    with contextlib.suppress(RingscopeError):
        metrics.ALERTS_STREAM.set(await services.streams.length(s.alerts_stream))
        lag = await services.streams.group_lag(s.stream, s.consumer_group)
        if lag is not None:
            metrics.INGEST_LAG.set(lag)


async def _ingest_problem(services: Services) -> str | None:
    """Why ingest is down or behind, seen from the streams: workers' check-ins and the lag."""
    s = services.settings
    try:
        beats = await services.streams.heartbeats(worker_heartbeat_key(s.stream, s.consumer_group))
    except RingscopeError:
        beats = {}
    if beats:  # workers have run: one at least must still check in
        quiet = time.time() - max(beats.values()) / 1000
        if quiet > HEARTBEAT_STALE_S:
            return f"ingest down: no stream worker has checked in for {quiet:.0f}s"
    if not s.ready_max_lag:
        return None
    try:
        lag = await services.streams.group_lag(s.stream, s.consumer_group)
    except RingscopeError:
        return None
    if lag is not None and lag > s.ready_max_lag:
        return (
            f"ingest lag: {lag} entries of {s.stream!r} wait for group "
            f"{s.consumer_group!r} (limit RINGSCOPE_READY_MAX_LAG={s.ready_max_lag})"
        )
    return None
