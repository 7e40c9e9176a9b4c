"""One execution per distinct subscription: subscribers share the result and its JSON text.

Subscribers that send the same document, variables and operation name with the same role
join one group. The group runs the subscription once and encodes each result's payload once;
every member only wraps that text with its own operation id and sends it (FACTS.md: the
per-subscriber execution and serialisation is what made 1,000 subscribers slow). A member
that asks to replay (`after`) runs on its own, so its replay stays its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from functools import lru_cache
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    NullValueNode,
    OperationType,
    VariableNode,
    get_operation_ast,
    parse,
)
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from api import metrics
from api.queues import put_dropping_oldest

logger = logging.getLogger(__name__)
QUEUE_SIZE = 1000
PARSED_SIZE = 256
CACHED_CHARS = 4096
FALLBACK: Any = object()  # the document did not run (errors): the member runs it on its own
DONE: Any = None  # the stream ended
Start = Callable[[], Awaitable[Any]]
Encode = Callable[[object], str]


@lru_cache(maxsize=PARSED_SIZE)
def parsed(query: str, max_tokens: int | None = None) -> DocumentNode | GraphQLError:
    """The document, or why it does not parse. A small LRU: every subscriber of an alert feed
    sends the same text, and it was parsed three times each (limits, kind, replay); the WebSocket
    handlers bound a query's length before it gets here, and junk only evicts junk."""
    try:
        return parse(query, no_location=True, max_tokens=max_tokens)
    except GraphQLError as error:
        return error


def _document(query: str) -> DocumentNode | None:
    # only short texts are kept: the cache stays small (PARSED_SIZE x CACHED_CHARS at most)
    document = parsed(query) if len(query) <= CACHED_CHARS else parsed.__wrapped__(query)
    return None if isinstance(document, GraphQLError) else document


def operation_kind(query: str, operation_name: str | None) -> OperationType | None:
    document = _document(query)
    op = get_operation_ast(document, operation_name) if document else None
    return op.operation if op else None


def replays(query: str, operation_name: str | None, variables: dict[str, Any] | None) -> bool:
    """True when a top-level field gets a non-null `after`: that subscriber replays alone."""
    document = _document(query)
    op = get_operation_ast(document, operation_name) if document else None
    if op is None:
        return True
    for selection in op.selection_set.selections:
        if not isinstance(selection, FieldNode):
            return True  # fragments at the top: do not bother, run alone
        for arg in selection.arguments or ():
            if arg.name.value != "after" or isinstance(arg.value, NullValueNode):
                continue
            if not isinstance(arg.value, VariableNode):
                return True
            if (variables or {}).get(arg.value.name.value) is not None:
                return True
    return False


def share_key(
    query: str, operation_name: str | None, variables: dict[str, Any] | None, role: str | None
) -> Hashable:
    return (query, operation_name, orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS), role)


def next_payload(result: ExecutionResult) -> dict[str, Any]:
    payload: dict[str, Any] = {"data": result.data}
    if result.errors:
        payload["errors"] = [err.formatted for err in result.errors]
    if result.extensions:
        payload["extensions"] = result.extensions
    return payload


class _Group:
    def __init__(self, hub: SharedStreams, key: Hashable, start: Start, encode: Encode) -> None:
        self.hub, self.key = hub, key
        self.members: set[asyncio.Queue[Any]] = set()
        self.task = asyncio.create_task(self._pump(start, encode), name="ringscope-shared-sub")

    async def _pump(self, start: Start, encode: Encode) -> None:
        try:
            source = await start()
            if isinstance(source, PreExecutionError):
                self._put(FALLBACK)
                return
            async with contextlib.aclosing(source):
                first = True
                async for result in source:
                    if first and isinstance(result, PreExecutionError):
                        self._put(FALLBACK)
                        return
                    first = False
                    self._put(encode(next_payload(result)))
            self._put(DONE)
        except Exception:
            logger.exception("shared subscription failed; its members fall back")
            self._put(FALLBACK)
        finally:
            self.hub.forget(self)

    def _put(self, item: Any) -> None:
        for queue in list(self.members):
            put_dropping_oldest(queue, item)


class SharedStreams:
    """The live groups of one API process, by share key."""

    def __init__(self) -> None:
        self._groups: dict[Hashable, _Group] = {}

    @contextlib.asynccontextmanager
    async def join(
        self, key: Hashable, start: Start, encode: Encode
    ) -> AsyncIterator[asyncio.Queue[Any]]:
        """A queue of payload texts (then DONE, or FALLBACK when the document did not run)."""
        group = self._groups.get(key)
        if group is None or group.task.done():
            group = self._groups[key] = _Group(self, key, start, encode)
        queue: asyncio.Queue[Any] = asyncio.Queue(QUEUE_SIZE)
        group.members.add(queue)
        metrics.SHARED_SUBSCRIBERS.inc()
        try:
            yield queue
        finally:
            metrics.SHARED_SUBSCRIBERS.dec()
            group.members.discard(queue)
            if not group.members:
                self.forget(group)
                group.task.cancel()

    def forget(self, group: _Group) -> None:
        if self._groups.get(group.key) is group:
            del self._groups[group.key]

    def groups(self) -> int:
        return len(self._groups)
