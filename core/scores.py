"""A transaction's risk score and the reasons behind it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Decision = Literal["approve", "review", "block"]


@dataclass(frozen=True)
class TxScore:
    """Risk 0-100 with a decision and human-readable reason codes."""

    score: float
    decision: Decision
    reasons: tuple[str, ...] = ()
    model_version: str | None = None  # the account model that contributed, if any
