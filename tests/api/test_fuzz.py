"""schemathesis fuzzes every Query and Mutation field of the in-process app: no server errors.

A generated request may be a client mistake (bad page size, unknown id); it must come back as
a coded GraphQL error, never a 5xx and never an ``INTERNAL_SERVER_ERROR``. schemathesis' own
GraphQL check counts every resolver error that is not a validation error (``NOT_FOUND`` for an
unknown id, too) as a server error, so the test checks the status and the codes itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

import graphql  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis.graphql import nodes  # noqa: E402
from schemathesis.graphql.loaders import get_introspection_query  # noqa: E402
from schemathesis.python.asgi import get_client, shutdown_lifespans  # noqa: E402

from api.schema import schema as graphql_schema  # noqa: E402
from core.settings import Settings  # noqa: E402
from graph.falkordb_store import FalkorStore  # noqa: E402
from ringscope.bootstrap import create_app  # noqa: E402

HOST = "http://127.0.0.1"
# What a generated request may earn: its own mistake, a missing id, or a part not wired in here.
CLIENT_CODES = {
    "BAD_USER_INPUT",
    "BAD_REQUEST",
    "GRAPHQL_VALIDATION_FAILED",
    "GRAPHQL_PARSE_FAILED",
    "NOT_FOUND",
    "NOT_CONFIGURED",
    "FORBIDDEN",
    "UNAUTHENTICATED",
    "QUERY_TOO_EXPENSIVE",
}
EXAMPLES_PER_FIELD = 7  # 15 Query and Mutation fields: about 100 requests in all

KEYS = st.sampled_from(["tx_id", "ts", "kind", "amount", "account_id", "counterparty_id", "x"])


def _node(value: Any) -> graphql.ValueNode:
    """A JSON value as a GraphQL literal, for the ``JSON`` scalar (``ingestTransactions``)."""
    if value is None:
        return nodes.Null
    if isinstance(value, bool):
        return nodes.Boolean(value)
    if isinstance(value, int):
        return nodes.Int(value)
    if isinstance(value, float):
        return nodes.Float(value)
    if isinstance(value, str):
        return nodes.String(value)
    if isinstance(value, list):
        return nodes.List([_node(v) for v in value])
    return nodes.Object(
        [
            graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=_node(v))
            for k, v in value.items()
        ]
    )


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=8,
)
schemathesis.graphql.scalar("JSON", JSON_VALUES.map(_node))

# The schema comes from the code (no server needed at import); requests go to the live app.
schema = schemathesis.graphql.from_dict(
    {"data": graphql_schema.execute_sync(get_introspection_query()).data}
)
schema.location = "/graphql"


@pytest.fixture
def fuzz_client(settings: Settings, seeded: FalkorStore) -> Iterator[Any]:
    """schemathesis' in-process ASGI client; it runs the app's lifespan in its own loop."""
    try:
        with get_client(create_app(settings, store=seeded)) as client:
            yield client
    finally:
        shutdown_lifespans()  # the app's lifespan shutdown: reader stopped, sockets closed


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_FIELD,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case: Any, fuzz_client: Any) -> None:
    response = case.call(session=fuzz_client, base_url=HOST)
    assert response.status_code < 500, response.text[:500]
    assert "Traceback" not in response.text
    body = response.json()
    assert isinstance(body, dict) and ("data" in body or "errors" in body), body
    codes = {(e.get("extensions") or {}).get("code") for e in body.get("errors") or []}
    assert codes <= CLIENT_CODES, (case.body, body)  # never INTERNAL_SERVER_ERROR or uncoded
