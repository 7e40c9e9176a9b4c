from __future__ import annotations

from pathlib import Path

import pytest
import redis
from starlette.testclient import TestClient

from api.schema import schema
from graph.falkordb_store import FalkorStore
from ringscope.bootstrap import create_app, key_store
from tests.api.conftest import LocalClient, gql, make_settings

DEEP = (
    '{ ring(id: "ring-a") { members { rings { edges { node { members { rings { edges { node '
    "{ members { rings { edges { node { id } } } } } } } } } } } } } }"
)


def test_committed_sdl_matches_code() -> None:
    committed = (Path(__file__).parents[2] / "api" / "schema.graphql").read_text()
    assert committed.strip() == schema.as_str().strip(), "regenerate api/schema.graphql"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ rings(first: 5) { edges { node { id ", "GRAPHQL_PARSE_FAILED"),
        ("{ nosuchfield }", "GRAPHQL_VALIDATION_FAILED"),
        ("{ rings(first: 100000) { edges { node { id } } } }", "BAD_USER_INPUT"),
        (DEEP, "GRAPHQL_VALIDATION_FAILED"),
        ('{ rings(after: "bm9wZQ==") { totalCount } }', "BAD_USER_INPUT"),
        ('{ neighbourhood(id: "acc-1", hops: 9) { nodeCount } }', "BAD_USER_INPUT"),
    ],
)
def test_client_mistakes_are_coded_graphql_errors(
    client: TestClient, query: str, code: str
) -> None:
    body = gql(client, query)
    assert body["errors"][0]["extensions"]["code"] == code  # type: ignore[index]


def test_malformed_and_oversized_bodies(client: TestClient) -> None:
    r = client.post("/graphql", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and "Traceback" not in r.text
    r = client.post(
        "/graphql", content=b"x" * 2_000_000, headers={"content-type": "application/json"}
    )
    assert (
        r.status_code == 413 and r.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    )


def test_health_ready_metrics(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    gql(client, "{ nosuchfield }")
    text = client.get("/metrics").text
    assert "ringscope_api_request_seconds_bucket" in text
    assert 'ringscope_api_graphql_errors_total{code="GRAPHQL_VALIDATION_FAILED"}' in text


def test_roles_gate_mutations(seeded: FalkorStore) -> None:
    settings = make_settings(seeded.url, seeded.graph_name, host="0.0.0.0")
    keys = key_store(seeded.url)
    viewer, _ = keys.create("viewer")
    investigator, inv_key = keys.create("investigator", "alice")
    label = 'mutation { labelRing(id: "ring-a", verdict: CONFIRMED_FRAUD, note: "seen", reasonCode: "R1") { id verdict verdicts { author note reasonCode } } }'
    with LocalClient(create_app(settings, store=seeded)) as c:
        anon = gql(c, "{ rings { totalCount } }")
        assert anon["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"  # type: ignore[index]
        bad = gql(c, "{ rings { totalCount } }", headers={"Authorization": "Bearer rsk_x_y"})
        assert bad["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"  # type: ignore[index]
        as_viewer = {"Authorization": f"Bearer {viewer}"}
        assert gql(c, "{ rings { totalCount } }", headers=as_viewer)["data"] == {
            "rings": {"totalCount": 3}
        }
        denied = gql(c, label, headers=as_viewer)
        assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # type: ignore[index]
        done = gql(c, label, headers={"Authorization": f"Bearer {investigator}"})
        ring = done["data"]["labelRing"]  # type: ignore[index]
        assert ring["verdict"] == "CONFIRMED_FRAUD"
        assert ring["verdicts"][0] == {
            "author": f"alice (key:{inv_key.key_id})",
            "note": "seen",
            "reasonCode": "R1",
        }
        flow = gql(
            c,
            'mutation { updateRing(id: "ring-a", status: INVESTIGATING, assignee: "alice") { status assignee } }',
            headers={"Authorization": f"Bearer {investigator}"},
        )
        assert flow["data"] == {"updateRing": {"status": "INVESTIGATING", "assignee": "alice"}}
        ingest = gql(
            c,
            "mutation { runDetection { id } }",
            headers={"Authorization": f"Bearer {investigator}"},
        )
        assert ingest["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # type: ignore[index]
    redis.Redis.from_url(seeded.url).delete("ringscope:api-keys")
