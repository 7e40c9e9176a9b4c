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
    code = "BAD_USER_INPUT"


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
    if original is None:
        code = (
            "GRAPHQL_PARSE_FAILED"
            if isinstance(error, GraphQLSyntaxError)
            else "GRAPHQL_VALIDATION_FAILED"
        )
    elif isinstance(original, ApiError):
        code = original.code
    else:
        code = next((c for kind, c in _CODES if isinstance(original, kind)), "")
        if not code:
            if isinstance(original, RingscopeError):
                code = "BAD_REQUEST"
            else:
                logger.error("internal error at %s", error.path, exc_info=original)
                error.message = "internal server error"
                code = "INTERNAL_SERVER_ERROR"
    error.extensions = {**(error.extensions or {}), "code": code}
    return code
