"""Real-time scoring: streaming features, rules as data, a 0-100 risk score and alerts.

The composition root (``ringscope.bootstrap.build_scoring``) wires the scorer and the publisher
to their stores; docs/features.md documents the features, the rules and the settings.
"""

from __future__ import annotations

from ingest.scoring.alerts import TransactionAlertPublisher
from ingest.scoring.scorer import RuleScorer
from ingest.scoring.webhooks import WebhookNotifier

__all__ = ["RuleScorer", "TransactionAlertPublisher", "WebhookNotifier"]
