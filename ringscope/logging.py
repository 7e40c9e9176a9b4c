"""Log set-up for every ringscope process: text for people, JSON lines for machines.

``RINGSCOPE_LOG_FORMAT=json|text`` chooses; unset, a terminal gets text and anything else
(a container, a file, a pipe) gets JSON. Fields bound with ``core.logcontext.bind_log``
(request_id, run_id, consumer, batch) and ``extra=`` fields appear in both.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any

import orjson

from core.logcontext import bind_log, log_fields

# Attributes every LogRecord has; anything else on a record came in through ``extra=``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def record_fields(record: logging.LogRecord) -> dict[str, Any]:
    """Context fields and ``extra=`` fields of a record."""
    fields: dict[str, Any] = dict(log_fields())
    for key, value in vars(record).items():
        if key not in _STANDARD and not key.startswith("_"):
            fields[key] = value
    return fields


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, bound and extra fields, exc."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        out.update(record_fields(record))
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(out, default=str).decode()


class TextFormatter(logging.Formatter):
    """The classic line, with bound and extra fields appended as ``key=value``."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = record_fields(record)
        if not fields:
            return line
        return line + " [" + " ".join(f"{k}={v}" for k, v in fields.items()) + "]"


def choose_format(wanted: str | None, stream: Any = None) -> str:
    if wanted in ("json", "text"):
        return wanted
    stream = stream if stream is not None else sys.stderr
    return "text" if getattr(stream, "isatty", lambda: False)() else "json"


def configure_logging(fmt: str | None = None, level: int | str = logging.INFO) -> str:
    """Send logs to stderr in the chosen format (replacing earlier handlers); returns it."""
    chosen = choose_format(fmt)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if chosen == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return chosen


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
logger = logging.getLogger("ringscope.access")


class RequestIdMiddleware:
    """ASGI middleware: every HTTP/WebSocket request gets a request id, bound into its logs.

    A sane ``X-Request-ID`` from the caller is kept (so ids follow a request across services);
    otherwise one is made. The response carries it back in ``x-request-id``.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or uuid.uuid4().hex[:16]
        started, status = time.perf_counter(), [0]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        with bind_log(request_id=request_id):
            await self.app(scope, receive, send_with_id)
            ms = (time.perf_counter() - started) * 1000
            level = logging.WARNING if status[0] >= 500 else logging.DEBUG
            logger.log(
                level,
                "%s %s -> %d in %.1f ms",
                scope.get("method", "WS"),
                scope.get("path", ""),
                status[0],
                ms,
            )


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _REQUEST_ID.match(text) else None
    return None


def setup_logging() -> str:
    """``configure_logging`` from the settings (RINGSCOPE_LOG_FORMAT); for ``cli.main``."""
    from core.errors import ConfigurationError
    from core.settings import load_settings

    try:
        wanted = load_settings().log_format
    except ConfigurationError:
        wanted = None  # the command itself reports the bad setting
    return configure_logging(wanted)
