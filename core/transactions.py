"""A stored transaction as read back from the graph."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TransactionRecord:
    id: str
    ts: int
    kind: str
    amount: float
    currency: str
    account_id: str
    counterparty_id: str | None = None
    merchant_id: str | None = None
    device_id: str | None = None
    ip: str | None = None
    card_id: str | None = None
    country: str | None = None
    city: str | None = None
    lat: float | None = None
    lon: float | None = None
    label: str | None = None
    risk_score: float | None = None
    decision: str | None = None
    reasons: tuple[str, ...] = ()

    @classmethod
    def from_properties(cls, props: dict[str, Any]) -> TransactionRecord:
        known = {k: v for k, v in props.items() if k in cls.__dataclass_fields__}
        known["reasons"] = tuple(known.get("reasons") or ())
        return cls(**known)
