"""The GraphQL endpoint: HTTP by the spec (``api.graphql_http``), WebSockets by strawberry.

It builds each request's Context and authenticates callers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UnsetType

from api import metrics
from api.context import Context
from api.execution import HTTPExecutor, direct_documents
from api.fanout import SharedStreams
from api.graphql_http import GraphQLRequest, serve_graphql_http
from api.keys import SocketKeyWatch, key_principal, verify_key
from api.ws import LegacyWSHandler, TransportWSHandler
from core.investigation import InvestigationStore

logger = logging.getLogger(__name__)


def bearer(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    return text[7:].strip() if text.lower().startswith("bearer ") else text


class GraphQLView(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler

    def __init__(self, schema: Any, store: InvestigationStore, services: Any) -> None:
        settings = services.settings
        super().__init__(
            schema,
            graphql_ide=None,
            allow_queries_via_get=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
            max_subscriptions_per_connection=settings.api_max_subscriptions,
            allowed_origins=settings.api_cors_origins,
        )
        self.store = store
        self.services = services
        self.operation_timeout_s = float(settings.api_timeout_s)
        self.key_cache_s = float(settings.api_key_cache_s)
        self.max_query_bytes = int(settings.api_max_query_bytes)
        self.max_tokens = int(settings.api_max_tokens)
        self._keys: dict[str, tuple[float, str | None, str]] = {}
        self.shared_streams = SharedStreams()
        self.key_watch = SocketKeyWatch(services.keys, self.key_cache_s or 1.0)
        documents = direct_documents(schema)
        self.http_executor = HTTPExecutor(schema, documents) if documents else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        response = await serve_graphql_http(
            request, self._execute, self._format, self.max_query_bytes
        )
        await response(scope, receive, send)

    async def _execute(
        self, request: Request, gql: GraphQLRequest, allowed: set[OperationType]
    ) -> ExecutionResult:
        context = await self.get_context(request, None)
        if self.http_executor is not None:
            return await self.http_executor.execute(
                gql.query, gql.variables, context, gql.operation_name, allowed, gql.extensions
            )
        return await self.schema.execute(
            gql.query,
            variable_values=gql.variables,
            context_value=context,
            operation_name=gql.operation_name,
            allowed_operation_types=allowed,
            operation_extensions=gql.extensions,
        )

    async def _format(self, request: Request, result: ExecutionResult) -> dict[str, Any]:
        return dict(await self.process_result(request, result))

    def encode_json(self, data: object) -> str:
        try:  # str, not bytes: WebSocket messages must go out as text frames
            return orjson.dumps(data).decode()
        except TypeError:  # e.g. an integer past 64 bits in a JSON scalar
            return json.dumps(data, separators=(",", ":"))

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    async def _role_for(self, token: str | None) -> tuple[str | None, str]:
        if token:
            return await self._verified(token)
        if self.services.auth_required:
            return None, "anonymous"
        return "admin", "open-demo"

    async def _verified(self, token: str) -> tuple[str | None, str]:
        """Role and principal of a key, from a short-lived cache before asking Redis."""
        digest = hashlib.sha256(token.encode()).hexdigest()
        now = time.monotonic()
        hit = self._keys.get(digest)
        if hit is not None and hit[0] > now:
            return hit[1], hit[2]
        key = await verify_key(self.services.keys, token)
        role, principal = (None, "invalid-key") if key is None else (key.role, key_principal(key))
        if self.key_cache_s > 0:
            if len(self._keys) >= 10_000:
                self._keys.clear()
            self._keys[digest] = (now + self.key_cache_s, role, principal)
        return role, principal

    def forget_key(self, key_id: str) -> None:
        """Drop a revoked key from this process's cache (``api.keys.REVOKED_CHANNEL``)."""
        plain, named = f"key:{key_id}", f"(key:{key_id})"  # see api.keys.key_principal
        revoked = [d for d, hit in self._keys.items() if hit[2] == plain or hit[2].endswith(named)]
        for digest in revoked:
            del self._keys[digest]

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None
    ) -> Context:
        token = bearer(request.headers.get("authorization"))
        role, principal = await self._role_for(token)
        settings = self.services.settings
        return Context(
            store=self.store,
            services=self.services,
            role=role,
            principal=principal,
            max_page=settings.api_max_page,
            max_nodes=settings.api_max_nodes,
            request=request,
            response=response,
            token=token,
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        token = next(
            (
                bearer(params.get(k))
                for k in ("Authorization", "authorization", "apiKey", "token")
                if params.get(k)
            ),
            None,
        )
        if token:
            context.role, context.principal = await self._role_for(token)
            context.token = token
        if context.role is None:
            logger.info("WebSocket rejected: no valid API key")
            raise ConnectionRejectionError({"code": "UNAUTHENTICATED"})
        return await super().on_ws_connect(context)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        for error in result.errors or ():
            metrics.GRAPHQL_ERRORS.labels(str((error.extensions or {}).get("code", "?"))).inc()
        return await super().process_result(request, result)
