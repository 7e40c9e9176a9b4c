"""ASGI guard in front of the app: Host allowlist, body and message size, timeout, latency.

Its refusals are GraphQL-shaped JSON with ``extensions.code`` so clients parse one format. A
WebSocket with a foreign ``Host`` is refused before the handshake; a WebSocket message over the
size limit closes the socket (1009) before anything decodes it.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import metrics
from api.hosts import HostAllowlist

_PATHS = {"/graphql", "/healthz", "/readyz", "/metrics"}


def error_body(message: str, code: str) -> bytes:
    return orjson.dumps(
        {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}
    )


class GuardMiddleware:
    def __init__(
        self, app: ASGIApp, max_body: int, timeout_s: float, hosts: HostAllowlist | None = None
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.timeout_s = timeout_s
        self.hosts = hosts or HostAllowlist(["*"])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = _header(scope, b"host")
        if not self.hosts.allows(host):
            await self._refuse_host(scope, send, host)
            return
        if scope["type"] == "websocket":
            await self.app(scope, *_limit_messages(receive, send, self.max_body))
            return
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500, "sent": False}

        async def tracked(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"], status["sent"] = message["status"], True
            await send(message)

        try:
            await self._guarded(scope, receive, tracked, status)
        finally:
            path = scope.get("path", "")
            label = path if path in _PATHS else "other"
            metrics.REQUEST_SECONDS.labels(label, str(status["code"])).observe(
                time.perf_counter() - started
            )

    async def _refuse_host(self, scope: Scope, send: Send, host: str | None) -> None:
        metrics.REJECTED_HOSTS.inc()
        if scope["type"] == "websocket":  # closing before accept answers the handshake with 403
            await send({"type": "websocket.close", "code": 1008, "reason": "host not allowed"})
            return
        message = (
            f"Host {(host or '')[:80]!r} is not allowed; add it to RINGSCOPE_ALLOWED_HOSTS "
            "if this server should answer to that name"
        )
        await _reply(send, 421, error_body(message, "HOST_NOT_ALLOWED"))

    async def _guarded(
        self, scope: Scope, receive: Receive, send: Send, status: dict[str, Any]
    ) -> None:
        body = await self._read_body(receive)
        if body is None:
            await _reply(
                send,
                413,
                error_body(f"request body larger than {self.max_body} bytes", "PAYLOAD_TOO_LARGE"),
            )
            return
        done = False

        async def replay() -> Message:
            nonlocal done
            if not done:
                done = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        try:
            async with asyncio.timeout(self.timeout_s):
                await self.app(scope, replay, send)
        except TimeoutError:
            if not status["sent"]:
                await _reply(
                    send,
                    200,
                    error_body(
                        f"the request took longer than {self.timeout_s:g}s; narrow it", "TIMEOUT"
                    ),
                )

    async def _read_body(self, receive: Receive) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _limit_messages(receive: Receive, send: Send, max_bytes: int) -> tuple[Receive, Send]:
    """Wrap a WebSocket's channels: an oversized message closes it with 1009, undecoded."""
    closed = False

    async def limited_receive() -> Message:
        nonlocal closed
        message = await receive()
        if message["type"] == "websocket.receive":
            size = len(message.get("text") or "") + len(message.get("bytes") or b"")
            if size > max_bytes:
                closed = True
                metrics.OVERSIZED_MESSAGES.inc()
                await send(
                    {
                        "type": "websocket.close",
                        "code": 1009,
                        "reason": f"message larger than {max_bytes} bytes",
                    }
                )
                return {"type": "websocket.disconnect", "code": 1009}
        return message

    async def guarded_send(message: Message) -> None:
        if not closed:
            await send(message)

    return limited_receive, guarded_send


async def _reply(send: Send, code: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": code,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
