"""GraphQL over HTTP as its spec words it: request shapes, Accept negotiation, status codes.

* POST takes ``application/json`` (UTF-8); GET takes ``query``, ``operationName``,
  ``variables`` and ``extensions`` in the query string, and runs queries only (a mutation is 405).
* A body or parameter of the wrong shape (``null``, a number, an array, a missing or non-string
  ``query``, non-object ``variables``) is a GraphQL error with 400, never a 500.
* The response is ``application/graphql-response+json`` when the client asks for it, and then a
  request error (parse, validation, variable coercion, the checks of ``api.limits``) is a 400
  with no ``data``; with ``application/json`` (and ``*/*`` or no Accept) those are 200.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

logger = logging.getLogger(__name__)

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
_ANY = ("*/*", "application/*")


class RequestShapeError(Exception):
    """The request is not a well-formed GraphQL-over-HTTP request."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass(frozen=True)
class GraphQLRequest:
    query: str
    operation_name: str | None
    variables: dict[str, Any] | None
    extensions: dict[str, Any] | None


def negotiate(accept: str | None) -> str | None:
    """The media type to answer in, or None when the client accepts neither."""
    if not accept or not accept.strip():
        return JSON
    ranked: list[tuple[float, int, str]] = []
    for index, item in enumerate(accept.split(",")):
        kind, *params = (p.strip() for p in item.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0:
            ranked.append((-q, index, kind.lower()))
    for _, _, kind in sorted(ranked):
        if kind in (GRAPHQL_RESPONSE, JSON):
            return kind
        if kind in _ANY:
            return JSON
    return None


def _json(raw: bytes | str, what: str) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise RequestShapeError(400, f"{what} is not valid JSON") from None


def _params_of_get(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query_params)
    for name in ("variables", "extensions"):
        if params.get(name):
            params[name] = _json(params[name], f"`{name}` in the query string")
        else:
            params.pop(name, None)
    return params


async def _params_of_post(request: Request) -> Any:
    content_type = request.headers.get("content-type")
    if not content_type:
        raise RequestShapeError(415, "send the body as JSON with `Content-Type: application/json`")
    kind, *params = (p.strip().lower() for p in content_type.split(";"))
    if kind != JSON:
        raise RequestShapeError(415, f"unsupported content type {kind[:60]!r}; send {JSON}")
    for param in params:
        name, _, value = param.partition("=")
        if name == "charset" and value.strip('"') not in ("utf-8", "utf8"):
            raise RequestShapeError(415, "the body must be UTF-8 encoded")
    body = await request.body()
    if not body.strip():
        raise RequestShapeError(400, 'the request body is empty; send {"query": "..."}')
    return _json(body, "the request body")


def parse_request(params: Any, max_query_bytes: int) -> GraphQLRequest:
    """Check the shape of the parameters; every mistake is a RequestShapeError (400)."""
    if isinstance(params, list):
        raise RequestShapeError(400, "batched requests are not supported; send one object")
    if not isinstance(params, dict):
        raise RequestShapeError(400, 'the request must be a JSON object: {"query": "..."}')
    query = params.get("query")
    if not isinstance(query, str) or not query.strip():
        raise RequestShapeError(400, "`query` must be a non-empty string")
    if len(query) > max_query_bytes:
        raise RequestShapeError(
            400,
            f"`query` is longer than {max_query_bytes} characters (RINGSCOPE_API_MAX_QUERY_BYTES)",
        )
    operation_name = params.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise RequestShapeError(400, "`operationName` must be a string or null")
    variables = params.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise RequestShapeError(400, "`variables` must be an object or null")
    extensions = params.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        raise RequestShapeError(400, "`extensions` must be an object or null")
    return GraphQLRequest(query, operation_name or None, variables, extensions)


def is_request_error(result: ExecutionResult) -> bool:
    """Nothing executed: the errors came before execution (no data, no error path)."""
    return (
        result.data is None
        and bool(result.errors)
        and all(e.path is None for e in result.errors or ())
    )


Execute = Callable[[Request, GraphQLRequest, set[OperationType]], Awaitable[ExecutionResult]]
Format = Callable[[Request, ExecutionResult], Awaitable[dict[str, Any]]]


async def serve_graphql_http(
    request: Request, execute: Execute, format_result: Format, max_query_bytes: int
) -> Response:
    media = negotiate(request.headers.get("accept"))
    if media is None:
        return _error(
            JSON, 406, f"answers come as {GRAPHQL_RESPONSE} or {JSON}; accept one", "NOT_ACCEPTABLE"
        )
    try:
        if request.method == "GET":
            params: Any = _params_of_get(request)
            allowed = {OperationType.QUERY}
        elif request.method == "POST":
            params = await _params_of_post(request)
            allowed = {OperationType.QUERY, OperationType.MUTATION}
        else:
            raise RequestShapeError(405, "use GET or POST", {"Allow": "GET, POST"})
        gql = parse_request(params, max_query_bytes)
        try:
            result = await execute(request, gql, allowed)
        except InvalidOperationTypeError as exc:
            if request.method == "GET" and exc.operation_type == OperationType.MUTATION:
                raise RequestShapeError(405, "mutations need POST", {"Allow": "POST"}) from None
            kind = exc.operation_type.value
            raise RequestShapeError(
                400, f"{kind} operations are not served over HTTP; use the WebSocket"
            ) from None
        except CannotGetOperationTypeError as exc:
            name = exc.operation_name
            message = (
                f"no operation named {name[:80]!r} in the document"
                if name
                else "the document has several operations: say which in `operationName`"
            )
            raise RequestShapeError(400, message) from None
    except RequestShapeError as exc:
        return _error(media, exc.status, exc.message, "BAD_REQUEST", exc.headers)
    body = await format_result(request, result)
    status = 200
    if media == GRAPHQL_RESPONSE and is_request_error(result):
        status = 400
        body.pop("data", None)
    return _respond(media, status, body)


def _respond(
    media: str, status: int, body: object, headers: dict[str, str] | None = None
) -> Response:
    try:
        content = orjson.dumps(body)
    except TypeError:  # e.g. an integer past 64 bits in a JSON scalar
        content = json.dumps(body, separators=(",", ":")).encode()
    return Response(
        content, status_code=status, headers=headers, media_type=f"{media}; charset=utf-8"
    )


def _error(
    media: str, status: int, message: str, code: str, headers: dict[str, str] | None = None
) -> Response:
    return _respond(
        media, status, {"errors": [{"message": message, "extensions": {"code": code}}]}, headers
    )
