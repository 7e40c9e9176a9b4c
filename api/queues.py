"""Bounded subscriber queues: a slow subscriber loses its oldest item, never blocks the sender."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from api import metrics


def put_dropping_oldest(queue: asyncio.Queue[Any], item: Any, *, count: bool = True) -> None:
    """Put ``item``; when ``queue`` is full, drop its oldest item first (counted in
    ``ringscope_api_subscription_dropped_total`` unless ``count`` is off)."""
    if queue.full():
        with contextlib.suppress(asyncio.QueueEmpty):
            queue.get_nowait()
        if count:
            metrics.DROPPED.inc()
    queue.put_nowait(item)
