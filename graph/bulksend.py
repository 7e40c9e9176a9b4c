"""``GRAPH.BULK`` calls sent from a thread of their own, in order, on one connection.

The server inserts one chunk while the builder folds the next batch (waiting for each reply in
the builder left the server idle for every fold, and the builder idle for every insert). Calls go
out in the order they were queued, so nodes still get the internal ids the builder counted.
"""

from __future__ import annotations

import queue
import threading
from typing import Any

import redis

from core.errors import RingscopeError
from graph.resp import connection_pool

_QUEUED = 2  # calls waiting for the thread, each up to a builder's chunk (bounded memory)


class _Discarded(Exception):
    """The build was abandoned: calls still queued are not sent."""


class BulkSender:
    """Sends ``GRAPH.BULK graph ARGS...`` calls for the graph ``graph_name`` at ``url``."""

    def __init__(self, url: str, graph_name: str) -> None:
        self.graph_name = graph_name
        # GRAPH.BULK calls may take longer than the client's default 5 s socket timeout
        self._client: redis.Redis[Any] = redis.Redis(
            connection_pool=connection_pool(url, socket_timeout=None)
        )
        self._calls: queue.Queue[list[Any] | None] = queue.Queue(maxsize=_QUEUED)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def send(self, args: list[Any]) -> None:
        """Queue one call (waits while ``_QUEUED`` are waiting); raise an earlier failure."""
        self._raise_error()
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="graph-bulk", daemon=True)
            self._thread.start()
        self._calls.put(args)

    def drain(self) -> None:
        """Wait until every queued call is done; raise the first failure."""
        self._calls.join()
        self._raise_error()

    def close(self, discard: bool = False) -> None:
        """Stop the thread (``discard``: calls still queued are not sent) and the connection."""
        if self._thread is not None:
            if discard and self._error is None:
                self._error = _Discarded()
            self._calls.put(None)
            self._thread.join()
            self._thread = None
        self._client.close()
        self._client.connection_pool.disconnect()

    def _loop(self) -> None:
        while (args := self._calls.get()) is not None:
            if self._error is None:  # after a failure, the rest are dropped
                try:
                    self._client.execute_command("GRAPH.BULK", self.graph_name, *args)
                except BaseException as exc:  # raised in the builder's thread
                    self._error = exc
            self._calls.task_done()
        self._calls.task_done()

    def _raise_error(self) -> None:
        exc = self._error
        if exc is None or isinstance(exc, _Discarded):
            return
        if isinstance(exc, redis.ResponseError):
            raise RingscopeError(f"GRAPH.BULK into {self.graph_name!r} failed: {exc}") from exc
        raise exc
