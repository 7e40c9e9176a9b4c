"""Every error a client sees is a GraphQL error with ``extensions.code``; mapped in one place."""

from __future__ import annotations

import logging

from graphql import GraphQLError, GraphQLSyntaxError

from core.errors import GraphUnavailableError, InvalidEventError, NotFoundError, RingscopeError

logger = logging.getLogger(__name__)


class ApiError(RingscopeError):
    """An error meant for the client; ``code`` lands in ``extensions.code``."""

    code = "BAD_REQUEST"


class BadInputError(ApiError):
    """A bad argument; ``argument`` names it in ``extensions.argument``."""

    code = "BAD_USER_INPUT"

    def __init__(self, message: str, argument: str | None = None) -> None:
        super().__init__(message)
        head = message.partition(":")[0]
        self.argument = argument or (head if head.isidentifier() else None)


class UnauthenticatedError(ApiError):
    code = "UNAUTHENTICATED"


class ForbiddenError(ApiError):
    code = "FORBIDDEN"


class QueryTimeoutError(ApiError):
    code = "TIMEOUT"


_CODES: tuple[tuple[type[BaseException], str], ...] = (
    (NotFoundError, "NOT_FOUND"),
    (InvalidEventError, "BAD_USER_INPUT"),
    (GraphUnavailableError, "SERVICE_UNAVAILABLE"),
)


def classify(error: GraphQLError) -> str:
    """Set ``extensions.code`` on ``error`` (masking internal messages) and return the code."""
    original = error.original_error
    extra: dict[str, object] = {}
    if original is None or isinstance(original, GraphQLError):
        code = str((error.extensions or {}).get("code") or "") or _request_code(error)
        if code == "BAD_USER_INPUT" and error.message.startswith("Variable '$"):
            extra["argument"] = error.message[len("Variable '") :].partition("'")[0]
    elif isinstance(original, ApiError):
        code = original.code
        argument = getattr(original, "argument", None)
        if argument:
            extra["argument"] = argument
    else:
        code = next((c for kind, c in _CODES if isinstance(original, kind)), "")
        if code == "SERVICE_UNAVAILABLE":
            logger.warning("graph store error at %s: %s", error.path, original)
            error.message = "the graph store could not answer; try again shortly"
        elif not code:
            if isinstance(original, RingscopeError):
                code = "BAD_REQUEST"
            elif _is_variable_error(error):
                code = "BAD_USER_INPUT"
            else:
                logger.error("internal error at %s", error.path, exc_info=original)
                error.message = "internal server error"
                code = "INTERNAL_SERVER_ERROR"
    error.extensions = {**(error.extensions or {}), **extra, "code": code}
    return code


def _request_code(error: GraphQLError) -> str:
    if isinstance(error, GraphQLSyntaxError):
        return "GRAPHQL_PARSE_FAILED"
    if _is_variable_error(error):
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"


def _is_variable_error(error: GraphQLError) -> bool:
    """graphql-core's variable coercion errors: a client sent a value of the wrong type."""
    return error.path is None and error.message.startswith("Variable '$")
