"""Online scoring's fast paths give what the full-graph code gives, value for value."""

from __future__ import annotations

import numpy as np

from gnn.export import TxTable, build_hetero
from gnn.features import unique_pairs
from gnn.forest import FlatForest
from gnn.ring_boost import RingBoost, propagate
from gnn.ring_rows import propagate_rows
from tests.gnn.planted import planted_rows


def _planted() -> tuple[RingBoost, object]:
    rows, _, _ = planted_rows(seed=2)
    table = TxTable()
    table.add_rows(rows, None)
    data = build_hetero(table)
    model = RingBoost(seed=0, max_iter=60).fit(data, np.flatnonzero(data["account"].y >= 0))
    return model, data


def test_unique_pairs_match_numpy_unique_rows() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.integers(-1, 30, 500), rng.integers(-1, 40, 500)
    ok = (a >= 0) & (b >= 0)
    expected = np.unique(np.stack([a[ok], b[ok]], axis=1), axis=0)
    np.testing.assert_array_equal(unique_pairs(a, b), expected)
    assert unique_pairs(np.array([-1]), np.array([3])).shape == (0, 2)


def test_rows_and_flat_trees_match_the_full_model() -> None:
    model, data = _planted()
    full = propagate(data)
    rows = np.array([0, 7, 250, 3, len(full) - 1])
    np.testing.assert_array_equal(propagate_rows(data, rows), full[rows])
    np.testing.assert_array_equal(propagate(data, rows), full[rows])
    flat = FlatForest(model.clf).predict_proba(full)
    np.testing.assert_allclose(flat, model.clf.predict_proba(full)[:, 1], rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        model.predict_rows(data, rows), model.predict_proba(data)[rows], rtol=0, atol=1e-12
    )


def test_flat_trees_send_missing_values_the_learned_way() -> None:
    model, data = _planted()
    x = propagate(data)[:20].astype(np.float64)
    x[::2, ::3] = np.nan
    flat = FlatForest(model.clf).predict_proba(x)
    np.testing.assert_allclose(flat, model.clf.predict_proba(x)[:, 1], rtol=0, atol=1e-12)
