"""The query-cost limit: estimated rows, refused before anything runs, with cost and limit."""

from __future__ import annotations

import pytest
from graphql import parse
from starlette.testclient import TestClient

from api.limits import COUNT_COST, LIST_ESTIMATE, CostEstimator
from api.schema import schema
from graph.falkordb_store import FalkorStore
from ringscope.bootstrap import create_app
from tests.api.conftest import LocalClient, gql, make_settings

ISSUE_QUERY = (
    "{ "
    + " ".join(
        f"a{i}: rings(first: 100) {{ edges {{ node {{ members {{ account {{ "
        f"transactions {{ totalCount }} }} }} }} }} }}"
        for i in range(30)
    )
    + " }"
)


def _cost(query: str, variables: dict[str, object] | None = None, max_page: int = 100) -> int:
    return CostEstimator(schema._schema, max_page).estimate(parse(query), None, variables)


@pytest.mark.parametrize(
    ("query", "variables", "cost"),
    [
        ("{ __typename }", None, 0),
        ('{ ring(id: "r") { id score } }', None, 1),
        ("{ rings(first: 10) { edges { node { id } } } }", None, 10),
        ("{ rings { edges { node { id } } } }", None, 20),  # the argument's default page
        ("{ rings(first: 10) { totalCount } }", None, 10 + COUNT_COST),
        ("query($n: Int!) { rings(first: $n) { edges { node { id } } } }", {"n": 7}, 7),
        ("query($n: Int! = 3) { rings(first: $n) { pageInfo { hasNextPage } } }", None, 3),
        ("{ rings(first: 5000) { edges { cursor } } }", None, 100),  # capped at the page limit
        (
            "{ rings(first: 10) { edges { node { members { id } } } } }",
            None,
            10 + 10 * LIST_ESTIMATE,
        ),
        (
            '{ neighbourhood(id: "a", limit: 50) { nodes { id } edges { source } } }',
            None,
            1 + 50 + 50,
        ),
        ('{ a: ring(id: "r") { id } b: ring(id: "r") { id } }', None, 2),  # aliases count each
        (
            "{ rings(first: 2) { edges { node { ...F } } } } fragment F on Ring { members { id } }",
            None,
            2 + 2 * LIST_ESTIMATE,
        ),
    ],
)
def test_estimate_counts_rows(query: str, variables: dict[str, object] | None, cost: int) -> None:
    assert _cost(query, variables) == cost


def test_the_issue_query_is_far_over_the_default_limit() -> None:
    members = 100 * LIST_ESTIMATE  # each counts itself, its account, 20 transactions and a count
    per_alias = 100 + members * (1 + 1 + 20 + COUNT_COST)
    assert _cost(ISSUE_QUERY) == 30 * per_alias > 20_000


def test_expensive_query_is_refused_with_its_cost_and_the_limit(client: TestClient) -> None:
    body = gql(client, ISSUE_QUERY)
    assert body["data"] is None
    (error,) = body["errors"]  # type: ignore[misc]
    ext = error["extensions"]
    assert ext["code"] == "QUERY_TOO_EXPENSIVE" and ext["limit"] == 20_000
    assert str(ext["cost"]) in error["message"] and "20000" in error["message"]
    assert "RINGSCOPE_API_MAX_COST" in error["message"]
    assert gql(client, "{ rings(first: 100) { totalCount edges { node { id } } } }")["data"]


def test_refused_mutation_does_not_run(seeded: FalkorStore) -> None:
    settings = make_settings(seeded.url, seeded.graph_name, api_max_cost=150)
    expensive = (
        'mutation { updateRing(id: "ring-b", status: CLOSED) { members { account { '
        "transactions(first: 20) { totalCount } } } } }"
    )
    cheap = 'mutation { updateRing(id: "ring-b", status: CLOSED) { status } }'
    with LocalClient(create_app(settings, store=seeded)) as c:
        refused = gql(c, expensive)
        assert refused["errors"][0]["extensions"]["code"] == "QUERY_TOO_EXPENSIVE"  # type: ignore[index]
        ring = gql(c, '{ ring(id: "ring-b") { status } }')
        assert ring["data"] == {"ring": {"status": "INVESTIGATING"}}  # not closed
        assert gql(c, cheap)["data"] == {"updateRing": {"status": "CLOSED"}}


def test_aliases_add_up_against_the_limit(seeded: FalkorStore) -> None:
    settings = make_settings(seeded.url, seeded.graph_name, api_max_cost=150)
    one = "a: rings(first: 20) { totalCount }"  # 120
    with LocalClient(create_app(settings, store=seeded)) as c:
        assert gql(c, "{ " + one + " }")["data"] == {"a": {"totalCount": 3}}
        two = gql(c, "{ " + one + " " + one.replace("a:", "b:") + " }")
        assert two["errors"][0]["extensions"]["cost"] == 240  # type: ignore[index]
