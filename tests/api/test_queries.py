from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.api.conftest import gql


def data(body: dict[str, Any]) -> Any:
    assert "errors" not in body, body
    return body["data"]


def test_ring_with_members_versions_and_subgraph(client: TestClient) -> None:
    q = """{ ring(id: "ring-a") { id score size status typologies reasons evidence version
        members { id riskScore role account { id } }
        versions { version change size members }
        subgraph { truncated nodes { id type label riskScore props } edges { source target type count total } } } }"""
    ring = data(gql(client, q))["ring"]
    assert ring["score"] == 91.0 and ring["status"] == "OPEN" and ring["size"] == 3
    assert {m["id"] for m in ring["members"]} == {"acc-1", "acc-2", "acc-3"}
    assert ring["evidence"] == {"devices": ["d-1"]}
    assert ring["versions"][0]["version"] == 1
    ids = {n["id"] for n in ring["subgraph"]["nodes"]}
    assert {"acc-1", "acc-2", "acc-3", "d-1"} <= ids
    assert any(e["type"] == "TRANSFERRED" for e in ring["subgraph"]["edges"])


def test_rings_page_filter_and_sort(client: TestClient) -> None:
    q = """query($after: String) { rings(first: 2, after: $after) { totalCount
        edges { cursor node { id score } } pageInfo { hasNextPage endCursor } } }"""
    page1 = data(gql(client, q))["rings"]
    assert page1["totalCount"] == 3 and page1["pageInfo"]["hasNextPage"]
    assert [e["node"]["id"] for e in page1["edges"]] == ["ring-a", "ring-b"]
    page2 = data(gql(client, q, {"after": page1["pageInfo"]["endCursor"]}))["rings"]
    assert [e["node"]["id"] for e in page2["edges"]] == ["ring-c"]
    assert not page2["pageInfo"]["hasNextPage"]
    q2 = "{ rings(status: INVESTIGATING, minScore: 50) { totalCount edges { node { id } } } }"
    assert data(gql(client, q2))["rings"]["totalCount"] == 1
    q3 = '{ rings(typology: "fan_in", sort: SCORE, descending: false) { edges { node { id } } } }'
    assert data(gql(client, q3))["rings"]["edges"][0]["node"]["id"] == "ring-c"
    q4 = "{ rings(sort: SIZE, descending: false) { edges { node { size } } } }"
    sizes = [e["node"]["size"] for e in data(gql(client, q4))["rings"]["edges"]]
    assert sizes == sorted(sizes)


def test_account_details(client: TestClient) -> None:
    q = """{ account(id: "acc-1") { id devices { id count } merchants { id } counterparties { id direction }
        ips { id } rings { totalCount edges { node { id } } } explanation
        transactions(first: 2) { totalCount edges { cursor node { id score reasons } } pageInfo { hasNextPage endCursor } } } }"""
    acc = data(gql(client, q))["account"]
    assert {d["id"] for d in acc["devices"]} >= {"d-1"}
    assert acc["merchants"][0]["id"] == "m-1"
    assert {c["direction"] for c in acc["counterparties"]} == {"in", "out"}
    assert acc["rings"]["totalCount"] == 1
    assert any("ring-a" in line for line in acc["explanation"])
    txs = acc["transactions"]
    assert len(txs["edges"]) == 2 and txs["pageInfo"]["hasNextPage"]
    q2 = """query($a: String) { account(id: "acc-1") { transactions(first: 50, after: $a) { edges { node { id } } } } }"""
    rest = data(gql(client, q2, {"a": txs["pageInfo"]["endCursor"]}))["account"]["transactions"][
        "edges"
    ]
    seen = [e["node"]["id"] for e in txs["edges"]] + [e["node"]["id"] for e in rest]
    assert len(seen) == len(set(seen)) == txs["totalCount"]


