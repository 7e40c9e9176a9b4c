"""ASGI guard in front of the app: body size limit, request timeout, latency histogram.

Its refusals are GraphQL-shaped JSON with ``extensions.code`` so clients parse one format.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import metrics

_PATHS = {"/graphql", "/healthz", "/readyz", "/metrics"}


def error_body(message: str, code: str) -> bytes:
    return orjson.dumps(
        {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}
    )


class GuardMiddleware:
    def __init__(self, app: ASGIApp, max_body: int, timeout_s: float) -> None:
        self.app = app
        self.max_body = max_body
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
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

    async def _guarded(
        self, scope: Scope, receive: Receive, send: Send, status: dict[str, Any]
    ) -> None:
        body = await self._read_body(receive)
        if body is None:
            await _reply(send, 413, error_body(f"request body larger than {self.max_body} bytes",
                                               "PAYLOAD_TOO_LARGE"))  # fmt: skip
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
                await _reply(send, 200, error_body(
                    f"the request took longer than {self.timeout_s:g}s; narrow it", "TIMEOUT"))  # fmt: skip

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


async def _reply(send: Send, code: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": code,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})
