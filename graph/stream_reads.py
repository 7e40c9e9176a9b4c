"""Async reads of the streams for the API (the StreamReads port): the alerts stream's pages and
the ingest group's state for ``/readyz`` and ``/metrics``."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import redis
import redis.asyncio as aioredis

from core.errors import GraphUnavailableError
from core.streams import StreamEntry
from graph.decode import as_bytes_fields, as_text


@contextlib.asynccontextmanager
async def _translated(what: str) -> AsyncIterator[None]:
    try:
        yield
    except redis.RedisError as exc:
        raise GraphUnavailableError(f"{what}: {exc}") from exc


class RedisStreamReads:
    """Stream reads on the API's async client (entries as ``(id, bytes fields)``)."""

    def __init__(self, client: aioredis.Redis[Any]) -> None:
        self.client = client

    async def length(self, stream: str) -> int:
        async with _translated(f"XLEN {stream}"):
            return int(await self.client.xlen(stream))

    async def range(self, stream: str, lower: str, upper: str, count: int) -> list[StreamEntry]:
        """Oldest first, from ``lower`` to ``upper`` (``(id`` excludes the id)."""
        async with _translated(f"XRANGE {stream}"):
            entries = await self.client.xrange(stream, lower, upper, count=count)
        return [(as_text(i), as_bytes_fields(f)) for i, f in entries]

    async def revrange(self, stream: str, upper: str, lower: str, count: int) -> list[StreamEntry]:
        """Newest first, from ``upper`` down to ``lower``."""
        async with _translated(f"XREVRANGE {stream}"):
            entries = await self.client.xrevrange(stream, upper, lower, count=count)
        return [(as_text(i), as_bytes_fields(f)) for i, f in entries]

    async def group_lag(self, stream: str, group: str) -> int | None:
        """Entries not yet delivered to ``group``; None without stream, group or figure."""
        try:
            groups = await self.client.xinfo_groups(stream)  # type: ignore[no-untyped-call]
        except redis.ResponseError:  # no stream or group yet: nothing waits
            return None
        except redis.RedisError as exc:
            raise GraphUnavailableError(f"XINFO GROUPS {stream}: {exc}") from exc
        lag = next((g.get("lag") for g in groups if as_text(g.get("name", b"")) == group), None)
        return None if lag is None else int(lag)

    async def heartbeats(self, key: str) -> dict[str, int]:
        """Consumer -> epoch ms of its last check-in (core.streams.worker_heartbeat_key)."""
        async with _translated(f"HGETALL {key}"):
            beats = await self.client.hgetall(key)
        return {as_text(k): int(v) for k, v in beats.items()}
