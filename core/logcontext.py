"""Context carried into log records: request ids, run ids, consumer and batch.

Any layer binds fields for the duration of a unit of work; the JSON formatter
(``ringscope.logging``) adds them to every record logged meanwhile, in that thread or task.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_FIELDS: ContextVar[dict[str, str] | None] = ContextVar("ringscope_log_fields", default=None)


def log_fields() -> dict[str, str]:
    """The fields bound in the current context (empty outside any ``bind_log``)."""
    return _FIELDS.get() or {}


@contextmanager
def bind_log(**fields: str) -> Iterator[None]:
    """Add ``fields`` to every log record of the enclosed block (nested binds add up)."""
    token = _FIELDS.set({**log_fields(), **fields})
    try:
        yield
    finally:
        _FIELDS.reset(token)
