"""The edge log on Redis (``ringscope:{graph}:log``): one stream entry per ingested batch, its
rows JSON in field ``rows`` (graph/batch.py writes them). Read by the EdgeLogReader port."""

from __future__ import annotations

from typing import Any

import orjson
import redis

from graph.decode import as_text
from graph.streams import translated


class RedisEdgeLog:
    """Reads the edge log of one graph in pages of entries (the EdgeLogReader port)."""

    def __init__(self, client: redis.Redis[Any], key: str) -> None:
        self.client = client
        self.key = key

    def first_id(self) -> str | None:
        with translated(f"edge log {self.key}"):
            first = self.client.xrange(self.key, "-", "+", count=1)
        return as_text(first[0][0]) if first else None

    def read_after(self, after_id: str, count: int) -> list[tuple[str, list[list[Any]]]]:
        with translated(f"edge log {self.key}"):
            entries = self.client.xrange(self.key, "(" + after_id, "+", count=count)
        return [
            (as_text(entry_id), orjson.loads(fields.get(b"rows") or fields.get("rows")))
            for entry_id, fields in entries
        ]
