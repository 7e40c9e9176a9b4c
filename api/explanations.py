"""An account's explanations (plain sentences, and the model's) and the registered models' cards.

The plain sentences come from the account's score, verdicts, rings and recent risky transactions.
The model's explanation is built from ``core.explanations`` at the edge; the work is done by the
``AccountExplainer`` port on ``Services`` (``gnn.explainer`` in a running app), in a worker
thread: it blocks.
"""

from __future__ import annotations

import asyncio
from typing import cast

import strawberry
from strawberry.scalars import JSON

from api.errors import BadInputError
from api.fields import described_field
from api.types import FAR_FUTURE, Info
from core.explanations import EdgeWeight, Explanation, FeatureWeight, ModelCard
from core.investigation import AccountView


@strawberry.type(name="ModelCard", description="A registered account model: data, inputs, figures.")
class ModelCardType:
    version: str
    kind: str
    created_at: str | None
    active: bool = strawberry.field(description="Whether it is the model scoring accounts now.")
    fingerprint: str | None = strawberry.field(
        description="Short hash of the training graph's size and labels (also in the version)."
    )
    data: JSON = strawberry.field(
        description="Training data: `rows_sha256` (hash of its ids, edges, features and "
        "labels), accounts, labelled, fraud, edges per type."
    )
    features: JSON = strawberry.field(description="Input feature names per node kind.")
    metrics: JSON = strawberry.field(
        description="`random_split` and `time_split` (trained before a cut-off, tested on "
        "accounts labelled after it): AUC, AP, F1, recall at precision, counts."
    )
    seed: int | None
    training_seconds: float | None
    device: str | None

    @classmethod
    def of(cls, card: ModelCard) -> ModelCardType:
        return cls(
            version=card.version,
            kind=card.kind,
            created_at=card.created_at,
            active=card.active,
            fingerprint=card.fingerprint,
            data=cast(JSON, card.data),
            features=cast(JSON, card.features),
            metrics=cast(JSON, card.metrics),
            seed=card.seed,
            training_seconds=card.training_seconds,
            device=card.device,
        )


@strawberry.type(description="One model input for the account and how much it moved the score.")
class FeatureAttribution:
    name: str
    value: float
    weight: float = strawberry.field(
        description="RingBoost: log-odds it added (signed). RingSAGE: GNNExplainer mask, 0-1."
    )

    @classmethod
    def of(cls, f: FeatureWeight) -> FeatureAttribution:
        return cls(name=f.name, value=f.value, weight=f.weight)


@strawberry.type(description="A graph edge `(source)-[:type]->(target)` that drove the score.")
class EdgeAttribution:
    source: strawberry.ID
    target: strawberry.ID
    type: str
    weight: float

    @classmethod
    def of(cls, e: EdgeWeight) -> EdgeAttribution:
        return cls(
            source=strawberry.ID(e.source),
            target=strawberry.ID(e.target),
            type=e.type,
            weight=e.weight,
        )


@strawberry.type(description="The features and neighbour edges behind an account's model score.")
class ModelExplanation:
    account_id: strawberry.ID
    model: ModelCardType
    score: float = strawberry.field(description="The model's risk 0-100 on the explained piece.")
    method: str
    hops: int
    features: list[FeatureAttribution]
    edges: list[EdgeAttribution] = strawberry.field(
        description="Edges of the account's `hops`-hop neighbourhood, strongest first."
    )

    @classmethod
    def of(cls, e: Explanation) -> ModelExplanation:
        return cls(
            account_id=strawberry.ID(e.account_id),
            model=ModelCardType.of(e.model),
            score=e.score,
            method=e.method,
            hops=e.hops,
            features=[FeatureAttribution.of(f) for f in e.features],
            edges=[EdgeAttribution.of(x) for x in e.edges],
        )


MAX_EXPLANATIONS = 10  # per request: each runs the model on a piece (tens to hundreds of ms)


async def explain_with_model(info: Info, account_id: str) -> ModelExplanation | None:
    explainer = info.context.services.explainer
    if explainer is None:
        return None
    spent = int(getattr(info.context, "_explanations", 0)) + 1
    setattr(info.context, "_explanations", spent)  # noqa: B010 (the request's own tally)
    if spent > MAX_EXPLANATIONS:
        raise BadInputError(
            f"modelExplanation: at most {MAX_EXPLANATIONS} accounts per request; "
            "ask for the others in further requests"
        )
    found = await asyncio.to_thread(explainer.explain, account_id)
    return None if found is None else ModelExplanation.of(found)


@strawberry.type
class ModelQueries:
    """Fields the schema's Query inherits: the account model's registry."""

    @described_field("Every registered account model, oldest first, with its card.")
    async def models(self, info: Info) -> list[ModelCardType]:
        info.context.require("viewer")
        explainer = info.context.services.explainer
        if explainer is None:
            return []
        return [ModelCardType.of(c) for c in await asyncio.to_thread(explainer.cards)]

    @described_field("One registered model's card; the active model when `version` is null.")
    async def model_card(self, info: Info, version: str | None = None) -> ModelCardType | None:
        info.context.require("viewer")
        explainer = info.context.services.explainer
        if explainer is None:
            return None
        card = await asyncio.to_thread(explainer.card, version)
        return None if card is None else ModelCardType.of(card)


async def explain_account(info: Info, view: AccountView) -> list[str]:
    """Plain sentences from the model score, verdicts, rings and risky recent transactions."""
    out: list[str] = []
    if view.risk_score is not None:
        version = f" (model {view.model_version})" if view.model_version else ""
        out.append(f"model risk {view.risk_score:.0f}/100{version}")
    if view.verdict:
        out.append(f"investigator verdict: {view.verdict}")
    for r in await info.context.loaders.account_rings.load(view.id):
        why = "; ".join(r.reasons[:3]) or ", ".join(r.typologies) or "flagged by detection"
        out.append(f"member of ring {r.id} (score {r.score:.0f}): {why}")
    recent = await info.context.store.account_transactions(view.id, 0, FAR_FUTURE, None, 50)
    seen: dict[str, int] = {}
    for tx in recent:
        if tx.decision in ("review", "block"):
            for reason in tx.reasons:
                seen[reason] = seen.get(reason, 0) + 1
    for reason, n in sorted(seen.items(), key=lambda kv: -kv[1])[:5]:
        out.append(f"{n} recent risky transaction(s): {reason}")
    return out
