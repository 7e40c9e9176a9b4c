from __future__ import annotations

import json
from typing import Any

import pytest
import redis

from core.settings import Settings
from graph.falkordb_store import FalkorStore
from ingest.pipeline import Pipeline
from ingest.scoring.alerts import TransactionAlertPublisher
from ingest.scoring.scorer import RuleScorer
from ringscope.bootstrap import alert_publisher, rule_scorer
from ringscope.secrets import identity_salt
from tests.ingest.scoring.factories import history, tx


def alerts(client: redis.Redis[Any], s: Settings) -> list[dict[str, Any]]:
    return [json.loads(f["alert"]) for _, f in client.xrange(s.alerts_stream)]


@pytest.fixture
def parts(
    redis_client: redis.Redis[Any], scoring_settings: Settings
) -> tuple[RuleScorer, TransactionAlertPublisher]:
    scorer = rule_scorer(redis_client, scoring_settings)
    scorer.score_batch(history(10))
    return scorer, alert_publisher(redis_client, scoring_settings)


def test_alert_contract_on_stream_and_pubsub(
    redis_client: redis.Redis[Any], scoring_settings: Settings, parts: Any
) -> None:
    scorer, publisher = parts
    sub = redis_client.pubsub()
    sub.subscribe(scoring_settings.alerts_channel)
    assert sub.get_message(timeout=1)["type"] == "subscribe"
    events = [tx("ok", 0), tx("big", 1, 900)]
    scores = scorer.score_batch(events)
    publisher.publish(events, scores, {"ok", "big"})
    [alert] = alerts(redis_client, scoring_settings)
    assert alert["kind"] == "TRANSACTION" and alert["transactionId"] == "big"
    assert alert["accountId"] == "acct-1" and alert["ringId"] is None
    assert alert["decision"] == "review" and alert["score"] == scores["big"].score
    assert alert["reasons"][0].startswith("AMOUNT_SPIKE") and alert["createdAt"].endswith("Z")
    assert alert["id"].startswith("alert-")
    message = sub.get_message(timeout=1)
    assert message is not None and json.loads(message["data"]) == alert
    sub.close()
    approved = redis_client.xrange(scoring_settings.approved_stream)
    flagged = redis_client.xrange(scoring_settings.flagged_stream)
    assert [json.loads(f["result"])["txId"] for _, f in approved] == ["ok"]
    assert json.loads(flagged[0][1]["result"])["reasons"] == list(scores["big"].reasons)


def test_not_applied_or_repeated_transactions_never_alert_twice(
    redis_client: redis.Redis[Any], scoring_settings: Settings, parts: Any
) -> None:
    scorer, publisher = parts
    events = [tx("big", 0, 900)]
    scores = scorer.score_batch(events)
    publisher.publish(events, scores, set())  # not applied: nothing
    assert alerts(redis_client, scoring_settings) == []
    publisher.publish(events, scores, {"big"})
    publisher.publish(events, scores, {"big"})  # a replay of the same tx_id
    assert len(alerts(redis_client, scoring_settings)) == 1


def test_same_account_and_rule_update_one_alert(
    redis_client: redis.Redis[Any], scoring_settings: Settings, parts: Any
) -> None:
    scorer, publisher = parts
    first, second = [tx("big1", 0, 900)], [tx("big2", 5, 3000)]
    publisher.publish(first, scorer.score_batch(first), {"big1"})
    publisher.publish(second, scorer.score_batch(second), {"big2"})
    later = [tx("big3", 24 * 60, 9000)]  # a day later: outside the window, a new alert
    publisher.publish(later, scorer.score_batch(later), {"big3"})
    a1, a2, a3 = alerts(redis_client, scoring_settings)
    assert a1["id"] == a2["id"] != a3["id"]
    assert (a1["count"], a2["count"], a3["count"]) == (1, 2, 1)
    assert a2["transactionId"] == "big2" and a2["transactionIds"] == ["big1", "big2"]
    assert a2["score"] >= a1["score"] and a2["createdAt"] == a1["createdAt"]


def test_redelivery_through_the_pipeline_does_not_duplicate_alerts(
    store: FalkorStore, scoring_settings: Settings
) -> None:
    scorer = rule_scorer(store.redis, scoring_settings)
    publisher = alert_publisher(store.redis, scoring_settings)
    pipeline = Pipeline(store, identity_salt(scoring_settings), scorer=scorer, publisher=publisher)
    raws = [e.model_dump_json() for e in [*history(10), tx("big", 0, 900)]]
    first = pipeline.process_raw(raws)
    again = pipeline.process_raw(raws)  # a worker died before XACK: everything comes back
    assert first.applied == 11 and first.flagged == 1 and again.applied == 0
    [alert] = alerts(store.redis, scoring_settings)
    assert alert["transactionId"] == "big"
    record = store.find_transaction("big")
    assert record is not None and record.decision == "review"
    assert record.reasons and record.reasons[0].startswith("AMOUNT_SPIKE")
    assert store.redis.xlen(scoring_settings.approved_stream) == 10
    publisher.close()


def test_each_applied_result_lands_once_in_approved_or_flagged(
    redis_client: redis.Redis[Any], scoring_settings: Settings, parts: Any
) -> None:
    scorer, publisher = parts
    events = [tx(f"b{i}", i * 0.1, 900 + i, account_id=f"acct-{i}") for i in range(200)]
    scores = scorer.score_batch(events)
    publisher.publish(events, scores, {e.tx_id for e in events})
    publisher.publish(events, scores, set())  # replayed, nothing newly applied
    results = [
        json.loads(f["result"])["txId"]
        for stream in (scoring_settings.approved_stream, scoring_settings.flagged_stream)
        for _, f in redis_client.xrange(stream)
    ]
    assert sorted(results) == sorted(e.tx_id for e in events)
    flagged = sum(s.decision != "approve" for s in scores.values())
    assert redis_client.xlen(scoring_settings.flagged_stream) == flagged > 0
