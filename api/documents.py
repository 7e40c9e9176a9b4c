"""Parse and validate each distinct GraphQL document once, then check it before it runs.

strawberry builds a new depth and alias rule class for every request when its limiters are
passed as factories, so nothing could be cached and validation alone took ~11 ms a request.
Here the rules are built once per schema, and a document that parses (within the token limit)
and validates is kept in an LRU keyed by its text: the same query sent again costs a dictionary
lookup. Documents that fail are never cached, so junk cannot fill the cache. Every operation,
cached or not, then passes the checks of ``api.limits`` (cost, NUL bytes, introspection without
a key) with the variables it came with.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from threading import Lock
from typing import Any

from graphql import ASTValidationRule, DocumentNode, GraphQLError, parse, specified_rules
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionContext

from api import metrics
from api.limits import CostEstimator, coded_error, nul_argument, uses_introspection

DEFAULT_SIZE = 512


@dataclass(frozen=True)
class Limits:
    max_depth: int = 10
    max_tokens: int = 2000
    max_aliases: int = 30
    introspection: bool = True
    max_cost: int = 20_000
    max_page: int = 100
    public_introspection: bool = True


class DocumentLRU:
    """A small thread-safe LRU from (query text, token limit) to a validated document."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, int], DocumentNode] = OrderedDict()
        self._lock = Lock()

    def get(self, key: tuple[str, int]) -> DocumentNode | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: tuple[str, int], item: DocumentNode) -> None:
        with self._lock:
            self._items[key] = item
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


def build_rules(
    max_depth: int, max_aliases: int, introspection: bool
) -> tuple[type[ASTValidationRule], ...]:
    rules: list[type[ASTValidationRule]] = [
        *specified_rules,
        depth_rule(max_depth, None, None),
        alias_rule(max_aliases),
    ]
    if not introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    return tuple(rules)


def document_cache(limits: Limits, size: int = DEFAULT_SIZE) -> type[SchemaExtension]:
    """A strawberry extension class sharing one cache and one rule set across requests."""
    rules = build_rules(limits.max_depth, limits.max_aliases, limits.introspection)
    cache = DocumentLRU(size)
    max_tokens = limits.max_tokens

    class DocumentCache(SchemaExtension):
        cache_of = cache

        def on_operation(self) -> Iterator[None]:
            self.execution_context.parse_options["max_tokens"] = max_tokens
            self.execution_context.validation_rules = rules
            self.hit = False
            yield

        def on_parse(self) -> Iterator[None]:
            ctx = self.execution_context
            if ctx.graphql_document is None and ctx.query:
                hit = cache.get((ctx.query, max_tokens))
                if hit is not None:
                    ctx.graphql_document, self.hit = hit, True
                else:
                    try:
                        ctx.graphql_document = parse(ctx.query, max_tokens=max_tokens)
                    except GraphQLError:
                        pass  # strawberry parses again and reports the error
            yield

        def on_validate(self) -> Iterator[None]:
            ctx = self.execution_context
            if ctx.pre_execution_errors is None and ctx.graphql_document is not None:
                errors: list[GraphQLError] = []
                if not self.hit:
                    errors = _validate(ctx.schema._schema, ctx.graphql_document, rules)
                    if not errors and ctx.query:
                        cache.put((ctx.query, max_tokens), ctx.graphql_document)
                if not errors:
                    problem = check_operation(ctx, ctx.graphql_document, limits)
                    errors = [problem] if problem else []
                ctx.pre_execution_errors = errors
            yield

    return DocumentCache


def check_operation(
    ctx: ExecutionContext, document: DocumentNode, limits: Limits
) -> GraphQLError | None:
    """The first reason a valid document must not run with these variables, or None."""
    bad = nul_argument(document, ctx.variables)
    if bad is not None:
        return coded_error(
            f"{bad}: NUL bytes are not allowed in input", "BAD_USER_INPUT", argument=bad
        )
    role = getattr(ctx.context, "role", "")
    if role is None and not limits.public_introspection and uses_introspection(document):
        return coded_error(
            "introspection needs an API key here: send `Authorization: Bearer <key>` "
            "(or set RINGSCOPE_API_PUBLIC_INTROSPECTION=true)",
            "UNAUTHENTICATED",
        )
    schema = ctx.schema._schema
    cost = CostEstimator(schema, limits.max_page).estimate(
        document, ctx.operation_name, ctx.variables
    )
    if cost > limits.max_cost:
        metrics.COST_REFUSED.inc()
        return coded_error(
            f"query cost {cost} is over the limit of {limits.max_cost} (estimated rows: page "
            "sizes times nested lists, totalCount included; RINGSCOPE_API_MAX_COST); ask for "
            "smaller pages or fewer nested lists",
            "QUERY_TOO_EXPENSIVE",
            cost=cost,
            limit=limits.max_cost,
        )
    return None


def _validate(
    schema: Any, document: DocumentNode, rules: Sequence[type[ASTValidationRule]]
) -> list[GraphQLError]:
    return list(validate_document(schema, document, tuple(rules)))
