"""Why the account model scored an account as it did, and what the model is (its card).

The ``AccountExplainer`` port is what the API asks; ``gnn.explainer`` implements it over the
model registry and the edge log. Edges name real graph relationships (``USED``, ``FROM_IP``,
``HAS_PHONE``, ``TRANSFERRED``...) between real node ids, so a client can find them in the
account's neighbourhood and draw them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class FeatureWeight:
    """One model input for the account: its value and how much it moved the score.

    ``weight`` is signed for RingBoost (log-odds the feature added, tree path attribution) and
    a mask strength in [0, 1] for RingSAGE (GNNExplainer).
    """

    name: str
    value: float
    weight: float


@dataclass(frozen=True)
class EdgeWeight:
    """A graph edge ``(source)-[:type]->(target)`` and how much it mattered to the score."""

    source: str
    target: str
    type: str
    weight: float


@dataclass(frozen=True)
class ModelCard:
    """A registered model as its registry describes it (``metadata.json``, never code)."""

    version: str
    kind: str
    created_at: str | None
    fingerprint: str | None
    data: dict[str, Any] = field(default_factory=dict)
    features: dict[str, list[str]] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    training_seconds: float | None = None
    device: str | None = None
    active: bool = False


@dataclass(frozen=True)
class Explanation:
    """The features and neighbour edges behind one account's model score.

    ``score`` is the model's risk (0-100) for the account on the neighbourhood it was
    explained on; ``method`` names the attribution method.
    """

    account_id: str
    model: ModelCard
    score: float
    method: str
    features: tuple[FeatureWeight, ...]
    edges: tuple[EdgeWeight, ...]
    hops: int = 2


class AccountExplainer(Protocol):
    """Explanations and model cards; blocking calls (run them off the event loop)."""

    def explain(self, account_id: str) -> Explanation | None:
        """None when no model is registered or the model has never seen the account."""
        ...

    def cards(self) -> list[ModelCard]:
        """Every registered model, oldest first."""
        ...

    def card(self, version: str | None = None) -> ModelCard | None:
        """One model's card (the active one when ``version`` is None), or None."""
        ...
