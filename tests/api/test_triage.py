"""The triage queue: unassigned alerts by score and age; assign, dismiss, disposition in bulk;
dispositions become account verdicts (training labels); alerts in a case leave the queue."""

from __future__ import annotations

import orjson
import redis
from starlette.testclient import TestClient

from core.settings import Settings
from tests.api.conftest import gql

QUEUE = "query($m: Float) { triageQueue(first: 20, minScore: $m) { totalCount edges { node { ageMinutes alert { id score accountId } } } } }"


def seed_alerts(settings: Settings) -> None:
    r = redis.Redis.from_url(settings.falkordb_url or "")
    for n in range(8):
        alert = {
            "id": f"al-{n}",
            "kind": "TRANSACTION",
            "score": [60, 90, 75, 90][n % 4] + n / 100,
            "accountId": f"acc-{n % 3 + 1}",
            "transactionId": f"tx-{n}",
            "createdAt": f"2024-01-01T00:0{n}:00Z",
            "reasons": ["velocity"],
        }
        r.xadd(settings.alerts_stream, {"alert": orjson.dumps(alert)})


def queue(client: TestClient, min_score: float | None = None) -> tuple[int, list[str]]:
    body = gql(client, QUEUE, {"m": min_score})
    assert "errors" not in body, body
    page = body["data"]["triageQueue"]  # type: ignore[index]
    return page["totalCount"], [e["node"]["alert"]["id"] for e in page["edges"]]


def test_queue_order_and_bulk_actions(client: TestClient, settings: Settings) -> None:
    seed_alerts(settings)
    total, ids = queue(client)
    assert total == 8
    assert ids[:4] == ["al-7", "al-5", "al-3", "al-1"]  # highest scores first
    assert queue(client, 80.0) == (4, ["al-7", "al-5", "al-3", "al-1"])

    done = gql(
        client,
        'mutation { assignAlerts(ids: ["al-7", "al-5"], assignee: "alice") { alertId state assignee accountId } }',
    )
    assert done["data"]["assignAlerts"][0] == {
        "alertId": "al-7",
        "state": "assigned",
        "assignee": "alice",
        "accountId": "acc-2",
    }  # type: ignore[index]
    gql(client, 'mutation { dismissAlerts(ids: ["al-0"], reasonCode: "KNOWN_MERCHANT") { state } }')
    tp = gql(
        client,
        'mutation { dispositionAlerts(ids: ["al-3", "al-6"], disposition: TRUE_POSITIVE, reasonCode: "MULE") { alertId state } }',
    )
    assert {d["state"] for d in tp["data"]["dispositionAlerts"]} == {"true_positive"}  # type: ignore[index]
    case = gql(client, 'mutation { createCase(title: "from triage", alertIds: ["al-1"]) { id } }')
    assert "errors" not in case, case

    total, ids = queue(client)
    assert total == 2 and sorted(ids) == ["al-2", "al-4"]
    # al-3 and al-6 are acc-1's alerts: one confirmed-fraud verdict on acc-1, a training label
    account = gql(
        client, '{ account(id: "acc-1") { verdict verdicts { verdict reasonCode note } } }'
    )
    acc = account["data"]["account"]  # type: ignore[index]
    assert acc["verdict"] == "CONFIRMED_FRAUD"
    assert acc["verdicts"][0]["reasonCode"] == "MULE" and "al-3" in acc["verdicts"][0]["note"]
    rec = gql(client, '{ alertTriage(alertId: "al-0") { state reasonCode by } }')
    assert rec["data"]["alertTriage"]["state"] == "dismissed"  # type: ignore[index]


def test_bad_triage_input(client: TestClient, settings: Settings) -> None:
    seed_alerts(settings)
    unknown = gql(client, 'mutation { dismissAlerts(ids: ["al-nope"], reasonCode: "X") { state } }')
    assert unknown["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"  # type: ignore[index]
    empty = gql(client, 'mutation { assignAlerts(ids: ["al-1"], assignee: "  ") { state } }')
    assert empty["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"  # type: ignore[index]
    assert queue(client)[0] == 8  # nothing changed


def test_a_regrown_alert_is_queued_once_as_it_stands_now(
    client: TestClient, settings: Settings
) -> None:
    r = redis.Redis.from_url(settings.falkordb_url or "")
    for count in (1, 2):  # the dedup script re-sends an open alert under its id as it grows
        alert = {
            "id": "al-grown",
            "kind": "TRANSACTION",
            "score": 70.0 + count,
            "accountId": "acc-1",
            "transactionId": f"tx-{count}",
            "createdAt": "2024-01-01T00:00:00Z",
            "reasons": ["velocity"],
            "count": count,
        }
        r.xadd(settings.alerts_stream, {"alert": orjson.dumps(alert)})
    body = gql(
        client, "{ triageQueue { totalCount edges { node { alert { id score transactionId } } } } }"
    )
    page = body["data"]["triageQueue"]  # type: ignore[index]
    assert page["totalCount"] == 1
    assert page["edges"][0]["node"]["alert"] == {
        "id": "al-grown",
        "score": 72.0,
        "transactionId": "tx-2",
    }
