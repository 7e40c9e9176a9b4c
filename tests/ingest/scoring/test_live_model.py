"""The scorer with a live account model: new accounts scored at once, the version recorded."""

from __future__ import annotations

from typing import Any

import redis

from core.settings import Settings
from ringscope.bootstrap import rule_scorer
from tests.gnn.test_online import (
    _events,
    _newcomer_rows,
    _ring_end,
    live_model,
    train_planted,
)


def test_scorer_uses_the_live_model_and_names_its_version(
    redis_client: redis.Redis[Any], scoring_settings: Settings
) -> None:
    trained = train_planted()
    risk = live_model(trained)
    scorer = rule_scorer(redis_client, scoring_settings, model=risk)
    rows = _newcomer_rows(5, "mule-5", _ring_end(trained[0], 5) + 60_000)
    accounts = _events([r for r in rows if r[0] == "a"])
    txs = _events([r for r in rows if r[0] == "t"])
    scorer.observe_accounts(accounts)  # type: ignore[arg-type]
    scores = scorer.score_batch(txs)  # type: ignore[arg-type]
    first = scores["mule-5-out"]  # the new account's first transaction
    assert first.model_version == "v-online"
    assert any(r.startswith("MODEL_RISK") for r in first.reasons)
