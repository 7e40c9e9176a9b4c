"""`asOf`: the neighbourhood and paths as they stood at an instant, totals summed up to then."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.testclient import TestClient

from tests.api.conftest import T0, gql

NEIGHBOURHOOD = """query($id: ID!, $at: DateTime) {
  neighbourhood(id: $id, hops: 1, asOf: $at) {
    nodes { id type } edges { source target type count total firstTs lastTs } } }"""


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat()


def edges(body: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    assert "errors" not in body, body
    sub = body["data"]["neighbourhood"]  # type: ignore[index]
    return {(e["source"], e["target"], e["type"]): e for e in sub["edges"]}


def test_neighbourhood_as_of_sums_money_up_to_then(client: TestClient) -> None:
    # acc-1 sends acc-2 100 at T0 and 106 at T0 + 6 min; uses d-1 at T0 and d-6 at T0 + 6 min
    now = edges(gql(client, NEIGHBOURHOOD, {"id": "acc-1", "at": None}))
    then = edges(gql(client, NEIGHBOURHOOD, {"id": "acc-1", "at": iso(T0 + 3 * 60_000)}))
    pair = ("acc-1", "acc-2", "TRANSFERRED")
    assert (now[pair]["count"], now[pair]["total"]) == (2, 206.0)
    assert (then[pair]["count"], then[pair]["total"]) == (1, 100.0)
    assert ("acc-1", "d-6", "USED") in now and ("acc-1", "d-6", "USED") not in then
    assert ("acc-1", "m-1", "PAID") in then and ("acc-1", "d-1", "USED") in then
    before = edges(gql(client, NEIGHBOURHOOD, {"id": "acc-1", "at": iso(T0 - 1)}))
    assert before == {}  # nothing had happened yet


def test_shortest_path_as_of_uses_only_edges_that_existed(client: TestClient) -> None:
    query = """query($at: DateTime) { shortestPath(from: "acc-1", to: "acc-2", asOf: $at) {
      edges { source target type count total } } }"""
    now = gql(client, query, {"at": None})["data"]["shortestPath"]  # type: ignore[index]
    assert {(e["type"], e["count"]) for e in now["edges"]} == {("TRANSFERRED", 2)}
    then = gql(client, query, {"at": iso(T0 + 60_000)})["data"]["shortestPath"]  # type: ignore[index]
    assert {(e["type"], e["count"], e["total"]) for e in then["edges"]} == {
        ("TRANSFERRED", 1, 100.0)
    }
