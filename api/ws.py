"""WebSocket protocol handlers: limits first, shared subscriptions, the HTTP timeout.

Every subscribe/start message is checked before any parse or execution: its payload shape, the
query's length and its token count, and the cap on operations per socket
(``api_max_subscriptions``); a refusal is an ``error`` message with ``extensions.code``. A
subscription may wait for events for ever; subscribers with the same document, variables and
role share one execution (``api.fanout``). A query or mutation sent over the socket gets the
same ``api_timeout_s`` as over HTTP and then a ``TIMEOUT`` error, never a stuck operation.
A socket whose API key is revoked is closed with 4403 (``api.keys.SocketKeyWatch``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, cast

import orjson
from graphql import GraphQLError, OperationType, parse
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

from api.fanout import (
    CACHED_CHARS,
    DONE,
    FALLBACK,
    SharedStreams,
    operation_kind,
    parsed,
    replays,
    share_key,
)

logger = logging.getLogger(__name__)
DEFAULT_TIMEOUT_S = 10.0
REVOKED_CODE = 4403
_INLINE_PARSE_CHARS = CACHED_CHARS  # longer: parsed in a thread, not cached


async def precheck(handler: Any, payload: Any) -> dict[str, Any] | None:
    """Why a subscribe payload must not run (a GraphQL error), or None: checked before parsing."""
    view = handler.view
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return _coded("the payload needs a string `query`", "BAD_REQUEST")
    for field in ("variables", "extensions"):
        if payload.get(field) is not None and not isinstance(payload.get(field), dict):
            return _coded(f"`{field}` must be an object or null", "BAD_REQUEST")
    operation_name = payload.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        return _coded("`operationName` must be a string or null", "BAD_REQUEST")
    query: str = payload["query"]
    limit = int(getattr(view, "max_query_bytes", 65_536))
    if len(query) > limit:
        return _coded(f"`query` is longer than {limit} characters", "BAD_REQUEST")
    tokens = int(getattr(view, "max_tokens", 2000))
    try:  # a long document is parsed off the event loop: other clients keep being served
        if len(query) > _INLINE_PARSE_CHARS:
            await asyncio.to_thread(parse, query, no_location=True, max_tokens=tokens)
        elif isinstance(problem := parsed(query, tokens), GraphQLError):
            return _coded(problem.message, "GRAPHQL_PARSE_FAILED")  # cached: never re-raised
    except GraphQLError as exc:
        return _coded(exc.message, "GRAPHQL_PARSE_FAILED")
    cap = handler.max_subscriptions_per_connection
    running = len(getattr(handler, "operations", None) or getattr(handler, "tasks", {}))
    if cap is not None and running >= cap:
        return _coded(
            f"this socket already runs {running} operations, the limit "
            "(RINGSCOPE_API_MAX_SUBSCRIPTIONS); open another socket or complete one",
            "TOO_MANY_SUBSCRIPTIONS",
        )
    return None


def _coded(message: str, code: str) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": code}}


def _watch(handler: Any) -> None:
    """Once acknowledged, a socket with a key is closed if that key stops verifying."""
    watch = getattr(handler.view, "key_watch", None)
    token = getattr(handler.context, "token", None)
    if watch is not None and token:
        watch.add(handler, token)


def _unwatch(handler: Any) -> None:
    watch = getattr(handler.view, "key_watch", None)
    if watch is not None:
        watch.discard(handler)


def is_subscription(query: str, operation_name: str | None) -> bool:
    """True for a subscription; False for queries, mutations and documents that do not parse."""
    return operation_kind(query, operation_name) == OperationType.SUBSCRIPTION


def timeout_error(timeout_s: float) -> dict[str, Any]:
    message = f"the operation took longer than {timeout_s:g}s; narrow it"
    return {"message": message, "extensions": {"code": "TIMEOUT"}}


def _timeout_of(handler: Any) -> float:
    return float(getattr(handler.view, "operation_timeout_s", DEFAULT_TIMEOUT_S))


async def run_shared(
    handler: Any,
    query: str,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    prefix: str,
    suffix: str,
) -> bool:
    """Serve one subscriber from a shared execution; False when it must run on its own."""
    hub: SharedStreams | None = getattr(handler.view, "shared_streams", None)
    if hub is None or replays(query, operation_name, variables):
        return False

    async def start() -> Any:
        return await handler.schema.subscribe(
            query,
            variable_values=variables,
            context_value=handler.context,
            root_value=handler.root_value,
            operation_name=operation_name,
        )

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
    """graphql-transport-ws: limits before work; queries and mutations end within the timeout."""

    async def handle(self) -> None:
        try:
            await super().handle()
        finally:
            _unwatch(self)

    async def handle_connection_init(self, message: Any) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged:
            _watch(self)

    async def handle_subscribe(self, message: Any) -> None:
        if self.connection_acknowledged and message.get("id") not in self.operations:
            problem = await precheck(self, message.get("payload"))
            if problem is not None:
                reply = {"id": message["id"], "type": "error", "payload": [problem]}
                await self.send_message(cast("TransportErrorMessage", reply))
                return
        await super().handle_subscribe(message)

    async def revoke(self) -> None:
        """Stop every operation and close: the socket's key no longer verifies."""
        await self.shutdown()
        await self.websocket.close(REVOKED_CODE, "API key revoked")

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
            shared = await run_shared(
                self, operation.query, operation.operation_name, operation.variables, prefix, suffix
            )
        except WebSocketDisconnected:
            return True
        if shared:
            await operation.send_operation_message({"id": operation.id, "type": "complete"})
        return shared


class LegacyWSHandler(BaseGraphQLWSHandler[Any, Any]):
    """graphql-ws (legacy): the same limits and bound for queries and mutations."""

    async def handle(self) -> None:
        try:
            await super().handle()
        finally:
            _unwatch(self)

    async def handle_connection_init(self, message: Any) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged:
            _watch(self)

    async def handle_start(self, message: Any) -> None:
        if self.connection_acknowledged:
            if message.get("id") in self.tasks:
                await self.cleanup_operation(message["id"])
            problem = await precheck(self, message.get("payload"))
            if problem is not None:
                await self.send_message(
                    cast(
                        "ErrorMessage",
                        {"type": "error", "id": message.get("id"), "payload": problem},
                    )
                )
                return
        await super().handle_start(message)

    async def revoke(self) -> None:
        await self.cleanup()
        await self.websocket.close(REVOKED_CODE, "API key revoked")

    async def handle_async_results(
        self,
        operation_id: str,
        query: str,
        operation_name: str | None,
        variables: dict[str, object] | None,
    ) -> None:
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

    async def _run_shared(
        self,
        operation_id: str,
        query: str,
        operation_name: str | None,
        variables: dict[str, object] | None,
    ) -> bool:
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
