"""Batch scoring onto Account nodes, and online scoring through the AccountRiskModel port."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from torch_geometric.data import HeteroData

from core.events import AccountEvent, TransactionEvent
from gnn.export import LogSource, TxTable, export_hetero
from gnn.online import LiveGraph, account_row, tx_row
from graph.model_io import set_account_scores

logger = logging.getLogger(__name__)


def to_risk(p: np.ndarray) -> np.ndarray:
    """Probabilities to 0-100 risk scores, rounded to 0.01."""
    return np.round(np.clip(p, 0.0, 1.0) * 100.0, 2)


def write_scores(
    source: LogSource, scores: dict[str, float], version: str, batch: int = 1000
) -> int:
    """Set ``risk_score`` and ``model_version`` on Account nodes in short batches."""
    return set_account_scores(source.graph, scores, version, batch)


class GnnRiskModel:
    """AccountRiskModel port: a full-graph pass, then k-hop inference as the graph changes.

    ``refresh`` scores every account of an export. Given the export's transaction table too,
    the model goes live: ``observe`` appends the scorer's events to a ``LiveGraph``, and an
    account that first appears or whose neighbourhood changed is scored again from its sampled
    two-hop neighbourhood the next time it is asked for. Without a live graph, accounts the last
    pass did not see get the median score (``cold_score``) until ``refresh`` runs again.
    """

    def __init__(self, model: Any, version: str) -> None:
        self.model = model
        self.version = version
        self.scores: dict[str, float] = {}
        self.cold_score = 0.0
        self.live: LiveGraph | None = None
        self.pending: set[str] = set()

    def refresh(self, data: HeteroData, table: TxTable | None = None) -> dict[str, float]:
        started = time.perf_counter()
        self.pending = set()
        self.live = LiveGraph(table, data) if table is not None else None
        if not len(data["account"].ids):  # an empty graph: nothing to score yet
            self.scores = {}
            return self.scores
        risk = to_risk(self.model.predict_proba(data))
        self.scores = dict(zip(data["account"].ids, risk.tolist(), strict=True))
        if len(risk):
            self.cold_score = float(np.median(risk))
        logger.info(
            "scored %d accounts in %.2fs with %s",
            len(risk),
            time.perf_counter() - started,
            self.version,
        )
        return self.scores

    def observe(self, events: Sequence[TransactionEvent | AccountEvent]) -> None:
        """Add a batch's events to the live graph; the accounts they touch are rescored."""
        if self.live is None:
            return
        rows = [tx_row(e) if isinstance(e, TransactionEvent) else account_row(e) for e in events]
        self.pending |= self.live.observe(rows)

    def score_accounts(self, account_ids: Sequence[str]) -> dict[str, float]:
        wanted = list(dict.fromkeys(account_ids))
        stale = [a for a in wanted if a in self.pending or a not in self.scores]
        if self.live is not None and stale:
            self.scores.update(self.score_online(stale))
            self.pending.difference_update(stale)
        get, cold = self.scores.get, self.cold_score
        return {a: get(a, cold) for a in wanted}

    def score_online(self, account_ids: Sequence[str]) -> dict[str, float]:
        """Risk of known ``account_ids`` from their k-hop piece of the live graph."""
        assert self.live is not None
        predict_rows = getattr(self.model, "predict_rows", None)
        if predict_rows is not None:  # only the targets' rows, from numpy arrays (RingBoost)
            piece, positions = self.live.piece(account_ids)
            p = predict_rows(piece.arrays, positions) if positions else np.zeros(0)
        else:  # a GNN's forward pass covers the piece; keep the targets
            data, positions = self.live.subgraph(account_ids)
            p = self.model.predict_proba(data)[positions] if positions else np.zeros(0)
        index = self.live.table.ids["account"]
        targets = list(dict.fromkeys(a for a in account_ids if a in index))
        return dict(zip(targets, to_risk(p).tolist(), strict=True))


def score_all(source: LogSource, risk_model: GnnRiskModel, batch: int = 1000) -> dict[str, Any]:
    """Export the graph, score every account, write the scores back; returns figures."""
    started = time.perf_counter()
    data = export_hetero(source)
    scores = risk_model.refresh(data)
    written = write_scores(source, scores, risk_model.version, batch)
    return {
        "accounts": len(scores),
        "written": written,
        "version": risk_model.version,
        "seconds": round(time.perf_counter() - started, 2),
    }
