"""API key records in Redis (hash ``ringscope:api-keys``, field = key id, value = JSON with the
key's SHA-256, role, name and creation time); revocations are announced on a channel so every
API process drops the key from its cache. Hashing and roles are ``api.keys``'s."""

from __future__ import annotations

from typing import Any

import redis
import redis.asyncio as aioredis

from core.errors import GraphUnavailableError
from graph.decode import as_text

KEYS_HASH = "ringscope:api-keys"
REVOKED_CHANNEL = "ringscope:api-keys:revoked"


class RedisKeyRecords:
    """Synchronous key records (the CLI's ``ringscope keys``; the KeyRecords port)."""

    def __init__(self, client: redis.Redis[Any]) -> None:
        self.client = client

    @classmethod
    def from_url(cls, url: str) -> RedisKeyRecords:
        return cls(redis.Redis.from_url(url))

    def put(self, key_id: str, record: bytes) -> None:
        self.client.hset(KEYS_HASH, key_id, record)

    def all(self) -> dict[str, bytes]:
        rows: dict[Any, Any] = self.client.hgetall(KEYS_HASH)
        return {as_text(k): v for k, v in rows.items()}

    def delete(self, key_id: str) -> bool:
        """Remove the record and announce it; False when there was none."""
        if not self.client.hdel(KEYS_HASH, key_id):
            return False
        self.client.publish(REVOKED_CHANNEL, key_id)
        return True


class AsyncRedisKeyRecords:
    """The API's reads of key records (the AsyncKeyRecords port)."""

    revoked_channel = REVOKED_CHANNEL

    def __init__(self, client: aioredis.Redis[Any]) -> None:
        self.client = client

    async def get(self, key_id: str) -> bytes | None:
        try:
            raw: bytes | None = await self.client.hget(KEYS_HASH, key_id)
        except redis.RedisError as exc:
            raise GraphUnavailableError(f"API keys: Redis unavailable ({exc})") from exc
        return raw
