"""Leaf fields without a resolver, completed in one step on the HTTP path.

graphql-core runs every field through the same steps: a resolve-info object, argument values,
the resolver, then ``complete_value`` (an awaitable check, non-null, list, leaf, abstract and
object tests) and the scalar's output coercion. For a ring's member list that is a dozen field
executions per ring, and about a fifth of an API request's CPU. A field that strawberry made
from a plain attribute (its "basic" field: no resolver, no arguments, no extensions) of a scalar
type needs only two of those steps: read the attribute, coerce it. ``leaf_fast_context`` gives an
execution context class that does exactly that when the value is a plain ``str``, ``int``,
``float`` or ``bool`` (or null on a nullable field); anything else (a null on a non-null field, a
value the scalar refuses, an exception) goes the standard way, which reads the attribute again
and reports the error as graphql-core always has.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLNonNull, GraphQLObjectType, GraphQLScalarType, Undefined

_PLAIN = frozenset({str, int, float, bool})
Plan = tuple[Callable[..., Any], Callable[[Any], Any], bool]


def basic_leaf_plan(field: Any) -> Plan | None:
    """(resolver, coercion, non-null) of a strawberry basic field of a scalar type, else None."""
    resolve = getattr(field, "resolve", None)
    if (
        resolve is None
        or field.args
        or getattr(resolve, "__name__", "") != "_get_basic_result"
        or not getattr(resolve, "_is_default", False)
    ):
        return None
    kind = field.type
    non_null = isinstance(kind, GraphQLNonNull)
    named = kind.of_type if non_null else kind
    if not isinstance(named, GraphQLScalarType):
        return None
    return resolve, named.coerce_output_value, non_null


def leaf_fast_context(base: type[Any]) -> type[Any]:
    """A subclass of the execution context class ``base`` with the one-step leaf fields."""
    plans: dict[tuple[str, str], Plan | None] = {}

    class LeafFastContext(base):  # type: ignore[misc]
        def execute_field(
            self,
            parent_type: GraphQLObjectType,
            source: Any,
            field_details_list: Any,
            path: Any,
            position_context: Any,
        ) -> Any:
            node = field_details_list[0].node
            key = (parent_type.name, node.name.value)
            try:
                plan = plans[key]
            except KeyError:
                field = self.schema.get_field(parent_type, key[1])
                plan = plans[key] = None if field is None else basic_leaf_plan(field)
            if plan is not None and not node.arguments and self.middleware_manager is None:
                resolve, coerce, non_null = plan
                try:
                    value = resolve(source, None)
                    if value is None:
                        if not non_null:
                            return None
                    elif type(value) in _PLAIN:
                        out = coerce(value)
                        if out is not None and out is not Undefined:
                            return out
                except Exception:  # noqa: S110 - the standard path below reports it
                    pass
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )

    return LeafFastContext
