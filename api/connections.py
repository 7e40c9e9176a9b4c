"""Relay-style connections: opaque cursors, page info and a total computed only when asked."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from api.errors import BadInputError
from api.fields import described_field

T = TypeVar("T")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    node: T
    cursor: str


@strawberry.type(description="A page of results with Relay cursors.")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total: strawberry.Private[int | Callable[[], Awaitable[int]]]

    @described_field("How many items match in all, across every page.")
    async def total_count(self) -> int:
        if isinstance(self.total, int):
            return self.total
        return await self.total()


def encode_cursor(kind: str, value: str | int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode()


MAX_OFFSET = 1_000_000_000


def decode_cursor(cursor: str | None, kind: str, argument: str = "after") -> str | None:
    """The value inside a cursor made by ``encode_cursor(kind, ...)``; a foreign one is an error."""
    if cursor is None:
        return None
    shown = repr(cursor[:40])
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        raise BadInputError(
            f"{argument}: {shown} is not a cursor this API issued", argument
        ) from None
    prefix, _, value = text.partition(":")
    if prefix != kind or not value or not value.isprintable():
        raise BadInputError(f"{argument}: {shown} is not a cursor of this list", argument)
    return value


def decode_offset(cursor: str | None, argument: str = "after") -> int:
    value = decode_cursor(cursor, "o", argument)
    if value is None or cursor is None:
        return 0
    if not (value.isascii() and value.isdigit()) or len(value) > 10 or int(value) >= MAX_OFFSET:
        raise BadInputError(f"{argument}: {cursor[:40]!r} is not a valid offset cursor", argument)
    return int(value) + 1


def decode_stream_id(cursor: str | None, argument: str = "after") -> str | None:
    """A Redis stream id (``ms-seq``) inside an ``s`` cursor."""
    value = decode_cursor(cursor, "s", argument)
    if value is None or cursor is None:
        return None
    ms, _, seq = value.partition("-")
    if not _digits(ms, 20) or not (seq == "" or _digits(seq, 20)):
        raise BadInputError(f"{argument}: {cursor[:40]!r} is not an alert cursor", argument)
    return value


def decode_time_cursor(cursor: str | None, argument: str = "after") -> tuple[int, str] | None:
    """The (timestamp ms, transaction id) inside a ``t`` cursor."""
    raw = decode_cursor(cursor, "t", argument)
    if raw is None or cursor is None:
        return None
    ts, _, tx = raw.partition("|")
    body = ts[1:] if ts.startswith("-") else ts
    if not _digits(body, 15) or not tx:
        raise BadInputError(f"{argument}: {cursor[:40]!r} is not a transaction cursor", argument)
    return int(ts), tx


def _digits(text: str, most: int) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= most


def check_limit(value: int, name: str, maximum: int, minimum: int = 1) -> None:
    if not minimum <= value <= maximum:
        raise BadInputError(f"{name}: must be between {minimum} and {maximum} (got {value})")


def check_first(first: int, max_page: int) -> None:
    if first < 0 or first > max_page:
        raise BadInputError(
            f"first: must be between 0 and {max_page} (got {first}); page with `after`"
        )


def offset_connection(
    items: Sequence[T], offset: int, first: int, total: int | Callable[[], Awaitable[int]]
) -> Connection[T]:
    """A page from ``items`` fetched with ``first + 1`` rows starting at ``offset``."""
    page = list(items[:first])
    edges = [Edge(node=item, cursor=encode_cursor("o", offset + i)) for i, item in enumerate(page)]
    info = PageInfo(
        has_next_page=len(items) > first,
        has_previous_page=offset > 0,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return Connection(edges=edges, page_info=info, total=total)


def paginate_list(
    items: Sequence[T], first: int, after: str | None, max_page: int
) -> Connection[T]:
    """Page through a list already in memory (a handful of rings per account)."""
    check_first(first, max_page)
    offset = decode_offset(after)
    return offset_connection(items[offset : offset + first + 1], offset, first, len(items))
