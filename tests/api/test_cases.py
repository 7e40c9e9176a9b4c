"""Cases over GraphQL: a case built from a ring, worked, noted, attached and closed, with its
audit trail tied to the API keys; roles; filters; the live caseUpdates subscription."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from starlette.testclient import TestClient

from graph.falkordb_store import FalkorStore
from ringscope.bootstrap import create_app, key_store
from tests.api.conftest import LocalClient, gql, make_settings

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64).decode()
CASE = "id title status priority assignee disposition ringIds alertIds accountIds createdBy"


@pytest.fixture
def keyed(seeded: FalkorStore) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    settings = make_settings(
        seeded.url,
        seeded.graph_name,
        host="0.0.0.0",
        case_updates_channel=f"{seeded.graph_name}:cases",
    )
    keys = key_store(seeded.url)
    who = {}
    for name, role in (
        ("vera", "viewer"),
        ("alice", "investigator"),
        ("bob", "investigator"),
        ("ada", "admin"),
    ):
        token, _ = keys.create(role, name)
        who[name] = {"Authorization": f"Bearer {token}"}
    with LocalClient(create_app(settings, store=seeded)) as client:
        yield client, who
    redis.Redis.from_url(seeded.url).delete("ringscope:api-keys")


def ok(body: dict[str, Any], field: str) -> Any:
    assert "errors" not in body, body
    return body["data"][field]  # type: ignore[index]


def code(body: dict[str, Any]) -> str:
    return str(body["errors"][0]["extensions"]["code"])  # type: ignore[index]


def test_a_case_from_a_ring_noted_attached_closed_with_its_audit_trail(keyed: Any) -> None:
    c, who = keyed
    made = ok(
        gql(
            c,
            f"""mutation {{ createCase(title: "Mule ring A", priority: HIGH,
        ringIds: ["ring-a"], alertIds: ["al-1"], note: "opened from the ring view") {{ {CASE}
        rings {{ id }} notes {{ author text }} }} }}""",
            headers=who["alice"],
        ),
        "createCase",
    )
    case_id = made["id"]
    assert made["status"] == "NEW" and made["ringIds"] == ["ring-a"]
    assert made["rings"] == [{"id": "ring-a"}] and made["createdBy"].startswith("alice (key:")
    assert made["notes"][0]["text"] == "opened from the ring view"

    ok(
        gql(
            c,
            f'mutation {{ updateCase(id: "{case_id}", status: INVESTIGATING, assignee: "alice") {{ id }} }}',
            headers=who["alice"],
        ),
        "updateCase",
    )
    ok(
        gql(
            c,
            f'mutation {{ addCaseNote(id: "{case_id}", text: "devices match") {{ id }} }}',
            headers=who["alice"],
        ),
        "addCaseNote",
    )
    attach = """mutation($id: ID!, $f: CaseFileInput) { attachToCase(id: $id, accountIds: ["acc-1"],
        file: $f) { accountIds attachments { id name size contentType dataBase64 } } }"""
    done = ok(
        gql(
            c,
            attach,
            {
                "id": case_id,
                "f": {"name": "ring-a.png", "contentType": "image/png", "dataBase64": PNG},
            },
            who["alice"],
        ),
        "attachToCase",
    )
    assert done["accountIds"] == ["acc-1"] and done["attachments"][0]["dataBase64"] == PNG
    not_yet = gql(
        c,
        f'mutation {{ updateCase(id: "{case_id}", status: CLOSED) {{ id }} }}',
        headers=who["alice"],
    )
    assert code(not_yet) == "BAD_USER_INPUT" and "disposition" in not_yet["errors"][0]["message"]  # type: ignore[index]
    closed = ok(
        gql(
            c,
            f"""mutation {{ updateCase(id: "{case_id}", status: CLOSED,
        disposition: CONFIRMED_FRAUD) {{ status disposition }} }}""",
            headers=who["alice"],
        ),
        "updateCase",
    )
    assert closed == {"status": "CLOSED", "disposition": "CONFIRMED_FRAUD"}

    trail = ok(
        gql(
            c,
            f'{{ case(id: "{case_id}") {{ audit {{ actor role action before after }} }} }}',
            headers=who["vera"],
        ),
        "case",
    )["audit"]
    assert [e["action"] for e in trail] == ["create", "update", "note", "attach", "update"]
    assert all(e["actor"].startswith("alice (key:") and e["role"] == "investigator" for e in trail)
    assert trail[1]["before"]["status"] == "new" and trail[1]["after"]["status"] == "investigating"
    assert trail[-1]["after"] == {"status": "closed", "disposition": "confirmed_fraud"}
    assert trail[3]["after"]["attachments"][0]["name"] == "ring-a.png"


def test_roles_viewers_read_investigators_work_admins_reassign(keyed: Any) -> None:
    c, who = keyed
    denied = gql(c, 'mutation { createCase(title: "x") { id } }', headers=who["vera"])
    assert code(denied) == "FORBIDDEN"
    case_id = ok(
        gql(
            c,
            'mutation { createCase(title: "x", assignee: "alice (key:1)") { id } }',
            headers=who["alice"],
        ),
        "createCase",
    )["id"]
    note = f'mutation {{ addCaseNote(id: "{case_id}", text: "hi") {{ id }} }}'
    assert code(gql(c, note, headers=who["vera"])) == "FORBIDDEN"
    grab = f'mutation {{ updateCase(id: "{case_id}", assignee: "bob") {{ assignee }} }}'
    assert code(gql(c, grab, headers=who["bob"])) == "FORBIDDEN"  # held by alice
    assert ok(gql(c, grab, headers=who["ada"]), "updateCase") == {"assignee": "bob"}
    assert code(gql(c, "{ cases { totalCount } }")) == "UNAUTHENTICATED"
    assert ok(gql(c, "{ cases { totalCount } }", headers=who["vera"]), "cases")["totalCount"] == 1


def test_filters_pages_and_bad_input(keyed: Any) -> None:
    c, who = keyed
    for i in range(3):
        ok(
            gql(
                c,
                f'mutation {{ createCase(title: "c{i}", ringIds: ["ring-{"ab"[i % 2]}"]) {{ id }} }}',
                headers=who["alice"],
            ),
            "createCase",
        )
    page = ok(
        gql(
            c,
            '{ cases(first: 1, ringId: "ring-a") { totalCount edges { cursor node { title } } pageInfo { hasNextPage endCursor } } }',
            headers=who["vera"],
        ),
        "cases",
    )
    assert page["totalCount"] == 2 and page["edges"][0]["node"]["title"] == "c2"
    after = page["pageInfo"]["endCursor"]
    rest = ok(
        gql(
            c,
            'query($a: String) { cases(first: 5, ringId: "ring-a", after: $a) { edges { node { title } } } }',
            {"a": after},
            who["vera"],
        ),
        "cases",
    )
    assert [e["node"]["title"] for e in rest["edges"]] == ["c0"]
    bad = gql(
        c,
        'mutation { attachToCase(id: "nope", file: {name: "a", contentType: "image/png", dataBase64: "!!"}) { id } }',
        headers=who["alice"],
    )
    assert code(bad) == "BAD_USER_INPUT"
    assert (
        code(gql(c, 'mutation { addCaseNote(id: "nope", text: "x") { id } }', headers=who["alice"]))
        == "NOT_FOUND"
    )
    assert (
        code(gql(c, 'mutation { createCase(title: "   ") { id } }', headers=who["alice"]))
        == "BAD_USER_INPUT"
    )


def test_case_updates_reach_a_live_subscriber(keyed: Any, seeded: FalkorStore) -> None:
    c, who = keyed
    case_id = ok(
        gql(c, 'mutation { createCase(title: "live") { id } }', headers=who["alice"]), "createCase"
    )["id"]
    r = redis.Redis.from_url(seeded.url)
    with c.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": who["vera"]})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": "subscription { caseUpdates { id notes { text } } }"},
            }
        )
        channel = f"{seeded.graph_name}:cases"
        for _ in range(250):
            if r.pubsub_numsub(channel)[0][1]:
                break

            time.sleep(0.02)
        ok(
            gql(
                c,
                f'mutation {{ addCaseNote(id: "{case_id}", text: "live note") {{ id }} }}',
                headers=who["alice"],
            ),
            "addCaseNote",
        )
        msg = ws.receive_json()
        assert msg["type"] == "next", msg
        assert msg["payload"]["data"]["caseUpdates"] == {
            "id": case_id,
            "notes": [{"text": "live note"}],
        }
