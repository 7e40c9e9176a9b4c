"""WebSocket protocol handlers with the HTTP request timeout applied to queries and mutations.

A subscription may wait for events for ever; a query or mutation sent over the socket gets the
same ``api_timeout_s`` as over HTTP and then a ``TIMEOUT`` error, never a stuck operation.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, cast

from graphql import GraphQLError, OperationType, get_operation_ast, parse
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ErrorMessage as TransportErrorMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import ErrorMessage

logger = logging.getLogger(__name__)
DEFAULT_TIMEOUT_S = 10.0


def is_subscription(query: str, operation_name: str | None) -> bool:
    """True for a subscription; False for queries, mutations and documents that do not parse."""
    try:
        op = get_operation_ast(parse(query, no_location=True), operation_name)
    except GraphQLError:
        return False
    return op is not None and op.operation == OperationType.SUBSCRIPTION


def timeout_error(timeout_s: float) -> dict[str, Any]:
    message = f"the operation took longer than {timeout_s:g}s; narrow it"
    return {"message": message, "extensions": {"code": "TIMEOUT"}}


def _timeout_of(handler: Any) -> float:
    return float(getattr(handler.view, "operation_timeout_s", DEFAULT_TIMEOUT_S))


class TransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    """graphql-transport-ws: queries and mutations end within the timeout."""

    async def run_operation(self, operation: Operation[Any, Any]) -> None:
        if is_subscription(operation.query, operation.operation_name):
            await super().run_operation(operation)
            return
        timeout_s = _timeout_of(self)
        try:
            async with asyncio.timeout(timeout_s):
                await super().run_operation(operation)
        except TimeoutError:
            logger.warning("WebSocket operation %s timed out after %.1fs", operation.id, timeout_s)
            message = {"id": operation.id, "type": "error", "payload": [timeout_error(timeout_s)]}
            await operation.send_operation_message(cast("TransportErrorMessage", message))


class LegacyWSHandler(BaseGraphQLWSHandler[Any, Any]):
    """graphql-ws (legacy): the same bound for queries and mutations."""

    async def handle_async_results(
        self, operation_id: str, query: str, operation_name: str | None,
        variables: dict[str, object] | None,
    ) -> None:  # fmt: skip
        if is_subscription(query, operation_name):
            await super().handle_async_results(operation_id, query, operation_name, variables)
            return
        timeout_s = _timeout_of(self)
        try:
            async with asyncio.timeout(timeout_s):
                await super().handle_async_results(operation_id, query, operation_name, variables)
        except TimeoutError:
            logger.warning("WebSocket operation %s timed out after %.1fs", operation_id, timeout_s)
            message = {"type": "error", "id": operation_id, "payload": timeout_error(timeout_s)}
            await self.send_message(cast("ErrorMessage", message))
