"""The AlertPublisher: review/block decisions of newly applied transactions become alerts.

Every newly applied transaction's result (score, decision, reasons) also goes to the stream
``transactions:approved`` or ``transactions:flagged`` here, so each appears there once.

One call of the AlertLog port per batch (``graph/alerts.lua`` on Redis) deduplicates and
publishes atomically: a tx_id alerts at
most once (a marker with a TTL), and an account tripping the same rule again within
``alert_dedup_window_s`` of event time updates its open alert (same id, ``count`` + 1, highest
score, latest transaction) and re-publishes it, rather than raising a new one. Webhooks get new
alerts and escalations to ``block``, from a background thread.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from core.alerts import Alert
from core.events import TransactionEvent
from core.ports import AlertLog
from core.scores import TxScore
from ingest.scoring.webhooks import WebhookNotifier

logger = logging.getLogger(__name__)


def reason_code(reason: str) -> str:
    """``"AMOUNT_SPIKE: 12.0x usual spend"`` -> ``"AMOUNT_SPIKE"``."""
    return reason.split(":", 1)[0].strip()


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TransactionAlertPublisher:
    """Publishes transaction alerts to the ``alerts`` stream and pub/sub channel (AlertPublisher).

    Args:
        log: deduplicates, records and publishes (``graph.alerts.RedisAlertLog``).
        webhooks: optional notifier; ``close()`` stops it.
    """

    def __init__(self, log: AlertLog, webhooks: WebhookNotifier | None = None) -> None:
        self.log = log
        self.webhooks = webhooks

    def publish(
        self, events: Sequence[TransactionEvent], scores: dict[str, TxScore], applied: set[str]
    ) -> None:
        items = [
            _item(e, scores[e.tx_id]) for e in events if e.tx_id in applied and e.tx_id in scores
        ]
        if not items:
            return
        published = self.log.record(items)
        if self.webhooks is not None:
            for alert, change in published:
                if change in ("new", "escalated"):
                    self.webhooks.notify(alert)

    def close(self) -> None:
        if self.webhooks is not None:
            self.webhooks.close()


def _item(e: TransactionEvent, score: TxScore) -> list[Any]:
    """``[tx_id, result, dedup_key, ts, alert]`` for the script; no alert for approvals."""
    result = orjson.dumps(
        {
            "txId": e.tx_id,
            "accountId": e.account_id,
            "ts": e.ts,
            "score": score.score,
            "decision": score.decision,
            "reasons": list(score.reasons),
            "modelVersion": score.model_version,
        }
    ).decode()
    if score.decision == "approve":
        return [e.tx_id, result, False, e.ts, False]
    reasons = list(score.reasons) or [f"SCORE: risk {score.score:.0f}"]
    alert = Alert(
        id=f"alert-{uuid.uuid4().hex[:20]}",
        kind="TRANSACTION",
        score=score.score,
        created_at=now_iso(),
        account_id=e.account_id,
        transaction_id=e.tx_id,
        reasons=tuple(reasons),
        decision=score.decision,
        # the dedup script grows count and transactionIds; modelVersion: the model that scored it
        extra={"count": 1, "transactionIds": [e.tx_id], "modelVersion": score.model_version},
    ).to_json()
    return [e.tx_id, result, f"{e.account_id}|{reason_code(reasons[0])}", e.ts, alert]
