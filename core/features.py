"""Streaming features of a transaction's account, as they stood just before it (docs/features.md)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


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