def test_transaction_score_and_reasons(client: TestClient) -> None:
    tx = data(
        gql(
            client,
            '{ transaction(id: "tx-0") { id score decision reasons amount account { id } } }',
        )
    )
    assert tx["transaction"] == {
        "id": "tx-0",
        "score": 80.0,
        "decision": "block",
        "reasons": ["amount far above usual"],
        "amount": 100.0,
        "account": {"id": "acc-1"},
    }
    assert data(gql(client, '{ transaction(id: "nope") { id } }'))["transaction"] is None


def test_neighbourhood_budget_types_and_path(client: TestClient) -> None:
    q = '{ neighbourhood(id: "acc-1", hops: 2, limit: 500) { truncated nodes { id type } edges { source target type } } }'
    full = data(gql(client, q))["neighbourhood"]
    assert not full["truncated"] and len(full["nodes"]) > 5
    small = data(
        gql(client, '{ neighbourhood(id: "acc-1", hops: 2, limit: 3) { truncated nodeCount } }')
    )
    assert small["neighbourhood"] == {"truncated": True, "nodeCount": 3}
    typed = data(gql(client, '{ neighbourhood(id: "acc-1", types: [DEVICE]) { nodes { type } } }'))
    assert {n["type"] for n in typed["neighbourhood"]["nodes"]} == {"Account", "Device"}
    path = data(
        gql(
            client,
            '{ shortestPath(from: "acc-1", to: "acc-4", maxHops: 6) { nodes { id } edges { type } } }',
        )
    )
    nodes = [n["id"] for n in path["shortestPath"]["nodes"]]
    assert (
        "acc-1" in nodes
        and "acc-4" in nodes
        and len(path["shortestPath"]["edges"]) == len(nodes) - 1
    )
    none = data(gql(client, '{ shortestPath(from: "acc-1", to: "m-nope") { nodes { id } } }'))
    assert none["shortestPath"] is None


def test_stats_and_detection_runs(client: TestClient) -> None:
    from tests.api.conftest import T0

    q = """query($s: DateTime, $u: DateTime) { stats(since: $s, until: $u, buckets: 4) { transactions alerts blocked
        alertRate amountBlocked accounts riskHistogram ringsByStatus { status count } buckets { transactions } } }"""
    from datetime import UTC, datetime

    s = datetime.fromtimestamp(T0 / 1000, UTC).isoformat()
    u = datetime.fromtimestamp((T0 + 3_600_000) / 1000, UTC).isoformat()
    st = data(gql(client, q, {"s": s, "u": u}))["stats"]
    assert st["transactions"] == 13 and st["blocked"] == 3 and st["alerts"] == 3
    assert sum(b["transactions"] for b in st["buckets"]) == 13 and len(st["buckets"]) == 4
    assert st["riskHistogram"][8] == 3 and st["accounts"] == 6
    assert {"status": "closed", "count": 1} in st["ringsByStatus"]
    runs = data(
        gql(client, "{ detectionRuns { totalCount edges { node { id ringsTotal detectorMs } } } }")
    )
    assert runs["detectionRuns"]["totalCount"] == 1
    assert runs["detectionRuns"]["edges"][0]["node"]["detectorMs"] == {"wcc": 12}


def test_ring_victims_apart_from_members(client: TestClient, seeded: Any) -> None:
    seeded.graph.query(
        "MATCH (g:Ring {id: 'ring-b'}), (a:Account {id: 'acc-6'}) "
        "CREATE (g)-[:INVOLVES {role: 'victim'}]->(a)"
    )
    q = '{ ring(id: "ring-b") { size members { id } victims { id role account { id } } } }'
    ring = data(gql(client, q))["ring"]
    assert ring["size"] == 2 and {m["id"] for m in ring["members"]} == {"acc-3", "acc-4"}
    assert ring["victims"] == [{"id": "acc-6", "role": "victim", "account": {"id": "acc-6"}}]
    none = data(gql(client, '{ ring(id: "ring-a") { victims { id } } }'))["ring"]
    assert none["victims"] == []
