"""GraphQL over HTTP by the spec: body shapes, Accept negotiation, status codes, GET."""

from __future__ import annotations

import base64

import orjson
import pytest
from starlette.testclient import TestClient

GQL_RESPONSE = "application/graphql-response+json"


def _post(
    client: TestClient,
    body: bytes,
    accept: str | None = None,
    content_type: str | None = "application/json",
) -> tuple[int, str, dict[str, object]]:
    headers = {}
    if content_type:
        headers["content-type"] = content_type
    if accept:
        headers["accept"] = accept
    r = client.post("/graphql", content=body, headers=headers)
    assert "Traceback" not in r.text
    return r.status_code, r.headers["content-type"], r.json()


def _code(body: dict[str, object]) -> str:
    return str(body["errors"][0]["extensions"]["code"])  # type: ignore[index]


@pytest.mark.parametrize(
    "body",
    [
        b"null",
        b'"a string"',
        b"5",
        b"true",
        b"[]",
        b'[{"query": "{ __typename }"}]',
        b"{}",
        b'{"query": null}',
        b'{"query": 5}',
        b'{"query": {"a": 1}}',
        b'{"query": ""}',
        b'{"qeury": "{ __typename }"}',
        b'{"query": "{ __typename }", "variables": "x"}',
        b'{"query": "{ __typename }", "variables": [1]}',
        b'{"query": "{ __typename }", "extensions": 3}',
        b'{"query": "{ __typename }", "operationName": 7}',
        b"{not json",
        b"",
    ],
)
@pytest.mark.parametrize("accept", [None, "application/json", GQL_RESPONSE])
def test_every_body_shape_is_a_graphql_error_with_400(
    client: TestClient, body: bytes, accept: str | None
) -> None:
    status, content_type, payload = _post(client, body, accept)
    assert status == 400, payload
    assert content_type.startswith(accept or "application/json")
    assert _code(payload) == "BAD_REQUEST" and "data" not in payload


def test_post_needs_a_json_content_type(client: TestClient) -> None:
    body = orjson.dumps({"query": "{ __typename }"})
    assert _post(client, body, content_type=None)[0] == 415
    assert _post(client, body, content_type="text/plain")[0] == 415
    assert _post(client, body, content_type="application/json; charset=latin-1")[0] == 415
    assert _post(client, body, content_type="application/json; charset=utf-8")[0] == 200


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("{", None, "GRAPHQL_PARSE_FAILED"),
        ("{ nosuchfield }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("query($f: Int!) { rings(first: $f) { totalCount } }", {"f": "abc"}, "BAD_USER_INPUT"),
    ],
)
def test_request_errors_follow_the_accepted_media_type(
    client: TestClient, query: str, variables: object, code: str
) -> None:
    body = orjson.dumps({"query": query, "variables": variables})
    status, content_type, payload = _post(client, body, GQL_RESPONSE)
    assert (status, _code(payload)) == (400, code)
    assert content_type == f"{GQL_RESPONSE}; charset=utf-8" and "data" not in payload
    for accept in ("application/json", "*/*", None):
        status, content_type, payload = _post(client, body, accept)
        assert (status, _code(payload)) == (200, code)
        assert content_type == "application/json; charset=utf-8"


def test_accept_negotiation(client: TestClient) -> None:
    body = orjson.dumps({"query": "{ rings(first: 1) { totalCount } }"})
    status, content_type, payload = _post(client, body, GQL_RESPONSE)
    assert status == 200 and content_type.startswith(GQL_RESPONSE)
    assert payload == {"data": {"rings": {"totalCount": 3}}}
    mixed = f"application/json;q=0.5, {GQL_RESPONSE}"
    assert _post(client, body, mixed)[1].startswith(GQL_RESPONSE)
    assert _post(client, body, "text/html, */*;q=0.1")[1].startswith("application/json")
    status, _, payload = _post(client, body, "text/html")
    assert status == 406 and _code(payload) == "NOT_ACCEPTABLE"
    # a field error still has data: 200 with either media type
    status, _, payload = _post(
        client, orjson.dumps({"query": '{ rings(after: "x") { totalCount } }'}), GQL_RESPONSE
    )
    assert status == 200 and payload["data"] is None and _code(payload) == "BAD_USER_INPUT"


