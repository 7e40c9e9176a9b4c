"""The one Redis decode policy: clients return bytes, adapters decode at the edge with these.

Every client ringscope makes is a bytes client (``decode_responses`` off): stream entries may
hold bytes that are not UTF-8, and the graph replies are parsed by ``graph.compact``. Adapters
turn names and ids into text here, so callers get domain types, never driver values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def as_text(value: Any) -> str:
    """A reply value as text: bytes decoded as UTF-8, anything else by ``str``."""
    return value.decode() if isinstance(value, bytes) else str(value)


def as_bytes_fields(fields: Mapping[Any, Any]) -> Mapping[bytes, bytes]:
    """Entry fields as bytes, whether the client decoded them or not."""
    if isinstance(next(iter(fields), b""), bytes):
        return fields  # as read by a bytes client: nothing to do
    return {
        (k if isinstance(k, bytes) else str(k).encode()): (
            v if isinstance(v, bytes) else str(v).encode()
        )
        for k, v in fields.items()
    }
