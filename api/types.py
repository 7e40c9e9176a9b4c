"""Shared pieces of the GraphQL types: the resolver ``Info``, conversions, and the enums."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from api.context import Context

Info = strawberry.Info[Context, None]


FAR_FUTURE = 2**62  # epoch ms: "no upper bound"


def now_ms() -> int:
    return int(time.time() * 1000)


def to_ms(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


def to_datetime(ms: int | float | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, tz=UTC)


def opt_id(value: str | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(value)


def json_or_text(raw: str | None) -> JSON | None:
    """Stored JSON text as a JSON value; text that is not JSON comes back as the string."""
    if raw is None:
        return None
    try:
        return JSON(json.loads(raw))
    except (TypeError, ValueError):
        return JSON(raw)


@strawberry.enum
class RingStatus(Enum):
    OPEN = "open"
    INVESTIGATING = "investigating"
    CLOSED = "closed"


@strawberry.enum
class Verdict(Enum):
    CONFIRMED_FRAUD = "confirmed_fraud"
    FALSE_POSITIVE = "false_positive"
    NEEDS_REVIEW = "needs_review"


@strawberry.enum
class RingSort(Enum):
    SCORE = "score"
    SIZE = "size"
    UPDATED_AT = "updated_at"
    CREATED_AT = "created_at"


@strawberry.enum
class NodeType(Enum):
    ACCOUNT = "Account"
    DEVICE = "Device"
    MERCHANT = "Merchant"
    IP = "IP"
    PHONE = "Phone"
    EMAIL = "Email"
    ADDRESS = "Address"
    RING = "Ring"
