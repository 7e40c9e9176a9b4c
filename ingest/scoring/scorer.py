"""The TransactionScorer: streaming features, then rules (and a model's account score) to 0-100.

Weights combine like independent pieces of evidence, ``100 * (1 - prod(1 - w / 100))``: one rule
gives its weight, more rules push towards 100 without passing it. The results reach the streams
``transactions:approved`` / ``transactions:flagged`` through the publisher, once applied.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from core.errors import ConfigurationError, RingscopeError
from core.events import AccountEvent, TransactionEvent
from core.features import Features
from core.ports import AccountRiskModel, FeatureStore
from core.scores import Decision, TxScore
from core.settings import Settings
from ingest.scoring.rules import RuleBook, RuleSet

logger = logging.getLogger(__name__)


class RuleScorer:
    """Scores batches of transactions against the rules file; works with or without a model.

    Args:
        features: the streaming feature state (``graph.features.RedisFeatureStore``).
        rules_path: overrides ``settings.rules_path``; neither set means the bundled defaults.
        model: a trained model's account risk (the GNN), optional.
    """

    def __init__(
        self,
        features: FeatureStore,
        settings: Settings,
        rules_path: Path | None = None,
        model: AccountRiskModel | None = None,
    ) -> None:
        if settings.score_review_threshold > settings.score_block_threshold:
            raise ConfigurationError(
                "RINGSCOPE_SCORE_REVIEW_THRESHOLD must not exceed RINGSCOPE_SCORE_BLOCK_THRESHOLD "
                f"(got {settings.score_review_threshold} > {settings.score_block_threshold})"
            )
        self.features = features
        self.rulebook = RuleBook(rules_path or settings.rules_path)
        self.model = model
        self.review = settings.score_review_threshold
        self.block = settings.score_block_threshold

    def observe_accounts(self, events: Sequence[AccountEvent]) -> None:
        self.features.observe_accounts(events)
        self._model_observe(events)

    def score_batch(self, events: Sequence[TransactionEvent]) -> dict[str, TxScore]:
        if not events:
            return {}
        feats = self.features.update(events)
        self._model_observe(events)
        rules = self.rulebook.current()
        model_scores = self._model_scores(events)
        scores = {
            e.tx_id: self.score_one(rules, e, f, model_scores.get(e.account_id))
            for e, f in zip(events, feats, strict=True)
        }
        return scores

    def score_one(
        self, rules: RuleSet, e: TransactionEvent, f: Features, model_score: float | None
    ) -> TxScore:
        keep = 1.0
        reasons: list[str] = []
        for rule in rules.rules:
            reason = rule.evaluate(e, f)
            if reason is not None:
                reasons.append(reason)
                keep *= 1 - rule.weight / 100
        if model_score is not None:
            keep *= 1 - rules.model.weight / 100 * min(max(model_score, 0.0), 100.0) / 100
            if model_score >= rules.model.reason_min:
                reasons.append(f"MODEL_RISK: account model score {model_score:.0f}")
        score = round(100 * (1 - keep), 1)
        version = getattr(self.model, "version", None) if model_score is not None else None
        return TxScore(score, self.decide(score), tuple(reasons), version)

    def decide(self, score: float) -> Decision:
        if score >= self.block:
            return "block"
        return "review" if score >= self.review else "approve"

    def _model_observe(self, events: Sequence[TransactionEvent | AccountEvent]) -> None:
        """Let a live model see the batch first, so new accounts are scored from it."""
        observe = getattr(self.model, "observe", None)
        if observe is None or not events:
            return
        try:
            observe(events)
        except (RingscopeError, ValueError, KeyError, IndexError) as exc:
            logger.warning(
                "account model %s could not follow the batch: %s",
                getattr(self.model, "version", "?"),
                exc,
            )

    def _model_scores(self, events: Sequence[TransactionEvent]) -> dict[str, float]:
        if self.model is None:
            return {}
        accounts = list(dict.fromkeys(e.account_id for e in events))
        try:
            return self.model.score_accounts(accounts)
        except (RingscopeError, ValueError, KeyError, IndexError) as exc:
            logger.warning(
                "account model %s failed, scoring by rules only: %s",
                getattr(self.model, "version", "?"),
                exc,
            )
            return {}
