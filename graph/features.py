"""Streaming features kept in Redis beside the graph, updated by one Lua script per batch.

The script (``features.lua``) reads each account's state as it was before a transaction, folds the
transaction in and returns the "before" view, all atomically, so several workers never race on
read-modify-write. Time is the event's ``ts``, never the wall clock. A per-tx marker (SET with a
TTL) makes the update idempotent: a redelivered tx_id gets its first features back and counts once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
import redis

from core.events import AccountEvent, TransactionEvent
from core.features import Features
from core.settings import Settings
from graph.decode import as_text
from graph.streams import translated

logger = logging.getLogger(__name__)

_SCRIPT = (Path(__file__).parent / "features.lua").read_text()
_CHUNK = 500  # transactions per script call: keeps each call short for other clients


class RedisFeatureStore:
    """Feature state of one graph in Redis (keys ``ringscope:<graph>:f:*``; the FeatureStore port)."""

    def __init__(
        self,
        client: redis.Redis[Any],
        graph: str,
        *,
        ttl_s: int = 90 * 86400,
        marker_ttl_s: int = 7 * 86400,
        window_cap: int = 500,
        alpha: float = 0.1,
        clip: float = 3.0,
    ) -> None:
        self.client = client
        self.prefix = f"ringscope:{graph}:f:"
        self.config = orjson.dumps(
            {
                "ttl": ttl_s,
                "marker_ttl": marker_ttl_s,
                "cap": window_cap,
                "alpha": alpha,
                "clip": clip,
            }
        )
        self.ttl_s = ttl_s
        self._script = client.register_script(_SCRIPT)

    @classmethod
    def from_settings(cls, client: redis.Redis[Any], settings: Settings) -> RedisFeatureStore:
        return cls(
            client,
            settings.graph,
            ttl_s=settings.feature_ttl_s,
            marker_ttl_s=settings.feature_marker_ttl_s,
            window_cap=settings.feature_window_cap,
            alpha=settings.feature_ewma_alpha,
            clip=settings.feature_ewma_clip,
        )

    def update(self, events: Sequence[TransactionEvent]) -> list[Features]:
        """Fold transactions in (in order) and return each one's features from just before it."""
        out: list[Features] = []
        for start in range(0, len(events), _CHUNK):
            chunk = events[start : start + _CHUNK]
            rows = orjson.dumps([_row(e) for e in chunk])
            with translated("streaming features"):
                reply = self._script(args=[self.prefix, self.config, rows])
            for e, (fresh, data) in zip(chunk, orjson.loads(reply), strict=True):
                out.append(Features.from_reply(e.tx_id, fresh, data))
        return out

    def observe_accounts(self, events: Sequence[AccountEvent]) -> None:
        """Record opening dates, so account age counts from ``opened_at`` rather than first sight."""
        pipe = self.client.pipeline(transaction=False)
        for e in events:
            if e.opened_at is not None:
                key = f"{self.prefix}a:{e.account_id}"
                pipe.hset(key, "opened", e.opened_at)
                pipe.expire(key, self.ttl_s)
        with translated("account opening dates"):
            pipe.execute()

    def account_state(self, account_id: str) -> dict[str, str]:
        """The raw profile hash of one account (for the CLI and debugging)."""
        with translated("account features"):
            state = self.client.hgetall(f"{self.prefix}a:{account_id}")
        return {as_text(k): as_text(v) for k, v in state.items()}


def _row(e: TransactionEvent) -> list[Any]:
    return [
        e.tx_id,
        e.ts,
        e.kind,
        e.amount,
        e.account_id,
        e.device_id,
        e.ip,
        e.country,
        e.counterparty_id,
        e.merchant_id,
    ]
