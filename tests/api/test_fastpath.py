"""One-step leaf fields (``api.fastpath``) answer exactly as graphql-core's standard path.

Values the fast path completes (plain scalars, null on a nullable field) and values it hands
back (null on a non-null field, a value the scalar refuses, an attribute that raises, an enum,
a field with arguments or a resolver) must give the same data and the same errors.
"""

from __future__ import annotations

import enum
import json
from typing import Any

import pytest
import strawberry
from graphql import ExecutionResult, parse
from strawberry.schema._graphql_core import execute

from api.fastpath import basic_leaf_plan, leaf_fast_context


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"


@strawberry.type
class Item:
    id: strawberry.ID
    n: int
    score: float | None
    flag: bool
    colour: Colour
    when: str

    @strawberry.field
    def doubled(self) -> int:
        return self.n * 2

    @strawberry.field
    def plus(self, k: int) -> int:
        return self.n + k


class Raising(Item):
    """An item whose ``n`` raises when read."""


def _boom(self: Any) -> int:
    raise ValueError("boom")


Raising.n = property(_boom)  # type: ignore[assignment]


def _raising() -> Item:
    item = object.__new__(Raising)
    item.__dict__.update(id="r", score=None, flag=True, colour=Colour.RED, when="w")
    return item


def _items() -> list[Any]:
    good = Item(id=strawberry.ID("a"), n=1, score=None, flag=True, colour=Colour.RED, when="x")
    no_id = Item(id=None, n=2, score=1.5, flag=False, colour=Colour.RED, when="y")  # type: ignore[arg-type]
    big = Item(
        id=strawberry.ID("c"), n=2**40, score=float("nan"), flag=True, colour=Colour.RED, when="z"
    )
    odd = Item(id=strawberry.ID("d"), n="7", score=2, flag=1, colour=Colour.RED, when=3)  # type: ignore[arg-type]
    return [good, no_id, big, odd]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return _items()

    @strawberry.field
    def maybe(self) -> list[Item | None]:
        return _items()

    @strawberry.field
    def one(self) -> Item:
        return _items()[0]

    @strawberry.field
    def good(self, empty: bool = False) -> list[Item]:
        return [] if empty else [_items()[0], _items()[3], _items()[0]]

    @strawberry.field
    def raising(self) -> list[Item | None]:
        return [_raising(), _items()[0]]


SCHEMA = strawberry.Schema(query=Query)
DOCUMENTS = [
    "{ items { id n score flag colour when doubled plus(k: 2) } }",
    "{ maybe { id n score } }",
    "{ maybe { a: id b: id n @include(if: false) score @skip(if: true) __typename } }",
    "{ one { id n score flag colour when } }",
    "{ items { score } }",
    "{ raising { id n score } }",
    "{ good { id n score flag when } }",
    "{ good { a: n b: n id } }",
    "{ good { id colour } }",
    "{ good { id __typename } }",
    "{ good(empty: true) { id } }",
    "{ good { id ... on Item { n } ...F } } fragment F on Item { score when @skip(if: true) }",
]


def _run(document: str, fast: bool) -> ExecutionResult:
    base = SCHEMA.execution_context_class
    result = execute(
        SCHEMA._schema,
        parse(document),
        executor_class=leaf_fast_context(base) if fast else base,
    )
    assert isinstance(result, ExecutionResult)
    return result


@pytest.mark.parametrize("document", DOCUMENTS)
def test_fast_leaves_answer_as_the_standard_path(document: str) -> None:
    ours, theirs = _run(document, True), _run(document, False)
    assert json.dumps(ours.data) == json.dumps(theirs.data)  # keys in the same order too
    assert [e.formatted for e in ours.errors or ()] == [e.formatted for e in theirs.errors or ()]


def test_only_basic_scalar_fields_get_a_plan() -> None:
    fields = SCHEMA._schema.get_type("Item").fields  # type: ignore[union-attr]
    planned = {name for name, field in fields.items() if basic_leaf_plan(field) is not None}
    assert planned == {"id", "n", "score", "flag", "when"}
