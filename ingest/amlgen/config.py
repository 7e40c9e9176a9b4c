"""The independent generator's knobs: world size, AMLSim-style pattern rows, camouflage.

Written from the published AMLSim typology definitions (``alertPatterns.csv``: ``type``,
``min_accounts``/``max_accounts``, ``min_amount``/``max_amount``, ``min_period``/``max_period``,
``schedule_id``), not from ``ingest.simulator``: the two generators share no code, so a detector
tuned on one is judged on the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from core.errors import ConfigurationError

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
YEAR_MS = 365 * DAY_MS

# AMLSim's eight alert typologies, then two bank typologies with victims apart from members.
AMLSIM_TYPES: tuple[str, ...] = (
    "fan_in",
    "fan_out",
    "cycle",
    "bipartite",
    "stack",
    "scatter_gather",
    "gather_scatter",
    "random",
)
EXTRA_TYPES: tuple[str, ...] = ("card_testing", "mule_collection")
ALL_TYPES: tuple[str, ...] = AMLSIM_TYPES + EXTRA_TYPES

# Legit structures that look like rings to a naive detector; recorded in truth, never as rings.
LOOKALIKES: tuple[str, ...] = (
    "household",  # 2-5 people at one address sharing a tablet and the home IP
    "payroll",  # an employer paying the same staff the same wage every period
    "family",  # relatives sending money back and forth
    "small_business",  # many customers pay it, it pays a few suppliers and the owner
    "savings_club",  # members pay an organiser monthly, the pot goes to one member in turn
    "rent",  # a landlord collecting rent from tenants at the start of the month
)

Event = dict[str, Any]


@dataclass(frozen=True)
class PatternSpec:
    """One ``alertPatterns.csv`` row: how many rings of a type and their ranges.

    ``schedule`` follows AMLSim's ``schedule_id``: 0 members transact in order at a fixed
    interval, 1 in order at random intervals, 2 in random order at random times, 3 all at once.
    Periods are in days; amounts in the account currency.
    """

    type: str
    count: int
    min_accounts: int
    max_accounts: int
    min_amount: float
    max_amount: float
    min_period: int
    max_period: int
    schedule: int = 1


def default_patterns(per_type: int) -> tuple[PatternSpec, ...]:
    """Pattern rows in the spirit of AMLSim's sample ``paramFiles`` (amounts scaled to a bank)."""
    rows = [
        ("fan_in", 5, 12, 900, 4_800, 3, 14, 2),
        ("fan_out", 5, 12, 900, 4_800, 3, 14, 1),
        ("cycle", 3, 7, 2_000, 9_000, 2, 10, 0),
        ("bipartite", 4, 10, 800, 4_000, 3, 14, 2),
        ("stack", 6, 12, 800, 4_000, 4, 14, 1),
        ("scatter_gather", 5, 12, 1_000, 5_000, 2, 10, 1),
        ("gather_scatter", 5, 12, 1_000, 5_000, 2, 10, 1),
        ("random", 4, 9, 700, 3_500, 5, 20, 2),
        ("card_testing", 3, 7, 0.5, 4.0, 1, 3, 3),
        ("mule_collection", 3, 7, 150, 2_500, 3, 12, 2),
    ]
    return tuple(
        PatternSpec(t, per_type, a, b, lo, hi, p, q, s) for t, a, b, lo, hi, p, q, s in rows
    )


@dataclass(frozen=True)
class Camouflage:
    """How much ring members look like everyone else.

    - ``recruited_share``: share of members drawn from existing customers (aged accounts with
      their own ordinary traffic: recruited mules, taken-over accounts) instead of new accounts.
    - ``new_member_age_days``: how long before its first ring transaction a new member opened.
    - ``cover_history``: new members also shop, get paid and pay friends like customers do.
    - ``everyday_amounts``: ring amounts drawn from everyday transfer sizes, not the row's range.
    - ``ring_device_share``: share of ring transactions sent from the ring's own devices
      (the rest from the member's personal device and home or mobile IP).
    - ``shared_identity_share``: share of accounts opened for a ring that reuse the ring's
      phone or address (synthetic identities); recruited members keep their own.
    """

    recruited_share: float = 0.0
    new_member_age_days: tuple[int, int] = (1, 20)
    cover_history: bool = False
    everyday_amounts: bool = False
    ring_device_share: float = 0.8
    shared_identity_share: float = 0.4

    @staticmethod
    def camouflaged() -> Camouflage:
        return Camouflage(
            recruited_share=0.6,
            new_member_age_days=(90, 900),
            cover_history=True,
            everyday_amounts=True,
            ring_device_share=0.35,
            shared_identity_share=0.0,
        )


@dataclass(frozen=True)
class GenConfig:
    """Everything the output depends on: the same config always gives the same data set."""

    accounts: int = 8000
    days: int = 45
    seed: int = 1
    start_ms: int = 1_767_225_600_000  # 2026-01-01T00:00:00Z
    tx_per_account_per_day: float = 0.45
    merchants: int = 1500
    rings_per_type: int = 4
    lookalikes_per_kind: int = 6
    camouflage: Camouflage = field(default_factory=Camouflage)
    patterns: tuple[PatternSpec, ...] | None = None

    def resolved_patterns(self) -> tuple[PatternSpec, ...]:
        """The given rows, or the default rows with periods shortened to fit the window."""
        if self.patterns is not None:
            return self.patterns
        top = max(self.days - 2, 1)
        return tuple(
            replace(p, min_period=min(p.min_period, top), max_period=min(p.max_period, top))
            for p in default_patterns(self.rings_per_type)
        )

    def check(self) -> None:
        """Raise ConfigurationError for values that cannot make a sensible world."""
        if self.days < 7:
            raise ConfigurationError(f"days={self.days}: generate at least 7 days")
        if self.tx_per_account_per_day <= 0 or self.merchants < 50:
            raise ConfigurationError("tx_per_account_per_day must be > 0 and merchants >= 50")
        if not 0 <= self.camouflage.recruited_share <= 1:
            raise ConfigurationError("recruited_share must be in 0..1")
        need = sum(p.count * p.max_accounts * 12 for p in self.resolved_patterns()) + 500
        if self.accounts < need:
            raise ConfigurationError(
                f"accounts={self.accounts} is too few for the planted rings and their victims: "
                f"use at least {need} or fewer rings"
            )
        for p in self.resolved_patterns():
            if p.count == 0:
                continue
            if p.type not in ALL_TYPES:
                raise ConfigurationError(f"unknown pattern type {p.type!r}: one of {ALL_TYPES}")
            if not (2 <= p.min_accounts <= p.max_accounts and 0 < p.min_amount <= p.max_amount):
                raise ConfigurationError(f"pattern {p.type}: bad account or amount range")
            if not 1 <= p.min_period <= p.max_period < self.days:
                raise ConfigurationError(f"pattern {p.type}: periods must be 1..days-1")
