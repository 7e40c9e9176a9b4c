"""The AlertLog on Redis: one Lua call per batch (``alerts.lua``) records each transaction's
result on ``transactions:approved`` / ``transactions:flagged``, deduplicates alerts (a marker
per tx_id, an open alert per account and rule within the window) and XADDs and PUBLISHes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
import redis

from core.settings import Settings
from graph.streams import translated

_SCRIPT = (Path(__file__).parent / "alerts.lua").read_text()


class RedisAlertLog:
    """Alerts of one graph on the configured stream and channel (the AlertLog port)."""

    def __init__(self, client: redis.Redis[Any], settings: Settings) -> None:
        self.client = client
        self.prefix = f"ringscope:{settings.graph}:alerts:"
        self.stream = settings.alerts_stream
        self.config = orjson.dumps(
            {
                "window_ms": settings.alert_dedup_window_s * 1000,
                "window_s": settings.alert_dedup_window_s,
                "marker_ttl": settings.feature_marker_ttl_s,
                "stream": settings.alerts_stream,
                "channel": settings.alerts_channel,
                "maxlen": settings.alerts_stream_maxlen,
                "approved": settings.approved_stream,
                "flagged": settings.flagged_stream,
                "results_maxlen": settings.results_stream_maxlen,
            }
        )
        self._script = client.register_script(_SCRIPT)

    def record(self, items: Sequence[list[Any]]) -> list[tuple[dict[str, Any], str]]:
        with translated("alerts"):
            reply = self._script(args=[self.prefix, self.config, orjson.dumps(list(items))])
        published: list[tuple[dict[str, Any], str]] = orjson.loads(reply)
        return published
