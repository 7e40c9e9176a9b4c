"""RingBoost: propagated graph features (SIGN-style, no learned weights) into gradient boosting.

For every account the model sees its own features, the mean and max of the features of the
entities it touches per relation (devices, IPs, identities, merchants), and the mean and max of
the *accounts* one entity away (accounts sharing a device, IP or identity; transfer partners).
These are fixed two-hop aggregations of a GraphSAGE without weights; a class-balanced
HistGradientBoosting classifier learns on them. No label features: it must recognise rings by
their structure, so it carries over to rings nobody labelled.

Labels from investigators are few and chosen: the legit ones are mostly alerts' false positives
(unusual accounts), the fraud ones whole confirmed rings. Trained on those alone, the model
never sees an ordinary account, and each confirmed ring with ordinary-looking members teaches
it that ordinary means fraud: on the generator's data more labelled rings lowered the AUC on
the rings nobody labelled. So when unlabelled accounts outnumber the labelled ones
``BACKGROUND_RATIO`` times, a second classifier also learns from a seeded random sample of
them (as many as the labelled accounts) taken as legit, as in positive-unlabelled learning;
the score is the mean of the two models' log-odds, so what the labels alone teach stays half
of it, and the sample's few unlabelled ring members cannot dominate.

Shapes:
    - **input:** ``HeteroData`` as built by ``gnn.export.build_hetero``
    - **output:** ``[N_account, F]`` features, ``[N_account]`` fraud probabilities
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.ensemble import HistGradientBoostingClassifier
from torch_geometric.data import HeteroData

from gnn.arrays import GraphArrays
from gnn.forest import FlatForest
from gnn.ring_rows import RELATIONS, propagate_rows

FLAT_ROWS = 256  # FlatForest's walk holds [rows, trees] arrays: small batches only
BACKGROUND_RATIO = 10  # unlabelled accounts per labelled one before a background model is fit

__all__ = ["RELATIONS", "RingBoost", "propagate", "propagated_names"]


def _adjacency(data: HeteroData, rel: str, dst: str) -> sp.csr_matrix:
    ei = (
        data["account", rel, dst].edge_index.numpy()
        if ("account", rel, dst) in data.edge_types
        else np.zeros((2, 0), dtype=np.int64)
    )
    shape = (data["account"].num_nodes, data[dst].num_nodes)
    return sp.csr_matrix((np.ones(ei.shape[1]), (ei[0], ei[1])), shape=shape)


def _mean(adj: sp.csr_matrix, x: np.ndarray) -> np.ndarray:
    deg = np.asarray(adj.sum(axis=1)).ravel()
    return np.asarray(adj @ x) / np.maximum(deg, 1)[:, None]


def _max(adj: sp.csr_matrix, x: np.ndarray) -> np.ndarray:
    """Per row, the elementwise max of 0 and its neighbours' rows of ``x``.

    One ``maximum.reduceat`` over the CSR rows (``maximum.at`` is ~50x slower on big rows).
    """
    out = np.zeros((adj.shape[0], x.shape[1]), dtype=np.float32)
    filled = np.flatnonzero(np.diff(adj.indptr))
    if len(filled):
        top = np.maximum.reduceat(x[adj.indices], adj.indptr[filled], axis=0)
        out[filled] = np.maximum(out[filled], top)
    return out


def _without_self(co: sp.csr_matrix, rows: np.ndarray) -> sp.csr_matrix:
    """``co`` (row i is account ``rows[i]``) with each row's own account dropped, as 0/1."""
    coo = co.tocoo()
    keep = coo.col != rows[coo.row]
    return sp.csr_matrix((np.ones(int(keep.sum())), (coo.row[keep], coo.col[keep])), shape=co.shape)


def propagate(data: HeteroData, rows: np.ndarray | None = None) -> np.ndarray:
    """``[N_account, F]``: own features plus one- and two-hop mean/max aggregations.

    With ``rows``, only those accounts' rows (``[len(rows), F]``), the same values: online
    scoring needs its targets' rows, not the whole neighbourhood's.
    """
    xa = data["account"].x.numpy()
    n = xa.shape[0]
    rows = np.arange(n) if rows is None else np.asarray(rows, dtype=np.int64)
    blocks = [xa[rows]]
    transfer = data["account", "transferred", "account"].edge_index.numpy()
    t = sp.csr_matrix((np.ones(transfer.shape[1]), (transfer[0], transfer[1])), shape=(n, n))
    partners = ((t + t.T) > 0).astype(np.float64).tocsr()[rows]
    blocks += [_mean(partners, xa), _max(partners, xa)]
    for rel, dst in RELATIONS:
        adj = _adjacency(data, rel, dst)
        mine = adj[rows]
        blocks += [_mean(mine, data[dst].x.numpy()), _max(mine, data[dst].x.numpy())]
        if dst != "merchant":
            co = _without_self((mine @ adj.T).tocsr(), rows)
            blocks += [_mean(co, xa), _max(co, xa), np.asarray(co.sum(axis=1))]
    return np.concatenate(blocks, axis=1).astype(np.float32)


