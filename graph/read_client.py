"""The API's connection to FalkorDB: a blocking async pool, replicas in turn, writes on the primary.

Reads go to the next replica (the primary when there is none, or once this request has written);
a write waits (``WAIT``) until the replicas have applied it, so whoever reads next reads it back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import redis
import redis.asyncio as aioredis
from falkordb.asyncio import FalkorDB
from redis.asyncio import BlockingConnectionPool

from core.errors import GraphUnavailableError, RingscopeError
from graph.aio import close_async_redis
from graph.compact import run_query
from graph.cypher import load_query

logger = logging.getLogger(__name__)


def _pool(url: str, max_connections: int) -> BlockingConnectionPool[Any]:
    """A blocking pool: a burst past max_connections waits for a free socket, not an error."""
    return BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=5, decode_responses=True
    )


# Set once this request (task context) has written: its later reads go to the primary.
_WROTE: ContextVar[bool] = ContextVar("ringscope_reads_wrote", default=False)


class ReadClient:
    """Named, parameterised queries on FalkorDB (``redis://host:port``, graph ``graph_name``)."""

    def __init__(
        self,
        url: str,
        graph_name: str = "ringscope",
        max_connections: int = 64,
        read_urls: Sequence[str] = (),
        wait_ms: int = 1000,
    ) -> None:
        self.url = url
        self.graph_name = graph_name
        self.db = FalkorDB(connection_pool=_pool(url, max_connections))
        self.client = self.db.connection  # replies are parsed by graph.compact
        self.read_urls = [u for u in read_urls if u != url]
        self.replicas = [
            aioredis.Redis(connection_pool=_pool(u, max_connections)) for u in self.read_urls
        ]
        self.wait_ms = wait_ms
        self._turn = 0

    @contextmanager
    def _translate(self, url: str) -> Iterator[None]:
        try:
            yield
        except (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError) as exc:
            raise GraphUnavailableError(f"FalkorDB at {url} unavailable: {exc}") from exc

    def _reader(self) -> tuple[Any, str]:
        """The next replica in turn; the primary when there is none or this request wrote."""
        if not self.replicas or _WROTE.get():
            return self.client, self.url
        self._turn = (self._turn + 1) % len(self.replicas)
        return self.replicas[self._turn], self.read_urls[self._turn]

    async def _query(
        self, client: Any, url: str, name: str, params: dict[str, Any] | None, read_only: bool
    ) -> list[list[Any]]:
        with self._translate(url):
            try:
                return await run_query(
                    client, self.graph_name, load_query(name), params, read_only=read_only
                )
            except redis.ResponseError as exc:
                if read_only and "empty key" in str(exc):  # the graph has no data yet
                    return []
                raise RingscopeError(f"query {name} failed: {exc}") from exc

    async def _rows(self, name: str, params: dict[str, Any] | None = None) -> list[list[Any]]:
        client, url = self._reader()
        try:
            return await self._query(client, url, name, params, read_only=True)
        except GraphUnavailableError:
            if client is self.client:
                raise
            logger.warning("replica %s unavailable; %s read from the primary", url, name)
            return await self._query(self.client, self.url, name, params, read_only=True)

    async def _write(self, name: str, params: dict[str, Any]) -> list[list[Any]]:
        """Write on the primary; the rest of this request reads there too, and with replicas
        the write returns once they have applied it (``WAIT``): whoever reads next, on any
        replica or process, reads it back."""
        rows = await self._query(self.client, self.url, name, params, read_only=False)
        _WROTE.set(True)
        if self.replicas and self.wait_ms > 0:
            with self._translate(self.url):
                acked = await self.client.execute_command("WAIT", len(self.replicas), self.wait_ms)
            if int(acked) < len(self.replicas):
                logger.warning(
                    "%s: %s of %d replicas confirmed the write within %d ms",
                    name,
                    acked,
                    len(self.replicas),
                    self.wait_ms,
                )
        return rows

    async def ping(self) -> bool:
        try:
            with self._translate(self.url):
                return bool(await self.db.connection.ping())
        except GraphUnavailableError:
            return False

    async def close(self) -> None:
        await close_async_redis(self.db.connection)
        for replica in self.replicas:
            await close_async_redis(replica)
