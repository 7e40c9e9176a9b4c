"""Investigators' verdicts become training labels: ring members only (never the ring's victims),
and transaction alert dispositions on the alert's account, read by ``gnn.export``."""

from __future__ import annotations

import orjson

from gnn.export import export_hetero
from graph.falkordb_store import FalkorStore
from ringscope.bootstrap import create_app
from tests.api.conftest import LocalClient, gql, make_settings, seed

DISPOSITION = "mutation($ids: [ID!]!, $d: AlertDisposition!) { dispositionAlerts(ids: $ids, disposition: $d) { alertId } }"


def _alert(store: FalkorStore, alert_id: str, account: str, stream: str) -> None:
    alert = {
        "id": alert_id,
        "kind": "TRANSACTION",
        "score": 90.0,
        "accountId": account,
        "transactionId": f"tx-{alert_id}",
        "createdAt": "2024-01-01T00:00:00Z",
        "reasons": [],
    }
    store.redis.xadd(stream, {"alert": orjson.dumps(alert)})


def test_verdicts_label_members_and_alert_accounts_never_victims(store: FalkorStore) -> None:
    seed(store)
    store.graph.query(
        "MATCH (g:Ring {id: 'ring-b'}), (a:Account {id: 'acc-6'}) "
        "CREATE (g)-[:INVOLVES {role: 'victim'}]->(a)"
    )
    settings = make_settings(store.url, store.graph_name)
    _alert(store, "al-tp", "acc-1", settings.alerts_stream)
    _alert(store, "al-fp", "acc-5", settings.alerts_stream)
    before = export_hetero(store)
    assert set(before["account"].y.tolist()) == {-1}  # the seeded events carry no labels

    with LocalClient(create_app(settings, store=store)) as client:
        body = gql(client, 'mutation { labelRing(id: "ring-b", verdict: CONFIRMED_FRAUD) { id } }')
        assert "errors" not in body, body
        for alert_id, kind in (("al-tp", "TRUE_POSITIVE"), ("al-fp", "FALSE_POSITIVE")):
            body = gql(client, DISPOSITION, {"ids": [alert_id], "d": kind})
            assert "errors" not in body, body

    data = export_hetero(store)
    label = dict(zip(data["account"].ids, data["account"].y.tolist(), strict=True))
    assert label["acc-3"] == label["acc-4"] == 1  # ring-b's members
    assert label["acc-6"] == -1  # ring-b's victim: no label
    assert label["acc-1"] == 1 and label["acc-5"] == 0  # true / false positive dispositions
    assert label["acc-2"] == -1
