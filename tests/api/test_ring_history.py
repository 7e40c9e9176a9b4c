"""A ring's graph as of an instant, the diff between its versions, and an account's risk history,
over GraphQL on a real FalkorDB graph written through the ingest and detection Cypher."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from core.events import TransactionEvent
from graph.cypher import load_query
from graph.falkordb_store import FalkorStore
from graph.model_io import RISK_HISTORY_KEEP, set_account_scores
from tests.api.conftest import T0, gql
from tests.api.test_time_travel import iso

MIN = 60_000
# ring-t's versions as detection writes them: (version, at, members)
VERSIONS = [
    (1, T0, ["acc-1", "acc-2"]),
    (2, T0 + 5 * MIN, ["acc-1", "acc-2", "acc-3"]),
    (3, T0 + 10 * MIN, ["acc-2", "acc-3"]),
]
# a burst of transfers acc-2 -> acc-3 an hour in, after the seed's twelve transfers
BURST = [(f"tx-burst-{i}", T0 + 60 * MIN + i * 1000, 1000.0 + i) for i in range(5)]

SUBGRAPH = """query($at: DateTime) { ring(id: "ring-t") { subgraph(asOf: $at) {
  nodes { id type props } edges { source target type count total firstTs lastTs } nodeCount } } }"""
DIFF = """query($a: Int!, $b: Int!) { ring(id: "ring-t") { diff(from: $a, to: $b) {
  fromVersion toVersion fromAt toAt membersAdded membersRemoved
  nodesAdded { id } nodesRemoved { id }
  edgesAdded { source target type count total } edgesRemoved { source target type count }
  edgesChanged { source target type count total } graph { nodes { id } edges { source target type } } } } }"""


def write_ring_versions(store: FalkorStore) -> None:
    """ring-t and its three versions, through detection's ring Cypher, in version order."""
    members: list[str] = []
    for version, at, now in VERSIONS:
        row = ["ring-t", 80.0, len(now), ["cycle"], ["transfer cycle"], "{}", version, at, "grown"]
        store.graph.query(load_query("ring_upsert"), {"rows": [row]})
        gone = [["ring-t", m] for m in members if m not in now]
        if gone:
            store.graph.query(load_query("ring_member_remove"), {"rows": gone})
        rows = [["ring-t", m, 70.0, "member"] for m in now]
        store.graph.query(load_query("ring_member_add"), {"rows": rows})
        version_row = ["ring-t", version, at, "grown", 80.0, len(now), now]
        store.graph.query(load_query("ring_version_add"), {"rows": [version_row]})
        members = now


@pytest.fixture
def ring_client(client: TestClient, seeded: FalkorStore) -> TestClient:
    write_ring_versions(seeded)
    burst = [
        TransactionEvent(
            tx_id=tx_id,
            ts=ts,
            kind="transfer",
            amount=amount,
            account_id="acc-2",
            counterparty_id="acc-3",
        )
        for tx_id, ts, amount in BURST
    ]
    seeded.apply_batch(burst)
    return client


def subgraph(client: TestClient, at: int | None) -> dict[str, Any]:
    body = gql(client, SUBGRAPH, {"at": None if at is None else iso(at)})
    assert "errors" not in body, body
    sub: dict[str, Any] = body["data"]["ring"]["subgraph"]  # type: ignore[index]
    return sub


