"""Scoring fixtures: settings isolated per test (own graph keys and stream names)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis

from core.settings import Settings, load_settings


@pytest.fixture
def scoring_settings(graph_name: str, redis_client: redis.Redis[Any]) -> Iterator[Settings]:
    s = load_settings(
        graph=graph_name,
        alerts_stream=f"alerts-{graph_name}",
        alerts_channel=f"alerts-{graph_name}",
        approved_stream=f"approved-{graph_name}",
        flagged_stream=f"flagged-{graph_name}",
        webhook_dead_stream=f"webhooks-dead-{graph_name}",
    )
    yield s
    keys = redis_client.keys(f"ringscope:{graph_name}:*")
    keys += [s.alerts_stream, s.approved_stream, s.flagged_stream, s.webhook_dead_stream]
    redis_client.delete(*keys)
