"""Event builders for the scoring tests."""

from __future__ import annotations

from typing import Any

from core.events import TransactionEvent

T0 = 1_750_000_000_000  # event time of "now" in a test
MIN = 60_000


def tx(tx_id: str, minute: float, amount: float = 50.0, **kw: Any) -> TransactionEvent:
    """A payment by acct-1 on its usual device at home, ``minute`` minutes after T0."""
    data: dict[str, Any] = {
        "tx_id": tx_id,
        "ts": int(T0 + minute * MIN),
        "kind": "payment",
        "amount": amount,
        "account_id": "acct-1",
        "merchant_id": "m-1",
        "device_id": "dev-1",
        "country": "DE",
    }
    data.update(kw)
    return TransactionEvent.model_validate(data)


def history(n: int = 10, amount: float = 50.0, account: str = "acct-1") -> list[TransactionEvent]:
    """n ordinary daily payments, ending a day before T0."""
    return [
        tx(f"h-{account}-{i}", -(n - i) * 1440, amount * (0.9 + 0.02 * i), account_id=account)
        for i in range(n)
    ]
