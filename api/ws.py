"""WebSocket protocol handlers: shared subscriptions, and the HTTP timeout for everything else.

A subscription may wait for events for ever; subscribers with the same document, variables and
role share one execution (``api.fanout``). A query or mutation sent over the socket gets the
same ``api_timeout_s`` as over HTTP and then a ``TIMEOUT`` error, never a stuck operation.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, cast

import orjson
from graphql import OperationType
from starlette.websockets import WebSocketDisconnect
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ErrorMessage as TransportErrorMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import ErrorMessage

from api.fanout import DONE, FALLBACK, SharedStreams, operation_kind, replays, share_key

logger = logging.getLogger(__name__)
DEFAULT_TIMEOUT_S = 10.0


def is_subscription(query: str, operation_name: str | None) -> bool:
    """True for a subscription; False for queries, mutations and documents that do not parse."""
    return operation_kind(query, operation_name) == OperationType.SUBSCRIPTION


def timeout_error(timeout_s: float) -> dict[str, Any]:
    message = f"the operation took longer than {timeout_s:g}s; narrow it"
    return {"message": message, "extensions": {"code": "TIMEOUT"}}


def _timeout_of(handler: Any) -> float:
    return float(getattr(handler.view, "operation_timeout_s", DEFAULT_TIMEOUT_S))


async def run_shared(
    handler: Any, query: str, operation_name: str | None, variables: dict[str, Any] | None,
    prefix: str, suffix: str,
) -> bool:  # fmt: skip
    """Serve one subscriber from a shared execution; False when it must run on its own."""
    hub: SharedStreams | None = getattr(handler.view, "shared_streams", None)
    if hub is None or replays(query, operation_name, variables):
        return False

    async def start() -> Any:
        return await handler.schema.subscribe(
            query, variable_values=variables, context_value=handler.context,
            root_value=handler.root_value, operation_name=operation_name,
        )  # fmt: skip

    key = share_key(query, operation_name, variables, getattr(handler.context, "role", None))
    async with hub.join(key, start, handler.view.encode_json) as queue:
        while (item := await queue.get()) is not DONE:
            if item is FALLBACK:
                return False
            try:
                await handler.websocket.ws.send_text(prefix + item + suffix)
            except WebSocketDisconnect as exc:
                raise WebSocketDisconnected from exc
    return True


def _frame(kind: str, operation_id: str) -> tuple[str, str]:
    head = orjson.dumps({"id": operation_id, "type": kind}).decode()
    return head[:-1] + ',"payload":', "}"


class TransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    """graphql-transport-ws: queries and mutations end within the timeout."""

    async def run_operation(self, operation: Operation[Any, Any]) -> None:
        if is_subscription(operation.query, operation.operation_name):
            if not await self._run_shared(operation):
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

    async def _run_shared(self, operation: Operation[Any, Any]) -> bool:
        prefix, suffix = _frame("next", operation.id)
        try:
            shared = await run_shared(self, operation.query, operation.operation_name,
                                      operation.variables, prefix, suffix)  # fmt: skip
        except WebSocketDisconnected:
            return True
        if shared:
            await operation.send_operation_message({"id": operation.id, "type": "complete"})
        return shared


class LegacyWSHandler(BaseGraphQLWSHandler[Any, Any]):
    """graphql-ws (legacy): the same bound for queries and mutations."""

    async def handle_async_results(
        self, operation_id: str, query: str, operation_name: str | None,
        variables: dict[str, object] | None,
    ) -> None:  # fmt: skip
        if is_subscription(query, operation_name):
            if not await self._run_shared(operation_id, query, operation_name, variables):
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

    async def _run_shared(self, operation_id: str, query: str, operation_name: str | None,
                          variables: dict[str, object] | None) -> bool:  # fmt: skip
        prefix, suffix = _frame("data", operation_id)
        try:
            if not await run_shared(self, query, operation_name, variables, prefix, suffix):
                return False
            await self.send_message({"type": "complete", "id": operation_id})
        except WebSocketDisconnected:
            pass  # the subscriber went away: there is no one left to tell
        except asyncio.CancelledError:
            await self.send_message({"type": "complete", "id": operation_id})
            raise
        self.tasks.pop(operation_id, None)
        return True
