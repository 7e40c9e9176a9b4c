"""Explanations: tree path attributions add up, edges are real edges, the explainer caches and
follows the edge log."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from torch_geometric.data import HeteroData

from gnn.explain import explain_account, explain_ring_boost, graph_edge, tree_contributions
from gnn.explainer import RegistryExplainer
from gnn.export import TxTable, build_hetero, export_hetero
from gnn.online import LiveGraph
from gnn.registry import ModelRegistry
from gnn.ring_boost import RingBoost, propagate, propagated_names
from gnn.ring_sage import SageClassifier
from gnn.train import register
from graph.falkordb_store import FalkorStore
from tests.gnn.planted import DAY, T0, planted_rows
from tests.gnn.test_gnn import _events


@pytest.fixture(scope="module")
def planted() -> tuple[TxTable, HeteroData, set[str]]:
    rows, _, unlabelled = planted_rows(legit=80, rings=4, size=5, seed=3)
    table = TxTable()
    table.add_rows(rows, None)
    return table, build_hetero(table), unlabelled


def _edges_of(data: HeteroData) -> set[tuple[str, str, str]]:
    out = set()
    for et in data.edge_types:
        ei = data[et].edge_index
        for s, d in ei.t().tolist():
            edge = graph_edge(data, et, s, d)
            if edge is not None:
                out.add(edge)
    return out


def test_tree_attributions_add_up_to_the_log_odds(planted: tuple) -> None:
    _, data, _ = planted
    model = RingBoost(seed=0, max_iter=60).fit(data, np.flatnonzero(data["account"].y >= 0))
    x = propagate(data)
    assert len(propagated_names(data)) == x.shape[1]
    for i in (0, 5, len(x) - 1):
        bias, contrib = tree_contributions(model.clf, x[i].astype(np.float64))
        assert bias + contrib.sum() == pytest.approx(model.clf.decision_function(x[i : i + 1])[0])


def test_ring_boost_explanation_on_a_piece_names_real_edges(planted: tuple) -> None:
    table, data, unlabelled = planted
    model = RingBoost(seed=0, max_iter=60).fit(data, np.flatnonzero(data["account"].y >= 0))
    member = sorted(unlabelled)[0]
    piece, positions = LiveGraph(table, data).subgraph([member])
    why = explain_ring_boost(model, piece, positions[0])
    full = model.predict_proba(data)[data["account"].ids.index(member)]
    assert why.score == pytest.approx(100 * full, abs=0.01)
    assert why.features and why.features[0].name in propagated_names(data)
    assert why.edges and {(e.source, e.target, e.type) for e in why.edges} <= _edges_of(data)
    assert any(member in (e.source, e.target) for e in why.edges)


def test_ring_sage_explained_through_torch_geometric_explain(planted: tuple) -> None:
    table, data, unlabelled = planted
    model = SageClassifier(epochs=10, hidden=8, seed=0, device="cpu")
    model.fit(data, np.flatnonzero(data["account"].y >= 0))
    member = sorted(unlabelled)[2]
    piece, positions = LiveGraph(table, data).subgraph([member])
    why = explain_account(model, piece, member, epochs=15)
    assert why.method == "GNNExplainer (15 epochs)"
    assert {f.name for f in why.features} <= set(data.feature_names["account"])
    assert why.edges and {(e.source, e.target, e.type) for e in why.edges} <= _edges_of(data)
    # the same seed gives the same explanation
    again = explain_account(model, piece, member, epochs=15)
    assert again.edges == why.edges and again.features == why.features


def test_explainer_caches_and_follows_the_edge_log(store: FalkorStore, tmp_path: Path) -> None:
    rows, _, unlabelled = planted_rows(legit=40, rings=2, size=4, seed=5)
    store.apply_batch(_events(rows))
    data = export_hetero(store)
    model = RingBoost(seed=0, max_iter=40).fit(data, np.flatnonzero(data["account"].y >= 0))
    record = register(ModelRegistry(tmp_path), model, data, {})
    explainer = RegistryExplainer(tmp_path, "latest", lambda: store)
    assert explainer.explain("nobody") is None
    member = sorted(unlabelled)[0]
    first = explainer.explain(member)
    assert first is not None and first.model.version == record.version and first.model.active
    assert explainer.explain(member) is first  # cached: nothing changed
    fresh = [
        [
            "t",
            "late-1",
            T0 + 90 * DAY,
            "transfer",
            5000.0,
            member,
            "L1",
            "d-new",
            "ip-new",
            None,
            "US",
            None,
        ],
    ]
    store.apply_batch(_events(fresh))
    after = explainer.explain(member)
    assert after is not None and after is not first  # the log moved: explained again
    assert ("L1" in {e.target for e in after.edges}) or after.features != first.features
    cards = explainer.cards()
    assert [c.version for c in cards] == [record.version] and explainer.card() == cards[0]


def test_local_edges_give_the_same_propagated_row(planted: tuple) -> None:
    from gnn.explain import _local

    _, data, unlabelled = planted
    full = propagate(data)
    for account in sorted(unlabelled)[:3] + ["L3", "L10"]:
        idx = data["account"].ids.index(account)
        local = _local(data, idx)
        np.testing.assert_allclose(propagate(local)[idx], full[idx], rtol=1e-6)
        assert data["account", "used", "device"].edge_index.size(1) > (
            local["account", "used", "device"].edge_index.size(1)
        )


def test_neighbour_max_matches_the_elementwise_reference() -> None:
    import scipy.sparse as sp

    from gnn.ring_boost import _max

    rng = np.random.default_rng(0)
    for density in (0.0, 0.05, 0.5):
        adj = sp.random(40, 30, density=density, format="csr", random_state=1)
        x = rng.normal(size=(30, 5)).astype(np.float32)  # negatives: the max starts at 0
        ref = np.zeros((40, 5), dtype=np.float32)
        rows = np.repeat(np.arange(40), np.diff(adj.indptr))
        np.maximum.at(ref, rows, x[adj.indices])
        np.testing.assert_array_equal(_max(adj, x), ref)
