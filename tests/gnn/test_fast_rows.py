"""Online scoring's fast paths give what the full-graph code gives, value for value."""

from __future__ import annotations

import numpy as np

from gnn.arrays import NODE_TYPES, graph_arrays
from gnn.export import TxTable, build_hetero
from gnn.features import unique_pairs
from gnn.forest import FlatForest
from gnn.online import LiveGraph
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


def test_stale_nodes_alone_get_the_features_of_the_whole_table() -> None:
    rows, _, _ = planted_rows(seed=2)
    table = TxTable()
    table.add_rows(rows, None)
    tx, n = table.arrays(), {t: len(table.ids[t]) for t in NODE_TYPES}
    opened, ident = table.opened_ms(), np.asarray(table.identity).reshape(-1, 2)
    now = int(tx["ts"].max())
    whole = graph_arrays(tx, n, opened, ident, now)
    rng = np.random.default_rng(0)
    known = {}
    for t in NODE_TYPES:
        stale = rng.random(n[t]) < 0.1
        x = whole.x[t].copy()
        x[stale] = -7.0  # what a caller does not know must be computed, not kept
        known[t] = (x, stale)
    part = graph_arrays(tx, n, opened, ident, now, known)
    for t in NODE_TYPES:
        np.testing.assert_array_equal(part.x[t], whole.x[t])


def test_a_piece_as_arrays_scores_as_its_heterodata() -> None:
    model, data = _planted()
    rows, _, _ = planted_rows(seed=2)
    table = TxTable()
    table.add_rows(rows, None)
    live = LiveGraph(table, data)
    members = [a for a in data["account"].ids if a.startswith("R")][:3]
    now = max(r[2] for r in rows if r[0] == "t")
    live.observe(  # a new account and a new device: features the export never computed
        [
            ["t", "x1", now + 1, "transfer", 50.0, "newbie", members[0], "d-new", "ip-new"]
            + [None, "US", None],
            ["t", "x2", now + 2, "payment", 3.0, members[1], "m1", "d-new", "ip-new"]
            + [None, "US", None],
        ]
    )
    piece, positions = live.piece(members + ["newbie"])
    sub, same = live.subgraph(members + ["newbie"])
    assert same == positions == [0, 1, 2, 3]
    for t in NODE_TYPES:
        np.testing.assert_array_equal(piece.arrays.x[t], sub[t].x.numpy())
    np.testing.assert_array_equal(
        propagate_rows(piece.arrays, np.array(positions)), propagate(sub, np.array(positions))
    )
    np.testing.assert_array_equal(
        model.predict_rows(piece.arrays, positions), model.predict_rows(sub, positions)
    )
