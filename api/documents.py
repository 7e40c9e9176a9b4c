"""Parse and validate each distinct GraphQL document once, with the depth and alias limits.

strawberry builds a new depth and alias rule class for every request when its limiters are
passed as factories, so nothing could be cached and validation alone took ~11 ms a request.
Here the rules are built once per schema, and a document's parse tree and validation errors
are kept in an LRU keyed by its text (and the token limit): the same query sent again costs
a dictionary lookup. Documents that fail to parse are not cached; strawberry reports them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Sequence
from threading import Lock
from typing import Any

from graphql import ASTValidationRule, DocumentNode, GraphQLError, parse, specified_rules
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.schema import validate_document

DEFAULT_SIZE = 512


class DocumentLRU:
    """A small thread-safe LRU from (query text, token limit) to (document, errors)."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, int], tuple[DocumentNode, list[GraphQLError]]] = (
            OrderedDict()
        )
        self._lock = Lock()

    def get(self, key: tuple[str, int]) -> tuple[DocumentNode, list[GraphQLError]] | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: tuple[str, int], item: tuple[DocumentNode, list[GraphQLError]]) -> None:
        with self._lock:
            self._items[key] = item
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def build_rules(
    max_depth: int, max_aliases: int, introspection: bool
) -> tuple[type[ASTValidationRule], ...]:
    rules: list[type[ASTValidationRule]] = [*specified_rules, depth_rule(max_depth, None, None),
                                            alias_rule(max_aliases)]  # fmt: skip
    if not introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    return tuple(rules)


def document_cache(
    max_depth: int, max_tokens: int, max_aliases: int, introspection: bool,
    size: int = DEFAULT_SIZE,
) -> type[SchemaExtension]:  # fmt: skip
    """A strawberry extension class sharing one cache and one rule set across requests."""
    rules = build_rules(max_depth, max_aliases, introspection)
    cache = DocumentLRU(size)

    class DocumentCache(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            self.execution_context.parse_options["max_tokens"] = max_tokens
            self.execution_context.validation_rules = rules
            yield

        def on_parse(self) -> Iterator[None]:
            ctx = self.execution_context
            if ctx.graphql_document is None and ctx.query:
                hit = cache.get((ctx.query, max_tokens))
                if hit is not None:
                    ctx.graphql_document, ctx.pre_execution_errors = hit[0], list(hit[1])
                else:
                    try:
                        ctx.graphql_document = parse(ctx.query, max_tokens=max_tokens)
                    except GraphQLError:
                        pass  # strawberry parses again and reports the error
            yield

        def on_validate(self) -> Iterator[None]:
            ctx = self.execution_context
            if ctx.pre_execution_errors is None and ctx.graphql_document is not None:
                errors = _validate(ctx.schema._schema, ctx.graphql_document, rules)
                ctx.pre_execution_errors = errors
                if ctx.query:
                    cache.put((ctx.query, max_tokens), (ctx.graphql_document, list(errors)))
            yield

    return DocumentCache


def _validate(schema: Any, document: DocumentNode,
              rules: Sequence[type[ASTValidationRule]]) -> list[GraphQLError]:  # fmt: skip
    return list(validate_document(schema, document, tuple(rules)))
