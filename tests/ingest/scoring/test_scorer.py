from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
import redis

from core.errors import ConfigurationError
from core.settings import Settings
from ingest.scoring.scorer import RuleScorer
from ringscope.bootstrap import rule_scorer
from tests.ingest.scoring.factories import history, tx


class FixedModel:
    """A real AccountRiskModel implementation with fixed scores (no store involved)."""

    version = "fixed-1"

    def __init__(self, scores: dict[str, float]) -> None:
        self.scores = scores

    def score_accounts(self, account_ids: Sequence[str]) -> dict[str, float]:
        return {a: self.scores[a] for a in account_ids if a in self.scores}


@pytest.fixture
def scorer(redis_client: redis.Redis[Any], scoring_settings: Settings) -> RuleScorer:
    return rule_scorer(redis_client, scoring_settings)


def codes(reasons: tuple[str, ...]) -> set[str]:
    return {r.split(":")[0] for r in reasons}


def test_ordinary_payment_is_approved(scorer: RuleScorer) -> None:
    scorer.score_batch(history(10))
    s = scorer.score_batch([tx("now", 0, 55)])["now"]
    assert s.decision == "approve" and s.score == 0 and s.reasons == ()


def test_amount_spike_needs_history(scorer: RuleScorer) -> None:
    early = scorer.score_batch([*history(3), tx("big-early", 0, 900)])["big-early"]
    assert "AMOUNT_SPIKE" not in codes(early.reasons)
    scorer.score_batch(history(10, account="acct-2"))
    s = scorer.score_batch([tx("big", 0, 900, account_id="acct-2")])["big"]
    assert codes(s.reasons) == {"AMOUNT_SPIKE"} and s.decision == "review"
    assert s.reasons[0].startswith("AMOUNT_SPIKE: 1")  # "17.xx usual spend of ..."


def test_impossible_travel_and_velocity_burst(scorer: RuleScorer) -> None:
    scorer.score_batch(history(10))
    scores = scorer.score_batch([tx("home", 0), tx("away", 20, country="US")])
    assert codes(scores["away"].reasons) == {"IMPOSSIBLE_TRAVEL"}
    assert scores["home"].decision == "approve"
    burst = [tx(f"b{j}", 200 + j * 0.25, 2, account_id="acct-3") for j in range(12)]
    scores = scorer.score_batch(burst)
    flagged = [t.tx_id for t in burst if scores[t.tx_id].decision != "approve"]
    assert flagged == [f"b{j}" for j in range(7, 12)]
    assert "VELOCITY_BURST" in codes(scores["b11"].reasons)


def test_two_rules_combine_towards_block(scorer: RuleScorer) -> None:
    scorer.score_batch(history(10))
    scores = scorer.score_batch([tx("home", 0), tx("away-big", 10, 2000, country="US")])
    s = scores["away-big"]
    assert codes(s.reasons) == {"AMOUNT_SPIKE", "IMPOSSIBLE_TRAVEL"}
    assert s.score == pytest.approx(100 * (1 - 0.4 * 0.35), abs=0.1) and s.decision == "block"


def test_refund_new_device_new_counterparty_shared_device(scorer: RuleScorer) -> None:
    scorer.score_batch(history(10))
    batch = [
        tx("refund", 0, kind="refund", merchant_id="m-never-paid"),
        tx("newdev", 1, 800, device_id="dev-new"),
        tx("xfer", 2, 5000, kind="transfer", counterparty_id="acct-mule", merchant_id=None),
        *[tx(f"s{i}", 3, account_id=f"acct-farm-{i}", device_id="farm") for i in range(5)],
    ]
    scores = scorer.score_batch(batch)
    assert "REFUND_WITHOUT_PAYMENT" in codes(scores["refund"].reasons)
    assert "NEW_DEVICE_HIGH_VALUE" in codes(scores["newdev"].reasons)
    assert "NEW_COUNTERPARTY_HIGH_VALUE" in codes(scores["xfer"].reasons)
    assert "SHARED_DEVICE" in codes(scores["s4"].reasons)
    assert "SHARED_DEVICE" not in codes(scores["s3"].reasons)


def test_model_score_adds_risk_and_a_reason(
    redis_client: redis.Redis[Any], scoring_settings: Settings
) -> None:
    model = FixedModel({"acct-1": 90.0})
    scorer = rule_scorer(redis_client, scoring_settings, model=model)
    scorer.score_batch(history(10))
    s = scorer.score_batch([tx("now", 0)])["now"]
    assert s.score == pytest.approx(54.0) and s.decision == "review"
    assert codes(s.reasons) == {"MODEL_RISK"}


def test_redelivery_scores_the_same(scorer: RuleScorer) -> None:
    scorer.score_batch(history(10))
    first = scorer.score_batch([tx("big", 0, 900)])
    again = scorer.score_batch([tx("big", 0, 900)])
    assert first == again and first["big"].decision == "review"


def test_thresholds_come_from_settings(
    redis_client: redis.Redis[Any], scoring_settings: Settings
) -> None:
    strict = scoring_settings.model_copy(update={"score_review_threshold": 20.0})
    scorer = rule_scorer(redis_client, strict)
    assert scorer.decide(25) == "review" and scorer.decide(19.9) == "approve"
    assert scorer.decide(85) == "block"
    bad = scoring_settings.model_copy(update={"score_review_threshold": 90.0})
    with pytest.raises(ConfigurationError, match="RINGSCOPE_SCORE_REVIEW_THRESHOLD"):
        rule_scorer(redis_client, bad)
