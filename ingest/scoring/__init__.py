"""Real-time scoring: streaming features, rules as data, a 0-100 risk score and alerts.

``build_scoring`` is what the composition root calls; docs/features.md documents the features,
the rules and the settings.
"""

from __future__ import annotations

from typing import Any

import redis

from core.ports import AccountRiskModel
from core.settings import Settings
from ingest.scoring.alerts import RedisAlertPublisher
from ingest.scoring.scorer import RuleScorer
from ingest.scoring.webhooks import WebhookNotifier

__all__ = ["RedisAlertPublisher", "RuleScorer", "WebhookNotifier", "build_scoring"]


def build_scoring(
    client: redis.Redis[Any], settings: Settings, model: AccountRiskModel | None = None
) -> tuple[RuleScorer, RedisAlertPublisher]:
    """Scorer and publisher on the graph's Redis; call ``publisher.close()`` at shutdown."""
    webhooks = WebhookNotifier.from_settings(settings, client)
    return RuleScorer(client, settings, model=model), RedisAlertPublisher(
        client, settings, webhooks
    )
