"""The HTTP request path: checks worked out once per document, lazy loaders, strawberry's answers.

Over HTTP an operation runs through ``api.execution`` rather than ``strawberry.Schema.execute``;
it must answer exactly as strawberry does, and the per-document caching of the checks must never
let a value that changes the cost (or carries a NUL) through on the strength of an earlier one.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import parse
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from api.context import Context, Loaders
from api.documents import Documents, Limits
from api.execution import HTTPExecutor, direct_documents
from api.limits import cost_variables
from api.schema import build_schema
from core.settings import Settings
from graph.falkordb_store import FalkorStore
from graph.reads import FalkorReads
from tests.api.conftest import LocalClient, gql

QUERIES: list[tuple[str, dict[str, Any] | None, str | None]] = [
    ('{ ring(id: "ring-a") { id score members { id riskScore } } }', None, None),
    ("query($id: ID!) { ring(id: $id) { members { id } } }", {"id": "ring-b"}, None),
    (
        "query($id: ID!) { neighbourhood(id: $id, hops: 2) { nodeCount truncated } }",
        {"id": "acc-1"},
        None,
    ),
    ('{ account(id: "acc-1") { id rings { id } } }', None, None),
    ("{ ring(id: 5) { id } }", None, None),  # an ID may be an int literal
    ("{ nosuchfield }", None, None),  # validation
    ("{ ring(id: ", None, None),  # syntax
    ("query($id: ID!) { ring(id: $id) { id } }", {"id": 3.5}, None),  # variable coercion
    ("query($id: ID!) { ring(id: $id) { id } }", None, None),  # missing variable
    (
        "query($n: Int) { rings(first: $n) { edges { node { id members { account "
        "{ transactions { totalCount } } } } } } }",
        {"n": 100},
        None,
    ),  # too expensive
    ('{ ring(id: "a\\u0000b") { id } }', None, None),  # NUL literal
    ("query($id: ID!) { ring(id: $id) { id } }", {"id": "a\x00"}, None),  # NUL variable
    ('query A { __typename } query B { ring(id: "ring-a") { id } }', None, "B"),
    ('{ account(id: "acc-1") { nope: id id } }', None, None),
]
SUB = "subscription { alerts { id } }"


@pytest.fixture
def reads(seeded: FalkorStore) -> FalkorReads:
    return FalkorReads(seeded.url, seeded.graph_name)


def _context(reads: FalkorReads, settings: Settings, role: str | None = "admin") -> Context:
    return Context(store=reads, services=None, role=role, principal="t")  # type: ignore[arg-type]


@pytest.mark.parametrize(("query", "variables", "operation"), QUERIES)
async def test_http_path_answers_as_strawberry(
    reads: FalkorReads,
    settings: Settings,
    query: str,
    variables: dict[str, Any] | None,
    operation: str | None,
) -> None:
    schema = build_schema(max_cost=5000)
    documents = direct_documents(schema)
    assert documents is not None
    executor = HTTPExecutor(schema, documents)
    allowed = {OperationType.QUERY, OperationType.MUTATION}
    for _ in range(2):  # the second time from the document cache
        ours = await executor.execute(
            query, variables, _context(reads, settings), operation, allowed, None
        )
        theirs = await schema.execute(
            query,
            variable_values=variables,
            context_value=_context(reads, settings),
            operation_name=operation,
            allowed_operation_types=allowed,
        )
        assert ours.data == theirs.data
        assert [e.formatted for e in ours.errors or ()] == [
            e.formatted for e in theirs.errors or ()
        ]
    await reads.close()


async def test_http_path_refuses_operation_types_as_strawberry(
    reads: FalkorReads, settings: Settings
) -> None:
    schema = build_schema()
    documents = direct_documents(schema)
    assert documents is not None
    executor = HTTPExecutor(schema, documents)
    with pytest.raises(InvalidOperationTypeError):
        await executor.execute(
            SUB, None, _context(reads, settings), None, {OperationType.QUERY}, None
        )
    with pytest.raises(CannotGetOperationTypeError):
        await executor.execute(
            "query A { __typename }",
            None,
            _context(reads, settings),
            "B",
            {OperationType.QUERY},
            None,
        )
    await reads.close()


def test_other_extensions_run_through_strawberry() -> None:
    from strawberry.extensions import SchemaExtension

    assert direct_documents(build_schema()) is not None
    assert direct_documents(build_schema(extra=[SchemaExtension])) is None


def test_cost_is_cached_per_document_and_values_it_reads() -> None:
    schema = build_schema()._schema
    documents = Documents(Limits(max_cost=1000))
    query = (
        "query($id: ID!, $n: Int, $m: Int) { a: ring(id: $id) { id } "
        "rings(first: $n) { edges { node { id members { id } } } } "
        "neighbourhood(id: $id, limit: $m) { nodes { id } } }"
    )
    prepared = documents.validate(schema, parse(query), query)
    assert not isinstance(prepared, list)
    assert prepared.cost_variables == ("m", "n")  # $id does not change the cost
    assert documents.lookup(query) is prepared
    for i in range(50):  # one cost for every id
        assert documents.check(schema, prepared, None, {"id": f"r{i}", "n": 5}, "viewer") is None
    assert len(prepared.costs) == 1
    # a value that makes the same document expensive is refused, whatever ran before
    refused = documents.check(schema, prepared, None, {"id": "r", "n": 100}, "viewer")
    assert refused is not None and refused.extensions["code"] == "QUERY_TOO_EXPENSIVE"
    assert documents.check(schema, prepared, None, {"id": "r", "n": 5, "m": 2000}, "viewer")
    # 5 and 5.0 and True are different inputs to the estimate: never one cache entry
    assert documents.check(schema, prepared, None, {"id": "r", "n": True}, "viewer") is None
    assert len(prepared.costs) == 4


def test_cost_variables_are_the_ones_inside_first_and_limit() -> None:
    doc = parse(
        "query($a: Int, $b: Int, $c: String, $d: [Int]) { rings(first: $a, typology: $c) "
        "{ totalCount } neighbourhood(id: $c, limit: $b) { nodeCount } "
        "x: rings(first: 1) { totalCount } }"
    )
    assert cost_variables(doc) == ("a", "b")


def test_cached_document_still_refuses_nul_and_cost(client: LocalClient) -> None:
    query = "query($id: ID!, $n: Int) { ring(id: $id) { id } rings(first: $n) { edges { node { id members { account { transactions { totalCount } } } } } } }"
    ok = gql(client, query, {"id": "ring-a", "n": 1})
    assert "errors" not in ok, ok
    nul = gql(client, query, {"id": "ring\x00", "n": 1})
    assert nul["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"  # type: ignore[index]
    big = gql(client, query, {"id": "ring-a", "n": 100})
    assert big["errors"][0]["extensions"]["code"] == "QUERY_TOO_EXPENSIVE"  # type: ignore[index]
    assert "errors" not in gql(client, query, {"id": "ring-b", "n": 1})


def test_loaders_are_built_on_first_use(reads: FalkorReads, settings: Settings) -> None:
    context = _context(reads, settings)
    loaders = context.loaders
    assert isinstance(loaders, Loaders) and context.loaders is loaders
    assert vars(loaders).keys() == {"store"}  # nothing built yet
    ring = loaders.ring
    assert loaders.ring is ring and set(vars(loaders)) == {"store", "ring"}


def test_subscription_texts_are_parsed_once() -> None:
    from graphql import GraphQLError

    from api.fanout import CACHED_CHARS, operation_kind, parsed, replays

    parsed.cache_clear()
    for _ in range(3):  # the limits, the kind and the replay check of every subscriber
        assert parsed(SUB, 2000) is parsed(SUB, 2000)
        operation_kind(SUB, None)
        assert not replays(SUB, None, None)
    assert parsed.cache_info().misses == 2  # one with the token limit, one without
    assert isinstance(parsed("{ a b c d }", 2), GraphQLError)  # over the token limit
    long = "subscription { alerts { id } }" + " " * CACHED_CHARS
    before = parsed.cache_info().currsize
    operation_kind(long, None)
    assert parsed.cache_info().currsize == before  # long texts are not kept
