"""Alert triage: assign, dismiss with a reason code, or record a true/false-positive disposition.

An alert is in the triage queue until it is assigned, dismissed, dispositioned, or put in a case.
A disposition is also recorded as a verdict on the alert's account (true positive: confirmed
fraud; false positive: false positive), so it reaches the training labels the same way a
verdict from the account page does. No I/O here: ``graph/triage.py`` stores the records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

TRIAGE_STATES = ("assigned", "dismissed", "true_positive", "false_positive")
# The verdict a disposition records on the alert's account.
DISPOSITION_VERDICTS = {"true_positive": "confirmed_fraud", "false_positive": "false_positive"}
MAX_BULK = 500


@dataclass(frozen=True)
class AlertTriage:
    alert_id: str
    state: str
    by: str
    at: int
    assignee: str | None = None
    reason_code: str | None = None
    note: str | None = None
    account_id: str | None = None


class TriageStore(Protocol):
    async def triage(self, alert_ids: Sequence[str]) -> list[AlertTriage | None]: ...
    async def record_triage(self, records: Sequence[AlertTriage]) -> None: ...
    async def triaged_ids(self) -> set[str]: ...
