"""Redis pub/sub for the API processes (the MessageBus port): publish, and subscribe with a
socket of its own that is dropped without waiting for the peer when the subscription ends."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import redis
import redis.asyncio as aioredis

from core.errors import GraphUnavailableError
from graph.aio import close_async_redis
from graph.decode import as_text

logger = logging.getLogger(__name__)

_LOST = (redis.ConnectionError, redis.TimeoutError, OSError)


async def close_pubsub(pubsub: Any, timeout_s: float = 1.0) -> None:
    """Drop the pub/sub socket (the server forgets its subscriptions) without awaiting the peer."""
    try:
        async with asyncio.timeout(timeout_s):
            if pubsub.connection is not None:
                with contextlib.suppress(redis.RedisError, OSError):
                    await pubsub.connection.disconnect(nowait=True)
            with contextlib.suppress(redis.RedisError, OSError):
                await pubsub.aclose()
    except TimeoutError:
        logger.warning("closing the pub/sub connection took longer than %.1fs", timeout_s)


def async_client(url: str, max_connections: int = 256) -> aioredis.Redis[Any]:
    """The API process's async client (bytes replies: graph/decode.py), shared by its adapters."""
    return aioredis.Redis.from_url(url, max_connections=max_connections)


class RedisBus:
    """Channels on the graph's Redis; owns the API's async client and closes it (``aclose``)."""

    def __init__(self, client: aioredis.Redis[Any]) -> None:
        self.client = client

    async def publish(self, channel: str, payload: bytes | str) -> None:
        try:
            await self.client.publish(channel, payload)
        except redis.RedisError as exc:
            raise GraphUnavailableError(f"PUBLISH {channel}: {exc}") from exc

    @contextlib.asynccontextmanager
    async def subscribe(self, *channels: str) -> AsyncIterator[AsyncIterator[tuple[str, str]]]:
        """Subscribed to ``channels`` on entry; yields the ``(channel, text)`` messages."""
        pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        try:
            try:
                await pubsub.subscribe(*channels)
            except _LOST as exc:
                raise GraphUnavailableError(f"SUBSCRIBE: Redis unavailable ({exc})") from exc
            yield _messages(pubsub)
        finally:
            await close_pubsub(pubsub)

    async def aclose(self) -> None:
        """Close the client and every socket of its pool (bounded: graph/aio.py)."""
        await close_async_redis(self.client)


async def _messages(pubsub: Any) -> AsyncIterator[tuple[str, str]]:
    try:
        async for message in pubsub.listen():
            yield as_text(message.get("channel")), as_text(message.get("data"))
    except _LOST as exc:
        raise GraphUnavailableError(f"pub/sub: Redis unavailable ({exc})") from exc