def propagated_names(data: HeteroData) -> list[str]:
    """Names of ``propagate``'s columns, in its order: ``own.<f>``, ``partners.mean.<f>``,
    ``device.max.<entity f>``, ``device_sharers.mean.<f>``, ``device_sharers.count``..."""
    own, entity = data.feature_names["account"], data.feature_names["entity"]
    names = [f"own.{f}" for f in own]
    names += [f"partners.{agg}.{f}" for agg in ("mean", "max") for f in own]
    for _rel, dst in RELATIONS:
        names += [f"{dst}.{agg}.{f}" for agg in ("mean", "max") for f in entity]
        if dst != "merchant":
            names += [f"{dst}_sharers.{agg}.{f}" for agg in ("mean", "max") for f in own]
            names.append(f"{dst}_sharers.count")
    return names


Progress = Callable[[int, float], None]  # (epoch or iterations, loss)


class RingBoost:
    """Propagated features into HistGradientBoosting with balanced class weights."""

    kind = "ring_boost"

    def __init__(self, seed: int = 0, max_iter: int = 300) -> None:
        self.seed, self.max_iter = seed, max_iter
        self.clf = self._classifier()
        self.background: HistGradientBoostingClassifier | None = None
        self._flat: list[FlatForest] | None = None

    def _classifier(self) -> HistGradientBoostingClassifier:
        return HistGradientBoostingClassifier(
            max_iter=self.max_iter,
            learning_rate=0.05,
            max_leaf_nodes=15,
            min_samples_leaf=10,
            l2_regularization=1.0,
            class_weight="balanced",
            random_state=self.seed,
        )

    def fit(
        self, data: HeteroData, train_idx: np.ndarray, progress: Progress | None = None
    ) -> RingBoost:
        x_all = propagate(data)
        y_all = data["account"].y.numpy()
        train_idx = np.asarray(train_idx, dtype=np.int64)
        self.clf.fit(x_all[train_idx], y_all[train_idx])
        self.background = None
        pool = np.flatnonzero(y_all < 0)
        if len(pool) >= BACKGROUND_RATIO * len(train_idx) > 0:
            sample = np.random.default_rng(self.seed).choice(pool, len(train_idx), replace=False)
            rows = np.concatenate([train_idx, np.sort(sample)])
            y = np.concatenate([y_all[train_idx], np.zeros(len(sample), dtype=y_all.dtype)])
            self.background = self._classifier().fit(x_all[rows], y)
        self._flat = None
        if progress is not None:
            progress(self.clf.n_iter_, 0.0)
        return self

    @property
    def classifiers(self) -> list[HistGradientBoostingClassifier]:
        """The labelled model, and the background one when it was fit: the score is the mean
        of their log-odds."""
        background = getattr(self, "background", None)  # absent on models pickled before it
        return [self.clf] if background is None else [self.clf, background]

    def to_state(self) -> dict[str, Any]:
        """The fitted trees; loads through the registry's allowlist of numpy/scikit-learn types."""
        state = {"seed": self.seed, "clf": self.clf}
        if self.background is not None:
            state["background"] = self.background
        return state

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> RingBoost:
        model = cls(seed=int(state["seed"]))
        model.clf = state["clf"]
        model.background = state.get("background")
        return model

    def decision(self, x: np.ndarray) -> np.ndarray:
        """``[N]`` fraud log-odds of propagated rows ``x``: the mean over ``classifiers``."""
        return np.mean([c.decision_function(x) for c in self.classifiers], axis=0)

    def predict_proba(self, data: HeteroData) -> np.ndarray:
        """``[N_account]`` fraud probabilities."""
        return self._proba(propagate(data))

    def _proba(self, x: np.ndarray) -> np.ndarray:
        if len(self.classifiers) == 1:  # scikit-learn's own path, as models always scored
            return self.clf.predict_proba(x)[:, 1]
        return np.asarray(expit(self.decision(x)))

    def predict_rows(self, data: HeteroData | GraphArrays, rows: Sequence[int]) -> np.ndarray:
        """``[len(rows)]`` fraud probabilities of those accounts only (online scoring); ``data``
        is a ``HeteroData`` or an online piece's ``GraphArrays``.

        Up to ``FLAT_ROWS`` rows are propagated by segment reductions and go through the
        flattened trees in this thread; more through scikit-learn's predictor (propagated by
        scipy when ``data`` is a ``HeteroData``). All give the same probabilities.
        """
        picked = np.asarray(rows, dtype=np.int64)
        if len(picked) > FLAT_ROWS:
            if isinstance(data, GraphArrays):
                return self._proba(propagate_rows(data, picked))
            return self._proba(propagate(data, picked))
        x = propagate_rows(data, picked)
        flat = getattr(self, "_flat", None)  # absent on models pickled before it existed
        if not isinstance(flat, list):
            flat = self._flat = [FlatForest(c) for c in self.classifiers]
        if len(flat) == 1:
            return flat[0].predict_proba(x)
        return np.asarray(expit(np.mean([f.raw(x) for f in flat], axis=0)))
