from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from core.logcontext import bind_log, log_fields
from ringscope.logging import JsonFormatter, RequestIdMiddleware, TextFormatter, choose_format


@pytest.fixture
def captured() -> Iterator[tuple[io.StringIO, logging.Handler]]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("ringscope.test")
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    yield out, handler
    log.removeHandler(handler)


def lines(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_json_lines_carry_bound_and_extra_fields(
    captured: tuple[io.StringIO, logging.Handler],
) -> None:
    out, _ = captured
    log = logging.getLogger("ringscope.test")
    with bind_log(run_id="run-1"), bind_log(consumer="w-1"):
        log.info("applied %d", 5, extra={"batch": "17-0"})
    log.warning("after")
    first, second = lines(out)
    assert first["message"] == "applied 5" and first["level"] == "INFO"
    assert (first["run_id"], first["consumer"], first["batch"]) == ("run-1", "w-1", "17-0")
    assert "run_id" not in second and log_fields() == {}


def test_exceptions_are_one_json_line(captured: tuple[io.StringIO, logging.Handler]) -> None:
    out, _ = captured
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("ringscope.test").exception("failed")
    (line,) = lines(out)
    assert "ValueError: boom" in str(line["exc"])


def test_text_format_appends_fields_and_tty_picks_text() -> None:
    record = logging.LogRecord("x", logging.INFO, "f", 1, "hello %s", ("you",), None)
    with bind_log(request_id="abc"):
        text = TextFormatter().format(record)
    assert text.endswith("hello you [request_id=abc]")
    tty, pipe = io.StringIO(), io.StringIO()
    tty.isatty = lambda: True  # type: ignore[method-assign]
    assert choose_format(None, tty) == "text" and choose_format(None, pipe) == "json"
    assert choose_format("json", tty) == "json"


def test_request_ids_reach_logs_and_responses(
    captured: tuple[io.StringIO, logging.Handler],
) -> None:
    out, _ = captured

    async def hello(request: Request) -> PlainTextResponse:
        logging.getLogger("ringscope.test").info("handling")
        return PlainTextResponse("hi")

    app = RequestIdMiddleware(Starlette(routes=[Route("/", hello)]))
    with TestClient(app) as client:
        given = client.get("/", headers={"X-Request-ID": "req-42"})
        made = client.get("/")
        bad = client.get("/", headers={"X-Request-ID": "bad id\nwith newline"})
    assert given.headers["x-request-id"] == "req-42"
    assert len(made.headers["x-request-id"]) == 16
    assert bad.headers["x-request-id"] != "bad id\nwith newline"
    ids = [line["request_id"] for line in lines(out)]
    assert ids == ["req-42", made.headers["x-request-id"], bad.headers["x-request-id"]]
