"""The account model's explanation and model cards through GraphQL: a real FalkorDB graph of
planted rings, a small model trained and registered by ``ringscope.models.train_model``."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.settings import Settings
from gnn.explainer import RegistryExplainer
from gnn.export import export_hetero
from gnn.registry import ModelRecord, ModelRegistry
from gnn.ring_boost import propagated_names
from gnn.ring_sage import SageClassifier
from gnn.train import register
from graph.embedded import EmbeddedFalkorDB
from graph.falkordb_store import FalkorStore
from ringscope.bootstrap import create_app
from tests.api.conftest import LocalClient, gql, make_settings
from tests.gnn.planted import planted_rows
from tests.gnn.test_gnn import _events

EXPLAIN = """query Explain($id: ID!) {
  account(id: $id) {
    id riskScore modelVersion
    modelExplanation {
      accountId score method hops
      model { version kind active fingerprint data features metrics seed trainingSeconds }
      features { name value weight }
      edges { source target type weight }
    }
  }
  neighbourhood(id: $id, hops: 2, limit: 1000) { edges { source target type } truncated }
}"""


@pytest.fixture(scope="module")
def store(falkordb: EmbeddedFalkorDB) -> Iterator[FalkorStore]:
    """One graph for the module: training is the slow part, and no test writes to the graph."""
    name = f"test-{uuid.uuid4().hex[:10]}"
    s = FalkorStore(falkordb.url, name)
    s.ensure_schema()
    yield s
    s.redis.delete(name, *s.redis.keys(f"ringscope:{name}:*"))
    s.close()


@pytest.fixture(scope="module")
def trained(
    store: FalkorStore, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Settings, ModelRecord, set[str]]:
    from ringscope.models import train_model

    rows, _, unlabelled = planted_rows(legit=60, rings=4, size=5, seed=2)
    store.apply_batch(_events(rows))
    settings = make_settings(store.url, store.graph_name, data_dir=tmp_path_factory.mktemp("d"))
    record, _, _ = train_model(settings, store, "ring_boost", seed=1)
    return settings, record, unlabelled


@pytest.fixture(scope="module")
def client(trained: tuple[Settings, ModelRecord, set[str]], store: FalkorStore) -> Iterator[Any]:
    with LocalClient(create_app(trained[0], store=store)) as c:
        yield c


def _explain(client: Any, account_id: str) -> tuple[dict[str, Any], set[tuple[str, str, str]]]:
    body = gql(client, EXPLAIN, {"id": account_id})
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]  # type: ignore[assignment]
    hood = data["neighbourhood"]
    assert not hood["truncated"]
    return data["account"], {(e["source"], e["target"], e["type"]) for e in hood["edges"]}


def test_explanation_names_features_and_real_edges_of_the_neighbourhood(
    client: Any, trained: tuple[Settings, ModelRecord, set[str]], store: FalkorStore
) -> None:
    _, record, unlabelled = trained
    member = sorted(unlabelled)[0]  # a member of a ring nobody labelled
    account, hood = _explain(client, member)
    why = account["modelExplanation"]
    assert why["accountId"] == member and why["hops"] == 2
    assert why["model"]["version"] == record.version == account["modelVersion"]
    assert why["model"]["kind"] == "ring_boost" and why["model"]["active"]
    assert why["score"] == pytest.approx(account["riskScore"], abs=1.0)
    names = set(propagated_names(export_hetero(store)))
    assert why["features"] and all(f["name"] in names for f in why["features"])
    assert all(f["weight"] != 0 for f in why["features"])
    edges = {(e["source"], e["target"], e["type"]) for e in why["edges"]}
    assert edges, "a ring member's score rests on some of its edges"
    assert edges <= hood, f"not in the 2-hop neighbourhood: {edges - hood}"
    weights = [abs(e["weight"]) for e in why["edges"]]
    assert weights == sorted(weights, reverse=True)


def test_no_explanation_and_no_cards_without_a_model(
    client: Any, store: FalkorStore, tmp_path: Path
) -> None:
    body = gql(client, '{ account(id: "L1") { id modelExplanation { score } } }')
    assert body["data"]["account"]["modelExplanation"] is not None  # type: ignore[index]
    empty = make_settings(store.url, store.graph_name, data_dir=tmp_path / "none")
    with LocalClient(create_app(empty, store=store)) as bare:
        body = gql(bare, '{ account(id: "L1") { modelExplanation { score } } models { version } }')
        assert body["data"] == {"account": {"modelExplanation": None}, "models": []}


def test_model_cards_in_graphql(
    client: Any, trained: tuple[Settings, ModelRecord, set[str]]
) -> None:
    _, record, _ = trained
    body = gql(
        client,
        """query($v: String) { models { version kind active createdAt }
        modelCard(version: $v) { version kind fingerprint data features metrics seed
          trainingSeconds device createdAt }
        active: modelCard { version } missing: modelCard(version: "v-nope") { version } }""",
        {"v": record.version},
    )
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]  # type: ignore[assignment]
    assert data["models"] == [
        {
            "version": record.version,
            "kind": "ring_boost",
            "active": True,
            "createdAt": record.metadata["created_at"],
        }
    ]
    card = data["modelCard"]
    assert card["fingerprint"] == record.metadata["fingerprint"]
    assert len(card["data"]["rows_sha256"]) == 64 and card["data"]["accounts"] == 80
    assert card["features"]["account"][0] == "out_count"
    assert set(card["metrics"]) == {"random_split", "time_split"}
    assert (
        card["metrics"]["random_split"]["auc"] > 0.5
        and "cutoff_ms" in card["metrics"]["time_split"]
    )
    assert card["seed"] == 1 and card["trainingSeconds"] > 0 and card["device"] == "cpu"
    assert data["active"] == {"version": record.version} and data["missing"] is None


def test_learned_pyg_model_explained_by_gnnexplainer(
    trained: tuple[Settings, ModelRecord, set[str]], store: FalkorStore, tmp_path: Path
) -> None:
    settings, _, unlabelled = trained
    models = tmp_path / "models"  # a registry of its own: the module's stays as it was
    shutil.copytree(settings.data_dir / "models", models)
    data = export_hetero(store)
    train = np.flatnonzero(data["account"].y.numpy() >= 0)
    model = SageClassifier(epochs=15, hidden=16, seed=0, device="cpu").fit(data, train)
    record = register(ModelRegistry(models), model, data, {})  # the latest: the active model
    explainer = RegistryExplainer(models, "latest", lambda: store, epochs=20)
    with LocalClient(create_app(settings, store=store, explainer=explainer)) as c:
        member = sorted(unlabelled)[1]
        account, hood = _explain(c, member)
    why = account["modelExplanation"]
    assert why["model"]["version"] == record.version and why["model"]["kind"] == "ring_sage"
    assert why["method"].startswith("GNNExplainer")
    assert {f["name"] for f in why["features"]} <= set(data.feature_names["account"])
    assert why["features"] and all(0 < f["weight"] <= 1 for f in why["features"])
    edges = {(e["source"], e["target"], e["type"]) for e in why["edges"]}
    assert edges and edges <= hood, f"not in the 2-hop neighbourhood: {edges - hood}"


def test_explanations_per_request_are_capped(client: Any) -> None:
    from api.explanations import MAX_EXPLANATIONS

    fields = " ".join(
        f'a{i}: account(id: "L{i}") {{ modelExplanation {{ score }} }}'
        for i in range(MAX_EXPLANATIONS + 1)
    )
    body = gql(client, "{ " + fields + " }")
    errors = body["errors"]
    assert len(errors) == 1 and errors[0]["extensions"]["code"] == "BAD_USER_INPUT"  # type: ignore[index]
    data: dict[str, Any] = body["data"]  # type: ignore[assignment]
    assert sum(v["modelExplanation"] is not None for v in data.values()) == MAX_EXPLANATIONS
