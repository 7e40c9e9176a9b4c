"""The simulator's knobs, its output, and the names other parts rely on."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from core.errors import ConfigurationError

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS

# Planted fraud typologies, one name per pattern of DESIGN.md.
TYPOLOGIES: tuple[str, ...] = (
    "synthetic_identity",  # new accounts sharing a device, phone or address, then busting out
    "account_takeover",  # existing accounts driven from one device/IP, drained to drops
    "mule_fan_in",  # many feeders into one mule, forwarded on within hours
    "fan_out",  # one source spraying just-below-threshold amounts to many
    "cycle",  # money returning to its origin through 3-6 hops within hours
    "scatter_gather",  # one source -> many intermediates -> one gatherer
    "gather_scatter",  # many sources -> one hub -> many destinations
    "card_testing",  # bursts of tiny payments at few merchants from new devices
    "refund_abuse",  # purchases and refunds across many merchants
)
ANOMALY_KINDS: tuple[str, ...] = (
    "amount_spike",
    "impossible_travel",
    "velocity_burst",
    "new_device_high_value",
)
MIN_RING, MAX_RING = 4, 12

Event = dict[str, Any]


@dataclass(frozen=True)
class SimConfig:
    """How much traffic to simulate. Output is a pure function of these values."""

    accounts: int = 2000
    days: int = 30
    seed: int = 7
    start_ms: int | None = None  # default: midnight UTC today minus ``days``
    rings_per_typology: int = 3
    tx_per_account_per_day: float = 1.5
    unlabelled_share: float = 0.3  # share of rings whose events carry no ``label``

    def resolved_start_ms(self) -> int:
        """``start_ms``, or today's midnight (UTC) minus ``days``: stable within a day."""
        if self.start_ms is not None:
            return self.start_ms
        today = int(time.time() * 1000) // DAY_MS * DAY_MS
        return today - self.days * DAY_MS

    def check(self) -> None:
        """Raise ConfigurationError when the values cannot make a sensible world."""
        needed = len(TYPOLOGIES) * self.rings_per_typology * MAX_RING * 2 + 100
        if self.accounts < needed:
            raise ConfigurationError(
                f"accounts={self.accounts} is too few for {self.rings_per_typology} rings per "
                f"typology: use at least {needed} accounts or fewer rings_per_typology"
            )
        if self.days < 2:
            raise ConfigurationError(f"days={self.days}: simulate at least 2 days")
        if not 0 <= self.unlabelled_share <= 1:
            raise ConfigurationError(f"unlabelled_share={self.unlabelled_share}: must be in 0..1")
        if self.tx_per_account_per_day <= 0 or self.rings_per_typology < 0:
            raise ConfigurationError("tx_per_account_per_day must be > 0, rings_per_typology >= 0")


@dataclass
class Simulation:
    """A generated data set: account events, transaction events (by ts) and the ground truth.

    ``truth`` is ``{"rings": {ring_id: {"kind", "members", "labelled"}}, "anomalies":
    {tx_id: kind}}``.
    """

    accounts: list[Event]
    transactions: list[Event]
    truth: dict[str, Any] = field(default_factory=dict)
