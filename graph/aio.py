"""Closing ``redis.asyncio`` clients without hanging.

``Redis.aclose()`` disconnects every pooled connection and awaits ``StreamWriter.wait_closed()``
on each; a connection that another task is still reading (a pub/sub reader, a cancelled query)
can keep that await pending for ever (redis-py #3941), which is how an app's shutdown hung.
Here every socket is closed without waiting for the peer, and the whole close is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import redis

logger = logging.getLogger(__name__)


def pooled_connections(client: Any) -> list[Any]:
    """Idle and in-use connections of the client's pool (whatever the pool class keeps)."""
    pool = client.connection_pool
    idle = list(getattr(pool, "_available_connections", ()))
    busy = list(getattr(pool, "_in_use_connections", ()))
    return idle + busy


async def close_async_redis(client: Any, timeout_s: float = 2.0) -> None:
    """Close ``client`` (a ``redis.asyncio.Redis``) and its pool's sockets; never waits longer than ``timeout_s``."""
    try:
        async with asyncio.timeout(timeout_s):
            for conn in pooled_connections(client):
                with contextlib.suppress(redis.RedisError, OSError):
                    await conn.disconnect(nowait=True)
            with contextlib.suppress(redis.RedisError, OSError):
                await client.aclose(close_connection_pool=True)
            # transport.close() hands the socket to connection_lost on a later loop pass
            await asyncio.sleep(0)
            await asyncio.sleep(0)
    except TimeoutError:
        logger.warning("closing a Redis client took longer than %.1fs; abandoned", timeout_s)
