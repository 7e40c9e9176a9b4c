"""GNN: export from a real FalkorDB, training on planted rings, registry, scoring, explanations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from core.errors import NotFoundError, RingscopeError
from core.events import parse_event
from gnn.evaluate import metrics, recall_at_precision
from gnn.explain import explain_account
from gnn.export import TxTable, build_hetero, export_hetero
from gnn.registry import ModelRegistry
from gnn.ring_boost import RingBoost
from gnn.ring_sage import RingSAGE, SageClassifier
from gnn.scoring import GnnRiskModel, score_all
from gnn.train import evaluate_time_split, register, train_and_evaluate
from graph.falkordb_store import FalkorStore
from tests.gnn.planted import DAY, T0, planted_rows

SALT = "test-salt"


@pytest.fixture(scope="module")
def planted() -> tuple:
    rows, labelled, unlabelled = planted_rows(seed=1)
    table = TxTable()
    table.add_rows(rows, None)
    return build_hetero(table), labelled, unlabelled


def _unlabelled_auc(data, proba: np.ndarray, unlabelled: set[str]) -> float:
    ids, y = data["account"].ids, data["account"].y.numpy()
    rows = [i for i, a in enumerate(ids) if a in unlabelled or (a.startswith("L") and y[i] < 0)]
    return roc_auc_score([ids[i] in unlabelled for i in rows], proba[rows])


def test_ring_boost_finds_unlabelled_rings(planted: tuple) -> None:
    data, _, unlabelled = planted
    train = np.flatnonzero(data["account"].y.numpy() >= 0)
    model = RingBoost(seed=0).fit(data, train)
    assert _unlabelled_auc(data, model.predict_proba(data), unlabelled) > 0.9


def test_ring_sage_learns_planted_rings(planted: tuple, tmp_path: Path) -> None:
    data, _, unlabelled = planted
    train = np.flatnonzero(data["account"].y.numpy() >= 0)
    model = SageClassifier(epochs=40, hidden=32, seed=0, device="cpu").fit(data, train)
    proba = model.predict_proba(data)
    assert proba.shape == (data["account"].num_nodes,)
    assert _unlabelled_auc(data, proba, unlabelled) > 0.8
    # the registry keeps weights and config only, and gives back the same model
    registry = ModelRegistry(tmp_path / "models")
    loaded, _ = registry.load(registry.save(model, {"fingerprint": "abc"}).version)
    np.testing.assert_allclose(loaded.predict_proba(data), proba, rtol=1e-5, atol=1e-6)


def test_ring_sage_shapes_on_tiny_heterodata() -> None:
    table = TxTable()
    table.add_rows(
        [
            ["t", "t1", T0, "payment", 5.0, "a", "m", "d", "ip", None, None, "fraud"],
            ["t", "t2", T0 + 1, "transfer", 9.0, "a", "b", "d", "ip", None, None, None],
        ],
        None,
    )
    data = build_hetero(table)
    dims = {t: data[t].x.size(1) for t in data.node_types}
    net = RingSAGE(dims, list(data.edge_types), hidden=8)
    out = net(
        {t: data[t].x for t in data.node_types}, {et: data[et].edge_index for et in data.edge_types}
    )
    assert out.shape == (2,)
    assert data["account"].y.tolist() == [1, -1]


def test_registry_round_trip(planted: tuple, tmp_path: Path) -> None:
    data, _, _ = planted
    data.fingerprint = "abc123"
    model, result = train_and_evaluate(data, "ring_boost", seed=0)
    assert result["random_split"]["auc"] > 0.8
    registry = ModelRegistry(tmp_path / "models")
    record = register(registry, model, data, result)
    loaded, again = registry.load("latest")
    assert again.version == record.version
    assert again.metadata["fingerprint"] == "abc123" and "created_at" in again.metadata
    np.testing.assert_allclose(loaded.predict_proba(data), model.predict_proba(data), rtol=1e-5)
    with pytest.raises(NotFoundError):
        registry.load("v-missing")


class _RunsCode:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (print, ("pwned",))


def test_a_model_file_that_would_run_code_is_refused(tmp_path: Path, capsys) -> None:
    registry = ModelRegistry(tmp_path / "models")
    version = "v20260101T000000000000-abc123"
    (tmp_path / "models" / version).mkdir(parents=True)
    (tmp_path / "models" / version / "metadata.json").write_text('{"kind": "ring_boost"}')
    torch.save(
        {"kind": "ring_boost", "state": _RunsCode()}, tmp_path / "models" / version / "model.pt"
    )
    with pytest.raises(RingscopeError, match="cannot be read safely"):
        registry.load(version)
    assert "pwned" not in capsys.readouterr().out


def test_metrics_and_recall_at_precision() -> None:
    y = np.array([0, 0, 1, 1, 0, 1])
    p = np.array([0.1, 0.2, 0.9, 0.8, 0.7, 0.3])
    assert recall_at_precision(y, p, 1.0) == pytest.approx(2 / 3)
    m = metrics(y, p)
    assert m["auc"] == pytest.approx(8 / 9, abs=1e-4) and m["positives"] == 3


def _events(rows: list) -> list:
    out = []
    for r in rows:
        if r[0] == "a":
            out.append(
                parse_event(
                    {"event": "account", "account_id": r[1], "opened_at": r[2], "phone": r[3]}, SALT
                )
            )
            continue
        _, tx, ts, kind, amount, acc, recv, dev, ip, _c, country, label = r
        ev = {
            "tx_id": tx,
            "ts": ts,
            "kind": kind,
            "amount": amount,
            "account_id": acc,
            "device_id": dev,
            "ip": ip,
            "country": country,
            "label": label,
        }
        ev["counterparty_id" if kind == "transfer" else "merchant_id"] = recv
        out.append(parse_event(ev, SALT))
    return out


def test_export_score_and_explain_on_falkordb(store: FalkorStore) -> None:
    rows, _, unlabelled = planted_rows(legit=60, rings=4, size=5, seed=2)
    events = _events(rows)
    for start in range(0, len(events), 200):
        store.apply_batch(events[start : start + 200])
    data = export_hetero(store)
    assert data["account"].num_nodes == 60 + 20
    sent = sum(1 for r in rows if r[0] == "t")
    assert int(np.expm1(data["account"].x[:, 0].numpy()).round().sum()) == sent
    assert (data["account"].y == 1).sum().item() == 10  # two labelled rings of five
    early = export_hetero(store, cutoff_ms=T0 + 20 * DAY)
    assert early["account"].x[:, 0].sum() < data["account"].x[:, 0].sum()
    assert evaluate_time_split(early, data)["n"] >= 0

    train = np.flatnonzero(data["account"].y.numpy() >= 0)
    risk = GnnRiskModel(RingBoost(seed=0).fit(data, train), "v-test")
    figures = score_all(store, risk)
    assert figures["written"] == data["account"].num_nodes
    got = dict(
        store.graph.ro_query(
            "MATCH (a:Account) WHERE a.model_version = 'v-test' RETURN a.id, a.risk_score"
        ).result_set
    )
    ring_member = next(iter(unlabelled))
    assert got[ring_member] == risk.score_accounts([ring_member])[ring_member]
    assert 0 <= min(got.values()) and max(got.values()) <= 100

    why = explain_account(risk.model, data, ring_member)
    assert why.score == pytest.approx(got[ring_member], abs=0.01)
    assert why.features and why.edges
    assert all(ring_member in (e.source, e.target) or e.type != "TRANSFERRED" for e in why.edges)


def test_a_registered_model_on_a_fresh_graph_scores_nothing_and_stops_nothing(
    planted: tuple, tmp_path: Path, store: FalkorStore
) -> None:
    from core.settings import load_settings
    from ringscope.models import load_risk_model

    data, _, _ = planted
    model, result = train_and_evaluate(data, "ring_boost", seed=0)
    register(ModelRegistry(tmp_path / "models"), model, data, result)
    settings = load_settings(data_dir=tmp_path, graph=store.graph_name)
    risk = load_risk_model(settings, store)  # the store's graph has no accounts yet
    assert risk is not None and risk.scores == {}
    assert risk.score_accounts(["a-new"]) == {"a-new": risk.cold_score}
    # an unreadable model file: scoring goes on with rules only
    for weights in (tmp_path / "models").rglob("*"):
        if weights.is_file() and weights.suffix != ".json":
            weights.write_bytes(b"not a model")
    assert load_risk_model(settings, store) is None
