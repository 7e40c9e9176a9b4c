"""API keys with roles, stored hashed (``graph.keys``: hash ``ringscope:api-keys``, field =
key id).

A key reads ``rsk_<key id>_<secret>``; only its SHA-256 is kept, so a leaked Redis dump
yields no usable key.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any

import orjson

from api import metrics
from core.errors import ConfigurationError, NotFoundError, RingscopeError
from core.ports import AsyncKeyRecords, KeyRecords

logger = logging.getLogger(__name__)
ROLES = ("viewer", "investigator", "admin")  # each holds the rights of those before it


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    role: str
    name: str
    created_at: int


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _split(token: str) -> str | None:
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != "rsk" or not parts[1]:
        return None
    return parts[1]


def _record(key_id: str, raw: Any) -> ApiKey:
    data = orjson.loads(raw)
    return ApiKey(key_id, data["role"], data.get("name", ""), int(data.get("created_at", 0)))


class KeyStore:
    """Create, list and revoke keys (synchronous: the CLI uses it)."""

    def __init__(self, records: KeyRecords) -> None:
        self.records = records

    def create(self, role: str, name: str = "") -> tuple[str, ApiKey]:
        if role not in ROLES:
            raise ConfigurationError(f"role: must be one of {', '.join(ROLES)} (got {role!r})")
        key_id = secrets.token_hex(6)
        token = f"rsk_{key_id}_{secrets.token_urlsafe(24)}"
        key = ApiKey(key_id, role, name, int(time.time() * 1000))
        record = {"hash": _digest(token), "role": role, "name": name, "created_at": key.created_at}
        self.records.put(key_id, orjson.dumps(record))
        return token, key

    def list(self) -> list[ApiKey]:
        keys = [_record(k, v) for k, v in self.records.all().items()]
        return sorted(keys, key=lambda k: k.created_at)

    def revoke(self, key_id: str) -> None:
        if not self.records.delete(key_id):  # a revocation reaches every API process
            raise NotFoundError(f"no API key with id {key_id!r}; see `ringscope keys list`")


async def verify_key(records: AsyncKeyRecords, token: str) -> ApiKey | None:
    """The key's record when ``token`` is a live key, else None (constant-time comparison)."""
    key_id = _split(token)
    if key_id is None:
        return None
    raw = await records.get(key_id)
    if raw is None:
        return None
    stored = orjson.loads(raw)
    if not hmac.compare_digest(str(stored.get("hash", "")), _digest(token.strip())):
        return None
    return _record(key_id, raw)


def key_principal(key: ApiKey) -> str:
    """How a key appears in verdicts and audit trails: its name (if it has one) and id."""
    return f"{key.name} (key:{key.key_id})" if key.name else f"key:{key.key_id}"


class SocketKeyWatch:
    """Closes the WebSockets whose key stops verifying, within ``period_s`` of the revocation.

    One task per API process asks Redis once per period for each distinct key with an open
    socket (never from a cache), so a revoked key loses its subscriptions within the key cache's
    lifetime. A Redis outage closes nothing: only a key that is gone or changed does.
    """

    def __init__(self, records: AsyncKeyRecords, period_s: float) -> None:
        self.records = records
        self.period_s = period_s
        self._sockets: dict[Any, str] = {}
        self._task: asyncio.Task[None] | None = None

    def add(self, socket: Any, token: str) -> None:
        self._sockets[socket] = token
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="ringscope-key-watch")

    def discard(self, socket: Any) -> None:
        self._sockets.pop(socket, None)

    async def _run(self) -> None:
        while self._sockets:
            await asyncio.sleep(self.period_s)
            try:
                await self.sweep()
            except RingscopeError as exc:
                logger.warning("could not re-verify WebSocket keys: %s", exc)

    async def sweep(self) -> int:
        """Re-verify every key with a socket; close the sockets of dead keys; how many closed."""
        closed = 0
        for token in set(self._sockets.values()):
            if await verify_key(self.records, token) is not None:
                continue
            for socket in [s for s, t in self._sockets.items() if t == token]:
                self._sockets.pop(socket, None)
                logger.info("closing a WebSocket: its API key was revoked")
                metrics.REVOKED_SOCKETS.inc()
                with contextlib.suppress(Exception):  # it may be closing on its own already
                    await socket.revoke()
                closed += 1
        return closed

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
