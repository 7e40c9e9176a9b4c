"""RingBoost with few labels: a background model learns what ordinary accounts look like."""

from __future__ import annotations

import numpy as np
import torch
from scipy.special import expit

from gnn.export import TxTable, build_hetero
from gnn.ring_boost import RingBoost, propagate
from tests.gnn.planted import planted_rows


def _data(few: bool) -> tuple[object, np.ndarray]:
    rows, labelled, _unlabelled = planted_rows(seed=4)
    table = TxTable()
    table.add_rows(rows, None)
    data = build_hetero(table)
    y = data["account"].y.numpy().copy()
    if few:  # an investigator's labels: one confirmed ring, a handful of legit accounts
        ids = data["account"].ids
        ring = sorted(a for a in labelled if a.startswith("R0-"))
        keep = {ids.index(a) for a in ring} | set(np.flatnonzero(y == 0)[:8].tolist())
        y[[i for i in range(len(y)) if i not in keep]] = -1
        data["account"].y = torch.from_numpy(y)
    return data, np.flatnonzero(y >= 0)


def test_few_labels_fit_a_background_model_scored_as_the_mean_log_odds() -> None:
    data, train = _data(few=True)
    model = RingBoost(seed=1, max_iter=40).fit(data, train)
    assert model.background is not None
    assert len(model.classifiers) == 2
    x = propagate(data)
    mean = (model.clf.decision_function(x) + model.background.decision_function(x)) / 2
    p = model.predict_proba(data)
    np.testing.assert_allclose(p, expit(mean), rtol=0, atol=1e-12)
    rows = [0, 3, 17, len(p) - 1]
    np.testing.assert_allclose(model.predict_rows(data, rows), p[rows], rtol=0, atol=1e-9)
    again = RingBoost(seed=1, max_iter=40).fit(data, train).predict_proba(data)
    np.testing.assert_array_equal(again, p)  # same seed, same sample, same scores
    loaded = RingBoost.from_state(model.to_state())
    np.testing.assert_array_equal(loaded.predict_proba(data), p)


def test_mostly_labelled_graphs_train_the_labelled_model_alone() -> None:
    data, train = _data(few=False)
    model = RingBoost(seed=1, max_iter=40).fit(data, train)
    assert model.background is None
    assert "background" not in model.to_state()
    x = propagate(data)
    np.testing.assert_array_equal(model.predict_proba(data), model.clf.predict_proba(x)[:, 1])