def by_key(edges: list[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {(e["source"], e["target"], e["type"]): e for e in edges}


def expected_transfers(src: str, dst: str, until: int) -> tuple[int, float]:
    """Count and total of src -> dst transfers up to ``until``: the seed's, then the burst."""
    amounts = [
        100.0 + i
        for i in range(12)
        if (i % 6 + 1, (i + 1) % 6 + 1) == (int(src[-1]), int(dst[-1])) and T0 + i * MIN <= until
    ]
    if (src, dst) == ("acc-2", "acc-3"):
        amounts += [amount for _, ts, amount in BURST if ts <= until]
    return len(amounts), sum(amounts)


def test_ring_subgraph_as_of_sums_money_before_and_after_a_burst(ring_client: TestClient) -> None:
    pair = ("acc-2", "acc-3", "TRANSFERRED")
    before_at, after_at = T0 + 30 * MIN, T0 + 120 * MIN
    before = by_key(subgraph(ring_client, before_at)["edges"])[pair]
    after = by_key(subgraph(ring_client, after_at)["edges"])[pair]
    assert (before["count"], before["total"]) == expected_transfers("acc-2", "acc-3", before_at)
    assert (after["count"], after["total"]) == expected_transfers("acc-2", "acc-3", after_at)
    assert (before["count"], before["total"]) == (2, 208.0)  # tx-1 and tx-7
    assert (after["count"], after["total"]) == (7, 208.0 + 5010.0)  # and the burst
    assert after["lastTs"] != before["lastTs"]
    now = by_key(subgraph(ring_client, None)["edges"])[pair]
    assert (now["count"], now["total"]) == (after["count"], after["total"])


def test_ring_subgraph_as_of_takes_the_members_of_the_version_then_current(
    ring_client: TestClient,
) -> None:
    accounts = lambda sub: {n["id"] for n in sub["nodes"] if n["type"] == "Account"}  # noqa: E731
    v1 = subgraph(ring_client, T0 + 2 * MIN)
    assert accounts(v1) == {"acc-1", "acc-2"}
    edges = by_key(v1["edges"])
    assert (edges[("acc-1", "acc-2", "TRANSFERRED")]["count"]) == 1  # tx-6 came later
    # acc-1 used d-1 at T0, acc-2 at T0 + 1 min: shared by then; acc-3's use came later
    assert ("acc-2", "d-1", "USED") in edges and ("acc-3", "d-1", "USED") not in edges
    assert accounts(subgraph(ring_client, T0 + 7 * MIN)) == {"acc-1", "acc-2", "acc-3"}
    assert accounts(subgraph(ring_client, T0 + 30 * MIN)) == {"acc-2", "acc-3"}
    nothing = subgraph(ring_client, T0 - 1)  # before the ring existed
    assert nothing["nodes"] == [] and nothing["edges"] == [] and nothing["nodeCount"] == 0
    for node in subgraph(ring_client, None)["nodes"]:
        assert "risk_history" not in node["props"]


def diff(client: TestClient, a: int, b: int) -> dict[str, Any]:
    body = gql(client, DIFF, {"a": a, "b": b})
    assert "errors" not in body, body
    out: dict[str, Any] = body["data"]["ring"]["diff"]  # type: ignore[index]
    return out


def test_ring_diff_lists_members_and_edges_added_and_removed(ring_client: TestClient) -> None:
    grown = diff(ring_client, 1, 2)
    assert (grown["fromVersion"], grown["toVersion"]) == (1, 2)
    assert grown["membersAdded"] == ["acc-3"] and grown["membersRemoved"] == []
    added = by_key(grown["edgesAdded"])
    assert added[("acc-2", "acc-3", "TRANSFERRED")]["count"] == 1  # tx-1 by version 2's time
    assert ("acc-3", "d-1", "USED") in added
    assert "acc-3" in {n["id"] for n in grown["nodesAdded"]}
    assert grown["edgesRemoved"] == [] and grown["nodesRemoved"] == []

    shrunk = diff(ring_client, 2, 3)
    assert shrunk["membersAdded"] == [] and shrunk["membersRemoved"] == ["acc-1"]
    removed = by_key(shrunk["edgesRemoved"])
    assert ("acc-1", "acc-2", "TRANSFERRED") in removed
    assert "acc-1" in {n["id"] for n in shrunk["nodesRemoved"]}
    # drawn together: the later graph plus what it lost
    drawn = {n["id"] for n in shrunk["graph"]["nodes"]}
    assert {"acc-1", "acc-2", "acc-3"} <= drawn
    assert ("acc-1", "acc-2", "TRANSFERRED") in by_key(shrunk["graph"]["edges"])
    changed = by_key(shrunk["edgesChanged"])[("acc-2", "acc-3", "TRANSFERRED")]
    assert (changed["count"], changed["total"]) == (2, 208.0)  # tx-7 came between the versions


def test_ring_diff_of_an_unknown_version_says_which_exist(ring_client: TestClient) -> None:
    body = gql(ring_client, DIFF, {"a": 1, "b": 9})
    assert body["data"] is None or body["data"]["ring"] is None  # type: ignore[index]
    message = body["errors"][0]["message"]  # type: ignore[index]
    assert "no version 9" in message and "[1, 2, 3]" in message


HISTORY = """query { account(id: "acc-1") { riskScore modelVersion
  riskHistory { at score modelVersion } } }"""


def test_account_risk_history_keeps_changes_with_the_model_version(
    client: TestClient, seeded: FalkorStore
) -> None:
    set_account_scores(seeded.graph, {"acc-1": 40.0, "acc-2": 5.0}, "gnn-v1", at_ms=T0)
    set_account_scores(seeded.graph, {"acc-1": 40.0}, "gnn-v1", at_ms=T0 + MIN)  # unchanged
    set_account_scores(seeded.graph, {"acc-1": 75.5}, "gnn-v2", at_ms=T0 + 2 * MIN)
    body = gql(client, HISTORY)
    assert "errors" not in body, body
    account = body["data"]["account"]  # type: ignore[index]
    assert (account["riskScore"], account["modelVersion"]) == (75.5, "gnn-v2")
    assert [(p["at"], p["score"], p["modelVersion"]) for p in account["riskHistory"]] == [
        (iso(T0), 40.0, "gnn-v1"),
        (iso(T0 + 2 * MIN), 75.5, "gnn-v2"),
    ]


def test_account_risk_history_is_bounded(client: TestClient, seeded: FalkorStore) -> None:
    for i in range(RISK_HISTORY_KEEP + 5):
        set_account_scores(seeded.graph, {"acc-1": float(i)}, "gnn-v1", at_ms=T0 + i * MIN)
    points = gql(client, HISTORY)["data"]["account"]["riskHistory"]  # type: ignore[index]
    assert len(points) == RISK_HISTORY_KEEP
    assert points[-1]["score"] == RISK_HISTORY_KEEP + 4 and points[0]["score"] == 5.0
