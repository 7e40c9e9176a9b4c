from __future__ import annotations

import asyncio
from typing import Any

from api.queues import put_dropping_oldest


def test_a_full_queue_drops_its_oldest_item_for_the_new_one() -> None:
    queue: asyncio.Queue[Any] = asyncio.Queue(2)
    for item in (1, 2, 3):
        put_dropping_oldest(queue, item)
    assert [queue.get_nowait(), queue.get_nowait()] == [2, 3]