def test_get_runs_queries_but_not_mutations(client: TestClient) -> None:
    r = client.get(
        "/graphql",
        params={
            "query": "query($n: Int!) { rings(first: $n) { totalCount } }",
            "variables": '{"n": 1}',
        },
    )
    assert r.status_code == 200 and r.json() == {"data": {"rings": {"totalCount": 3}}}
    mutation = 'mutation { updateRing(id: "ring-a", status: CLOSED) { status } }'
    r = client.get("/graphql", params={"query": mutation}, headers={"accept": GQL_RESPONSE})
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    ring = client.post("/graphql", json={"query": '{ ring(id: "ring-a") { status } }'}).json()
    assert ring["data"]["ring"]["status"] == "OPEN"  # the GET did not run the mutation
    r = client.get("/graphql", params={"query": "{ __typename }", "variables": "{nope"})
    assert r.status_code == 400 and _code(r.json()) == "BAD_REQUEST"


@pytest.mark.parametrize(
    ("query", "variables", "argument"),
    [
        ("query($f: Int!) { rings(first: $f) { totalCount } }", {"f": "abc"}, "$f"),
        ("query($f: Int!) { rings(first: $f) { totalCount } }", {}, "$f"),
        (
            "mutation($e: [JSON!]!) { ingestTransactions(events: $e) { applied } }",
            {"e": [None]},
            "$e",
        ),
        ("query($id: ID!) { ring(id: $id) { id } }", {"id": {"a": 1}}, "$id"),
    ],
)
def test_wrong_variable_values_are_bad_user_input(
    client: TestClient, query: str, variables: dict[str, object], argument: str
) -> None:
    r = client.post("/graphql", json={"query": query, "variables": variables})
    error = r.json()["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}, error


def _cursor(text: bytes) -> str:
    return base64.urlsafe_b64encode(text).decode()


@pytest.mark.parametrize(
    "query",
    [
        '{ rings(after: "bzrCsg==") { totalCount } }',  # decodes to "o:²": a digit, but not ASCII
        '{ rings(after: "' + _cursor(b"o:" + b"9" * 30) + '") { totalCount } }',
        '{ rings(after: "' + _cursor(b"o:-5") + '") { totalCount } }',
        '{ detectionRuns(after: "' + _cursor(b"o:1e9") + '") { totalCount } }',
        '{ alerts(after: "' + _cursor(b"s:nope\x01") + '") { totalCount } }',
        '{ alerts(after: "' + _cursor(b"s:12-x") + '") { totalCount } }',
        '{ account(id: "acc-1") { transactions(after: "'
        + _cursor(b"t:\xff|x")
        + '") { totalCount } } }',
        '{ account(id: "acc-1") { transactions(after: "'
        + _cursor(b"t:12|")
        + '") { totalCount } } }',
        '{ rings(after: "' + _cursor(b"t:1|tx") + '") { totalCount } }',
        '{ rings(after: "\\u00e9\\u0000") { totalCount } }',
    ],
)
def test_bad_cursors_name_the_argument(client: TestClient, query: str) -> None:
    body = client.post("/graphql", json={"query": query}).json()
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", body
    assert error["extensions"]["argument"] == "after" and error["message"].startswith("after: ")


@pytest.mark.parametrize(
    ("query", "variables", "argument"),
    [
        ('{ account(id: "acc\\u0000-1") { id } }', None, "id"),
        ('{ neighbourhood(id: "a\\u0000") { nodeCount } }', None, "id"),
        ('{ shortestPath(from: "acc-1", to: "x\\u0000y") { nodeCount } }', None, "to"),
        ("query($id: ID!) { transaction(id: $id) { id } }", {"id": "tx\x00-1"}, "$id"),
        ("query($t: String) { rings(typology: $t) { totalCount } }", {"t": "a\x00"}, "$t"),
    ],
)
def test_nul_bytes_are_refused_without_reaching_the_graph(
    client: TestClient, query: str, variables: object, argument: str
) -> None:
    r = client.post("/graphql", json={"query": query, "variables": variables})
    text = r.text.lower()
    error = r.json()["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}
    assert "falkordb" not in text and "cypher" not in text and "errmsg" not in text


def test_graph_store_errors_are_not_echoed() -> None:
    from graphql import GraphQLError

    from api.errors import classify
    from core.errors import GraphUnavailableError

    driver = GraphUnavailableError(
        "FalkorDB at redis://x unavailable: errMsg: Invalid input at 3 find_accounts"
    )
    error = GraphQLError(str(driver), original_error=driver, path=["account"])
    assert classify(error) == "SERVICE_UNAVAILABLE"
    assert "find_accounts" not in error.message and "FalkorDB" not in error.message
