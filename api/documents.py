"""Parse, validate and study each distinct GraphQL document once, then check it before it runs.

strawberry builds a new depth and alias rule class for every request when its limiters are
passed as factories, so nothing could be cached and validation alone took ~11 ms a request.
Here the rules are built once per schema, and a document that parses (within the token limit)
and validates is kept in an LRU keyed by its text, together with what its checks need from the
document alone: a literal argument holding a NUL byte, introspection fields, and the variables
its cost reads (only those inside ``first:`` and ``limit:`` arguments). The same query sent
again costs a dictionary lookup. Documents that fail are never cached, so junk cannot fill the
cache. Every operation, cached or not, then passes the checks of ``api.limits`` (cost, NUL
bytes, introspection without a key) with the variables it came with; a cost is computed once
per document, operation and values of the variables it reads, and then looked up.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from threading import Lock
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    parse,
    specified_rules,
)
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.schema import validate_document

from api import metrics
from api.limits import (
    CostEstimator,
    coded_error,
    cost_variables,
    literal_nul_argument,
    nul_variable,
    uses_introspection,
)

DEFAULT_SIZE = 512
COSTS_PER_DOCUMENT = 256  # distinct (operation, cost-variable values) kept per document
_MISSING = object()


@dataclass(frozen=True)
class Limits:
    max_depth: int = 10
    max_tokens: int = 2000
    max_aliases: int = 30
    introspection: bool = True
    max_cost: int = 20_000
    max_page: int = 100
    public_introspection: bool = True


@dataclass
class Prepared:
    """A document that validated, and what its checks need from the document alone."""

    document: DocumentNode
    nul_literal: str | None
    introspection: bool
    cost_variables: tuple[str, ...]
    costs: dict[tuple[str | None, str], int] = field(default_factory=dict)

    @classmethod
    def of(cls, document: DocumentNode) -> Prepared:
        return cls(
            document,
            literal_nul_argument(document),
            uses_introspection(document),
            cost_variables(document),
        )


class DocumentLRU:
    """A small thread-safe LRU from (query text, token limit) to a prepared document."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, int], Prepared] = OrderedDict()
        self._lock = Lock()

    def get(self, key: tuple[str, int]) -> Prepared | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: tuple[str, int], item: Prepared) -> None:
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


class Documents:
    """The rules, the cache and the checks of one schema, shared by HTTP and WebSocket paths."""

    def __init__(self, limits: Limits, size: int = DEFAULT_SIZE) -> None:
        self.limits = limits
        self.rules = build_rules(limits.max_depth, limits.max_aliases, limits.introspection)
        self.cache = DocumentLRU(size)
        self._estimators: dict[int, CostEstimator] = {}

    def lookup(self, query: str) -> Prepared | None:
        return self.cache.get((query, self.limits.max_tokens))

    def parse(self, query: str) -> DocumentNode:
        """The document, within the token limit; a GraphQLError when it does not parse."""
        return parse(query, max_tokens=self.limits.max_tokens)

    def validate(
        self, schema: GraphQLSchema, document: DocumentNode, query: str | None
    ) -> Prepared | list[GraphQLError]:
        """Validate; a valid document is prepared and cached under its text."""
        errors = _validate(schema, document, self.rules)
        if errors:
            return errors
        prepared = Prepared.of(document)
        if query:
            self.cache.put((query, self.limits.max_tokens), prepared)
        return prepared

    def check(
        self,
        schema: GraphQLSchema,
        prepared: Prepared,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
        role: str | None | Any,
    ) -> GraphQLError | None:
        """The first reason a valid document must not run with these variables, or None."""
        limits = self.limits
        bad = nul_variable(variables) or prepared.nul_literal
        if bad is not None:
            return coded_error(
                f"{bad}: NUL bytes are not allowed in input", "BAD_USER_INPUT", argument=bad
            )
        if role is None and not limits.public_introspection and prepared.introspection:
            return coded_error(
                "introspection needs an API key here: send `Authorization: Bearer <key>` "
                "(or set RINGSCOPE_API_PUBLIC_INTROSPECTION=true)",
                "UNAUTHENTICATED",
            )
        cost = self.cost(schema, prepared, operation_name, variables)
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

    def cost(
        self,
        schema: GraphQLSchema,
        prepared: Prepared,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
    ) -> int:
        """The estimated cost, computed once per operation and values of the variables it reads."""
        values = variables or {}
        # repr tells 1 from 1.0 and True: equal keys mean equal inputs to the estimator
        key = (operation_name, repr([values.get(n, _MISSING) for n in prepared.cost_variables]))
        cost = prepared.costs.get(key)
        if cost is None:
            estimator = self._estimators.get(id(schema))
            if estimator is None:
                estimator = self._estimators[id(schema)] = CostEstimator(
                    schema, self.limits.max_page
                )
            cost = estimator.estimate(prepared.document, operation_name, variables)
            if len(prepared.costs) >= COSTS_PER_DOCUMENT:
                prepared.costs.clear()
            prepared.costs[key] = cost
        return cost


def document_cache(limits: Limits, size: int = DEFAULT_SIZE) -> type[SchemaExtension]:
    """A strawberry extension class sharing one ``Documents`` across requests."""
    documents = Documents(limits, size)
    max_tokens = limits.max_tokens

    class DocumentCache(SchemaExtension):
        documents_of = documents
        cache_of = documents.cache

        def on_operation(self) -> Iterator[None]:
            self.execution_context.parse_options["max_tokens"] = max_tokens
            self.execution_context.validation_rules = documents.rules
            self.prepared: Prepared | None = None
            yield

        def on_parse(self) -> Iterator[None]:
            ctx = self.execution_context
            if ctx.graphql_document is None and ctx.query:
                hit = documents.lookup(ctx.query)
                if hit is not None:
                    ctx.graphql_document, self.prepared = hit.document, hit
                else:
                    try:
                        ctx.graphql_document = documents.parse(ctx.query)
                    except GraphQLError:
                        pass  # strawberry parses again and reports the error
            yield

        def on_validate(self) -> Iterator[None]:
            ctx = self.execution_context
            if ctx.pre_execution_errors is None and ctx.graphql_document is not None:
                schema = ctx.schema._schema
                prepared = self.prepared
                if prepared is None:
                    outcome = documents.validate(schema, ctx.graphql_document, ctx.query)
                    if isinstance(outcome, list):
                        ctx.pre_execution_errors = outcome
                        yield
                        return
                    prepared = outcome
                role = getattr(ctx.context, "role", "")
                problem = documents.check(schema, prepared, ctx.operation_name, ctx.variables, role)
                ctx.pre_execution_errors = [problem] if problem else []
            yield

    return DocumentCache


def _validate(
    schema: Any, document: DocumentNode, rules: Sequence[type[ASTValidationRule]]
) -> list[GraphQLError]:
    return list(validate_document(schema, document, tuple(rules)))
