"""benchmarks.feedback picks the same alerts to disposition on every run."""

from __future__ import annotations

import orjson

from benchmarks.feedback import top_alerts
from graph.falkordb_store import FalkorStore
from tests.api.conftest import make_settings


def test_ties_between_top_alerts_go_by_transaction_not_by_random_alert_id(
    store: FalkorStore,
) -> None:
    settings = make_settings(store.url, store.graph_name)
    for alert_id, tx, account, score in (
        ("alert-0a", "tx-2", "acc-2", 90.0),  # alert ids are random: this one sorts first
        ("alert-ff", "tx-1", "acc-1", 90.0),
        ("alert-00", "tx-0", "acc-0", 50.0),
    ):
        alert = {"id": alert_id, "score": score, "accountId": account, "transactionId": tx}
        store.redis.xadd(settings.alerts_stream, {"alert": orjson.dumps(alert)})
    assert top_alerts(store, settings, 2) == [("alert-ff", "acc-1"), ("alert-0a", "acc-2")]
