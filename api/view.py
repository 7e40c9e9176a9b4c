"""The strawberry ASGI view: builds each request's Context and authenticates callers."""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UnsetType

from api import metrics
from api.context import Context
from api.keys import verify_key
from api.ws import LegacyWSHandler, TransportWSHandler
from core.investigation import InvestigationStore

logger = logging.getLogger(__name__)


def _bearer(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    return text[7:].strip() if text.lower().startswith("bearer ") else text


class GraphQLView(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler

    def __init__(self, schema: Any, store: InvestigationStore, services: Any) -> None:
        super().__init__(
            schema, graphql_ide=None, allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
        )  # fmt: skip
        self.store = store
        self.services = services
        self.operation_timeout_s = float(services.settings.api_timeout_s)

    async def _role_for(self, token: str | None) -> tuple[str | None, str]:
        if token:
            key = await verify_key(self.services.redis, token)
            if key is None:
                return None, "invalid-key"
            return key.role, f"key:{key.key_id}"
        if self.services.auth_required:
            return None, "anonymous"
        return "admin", "open-demo"

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None
    ) -> Context:
        role, principal = await self._role_for(_bearer(request.headers.get("authorization")))
        settings = self.services.settings
        return Context(store=self.store, services=self.services, role=role, principal=principal,
                       max_page=settings.api_max_page, max_nodes=settings.api_max_nodes,
                       request=request, response=response)  # fmt: skip

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        token = next((_bearer(params.get(k)) for k in ("Authorization", "authorization", "apiKey",
                      "token") if params.get(k)), None)  # fmt: skip
        if token:
            context.role, context.principal = await self._role_for(token)
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
