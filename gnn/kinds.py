"""The account model kinds by name: what ``ringscope train --kind`` offers and the registry loads."""

from __future__ import annotations

from typing import Any

from gnn.ring_boost import RingBoost
from gnn.ring_sage import SageClassifier

MODELS: dict[str, Any] = {"ring_boost": RingBoost, "ring_sage": SageClassifier}
