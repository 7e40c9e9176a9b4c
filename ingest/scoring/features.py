"""Streaming features kept in Redis beside the graph, updated by one Lua script per batch.

The script (``features.lua``) reads each account's state as it was before a transaction, folds the
transaction in and returns the "before" view, all atomically, so several workers never race on
read-modify-write. Time is the event's ``ts``, never the wall clock. A per-tx marker (SET with a
TTL) makes the update idempotent: a redelivered tx_id gets its first features back and counts once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import orjson
import redis

from core.events import AccountEvent, TransactionEvent

logger = logging.getLogger(__name__)

_SCRIPT = (Path(__file__).parent / "features.lua").read_text()
_CHUNK = 500  # transactions per script call: keeps each call short for other clients


@dataclass(frozen=True)
class Features:
    """What was known about a transaction's account just before it (counts include the tx)."""

    tx_id: str
    fresh: bool = True  # False: a tx_id seen before, features as computed the first time
    n: int = 0  # prior transactions of the account
    mean: float = 0.0  # EWMA of the amount
    std: float = 0.0  # EWMA spread of the amount
    c5m: int = 0  # transactions in the last 5 min / 1 h / 24 h, this one included
    c1h: int = 0
    c24h: int = 0
    s5m: float = 0.0  # amounts summed over the same windows
    s1h: float = 0.0
    s24h: float = 0.0
    p5m: int = 0  # payments only
    p1h: int = 0
    p24h: int = 0
    prev_country: str | None = None  # country and ts of the account's previous located tx
    prev_ts: int | None = None
    age_ms: int = 0  # since the account was opened (account event) or first seen
    device_new: bool | None = None  # None: the tx named no device
    known_devices: int = 0  # devices the account used before
    device_accounts_24h: int = 0  # distinct accounts on this device in 24 h, this one included
    ip_new: bool | None = None
    known_ips: int = 0
    ip_accounts_24h: int = 0
    counterparty_new: bool | None = None  # transfers only
    known_counterparties: int = 0
    paid_merchant: bool | None = None  # refunds only: did the account pay this merchant before

    @classmethod
    def from_reply(cls, tx_id: str, fresh: int, data: dict[str, Any]) -> Features:
        known = {k: v for k, v in data.items() if k in _FIELDS}
        for name in ("prev_ts", "age_ms"):
            if known.get(name) is not None:
                known[name] = int(known[name])
        return cls(tx_id=tx_id, fresh=bool(fresh), **known)


_FIELDS = {f.name for f in fields(Features)} - {"tx_id", "fresh"}


class FeatureStore:
    """Feature state of one graph in Redis (keys ``ringscope:<graph>:f:*``)."""

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

    def update(self, events: Sequence[TransactionEvent]) -> list[Features]:
        """Fold transactions in (in order) and return each one's features from just before it."""
        out: list[Features] = []
        for start in range(0, len(events), _CHUNK):
            chunk = events[start : start + _CHUNK]
            rows = orjson.dumps([_row(e) for e in chunk])
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
        pipe.execute()

    def account_state(self, account_id: str) -> dict[str, str]:
        """The raw profile hash of one account (for the CLI and debugging)."""
        state: dict[str, str] = self.client.hgetall(f"{self.prefix}a:{account_id}")
        return state


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
