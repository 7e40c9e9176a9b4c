"""Leaf fields without a resolver, and lists of objects made only of them, completed directly.

graphql-core runs every field through the same steps: a resolve-info object, argument values,
the resolver, then ``complete_value`` (awaitable, non-null, list, leaf, abstract and object
tests) and the scalar's output coercion; every list item goes through ``complete_value``,
``complete_object_value`` and ``execute_fields`` again. A field strawberry made from a plain
attribute (its "basic" field: no resolver, no arguments, no extensions) of a scalar type needs
two of those steps: read the attribute, coerce it. ``leaf_fast_context`` gives an execution
context class that does just that when the value is a plain ``str``, ``int``, ``float`` or
``bool`` (or null on a nullable field), for single fields, for objects made only of such fields,
and for plain lists of such objects (a ring's members: the GraphQL work of
``ring { members { id riskScore } }`` with 9 members went from ~175 to ~95 us). Anything else (a
null on a non-null field, a value the scalar refuses, an attribute that raises, an enum, a
``__typename``, ``@stream``/``@defer``) goes the standard way, which reads the attributes again
and reports as graphql-core always has; ``tests/api/test_fastpath.py`` holds the two to the same
answers.
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


_FALLBACK = object()


def _complete(plan: Plan, source: Any) -> Any:
    """The completed value of a planned field, or ``_FALLBACK`` for the standard path."""
    resolve, coerce, non_null = plan
    try:
        value = resolve(source, None)
        if value is None:
            return _FALLBACK if non_null else None
        out = coerce(value) if type(value) in _PLAIN else None
    except Exception:  # noqa: BLE001 - the standard path resolves it again and reports it
        return _FALLBACK
    return _FALLBACK if out is None or out is Undefined else out


def leaf_fast_context(base: type[Any]) -> type[Any]:
    """A subclass of the execution context class ``base`` with the one-step leaf fields."""
    plans: dict[tuple[str, str], Plan | None] = {}

    class LeafFastContext(base):  # type: ignore[misc]
        def _plan(self, parent_type: GraphQLObjectType, node: Any) -> Plan | None:
            key = (parent_type.name, node.name.value)
            try:
                return plans[key]
            except KeyError:
                field = self.schema.get_field(parent_type, key[1])
                plan = plans[key] = None if field is None else basic_leaf_plan(field)
                return plan

        def execute_fields(
            self,
            parent_type: GraphQLObjectType,
            source_value: Any,
            path: Any,
            grouped_field_set: Any,
            position_context: Any,
        ) -> Any:
            """An object of only one-step leaves (a list item, mostly) in one loop, else as
            graphql-core does it."""
            if self.middleware_manager is None:
                results: dict[str, Any] = {}
                for name, field_details_list in grouped_field_set.items():
                    node = field_details_list[0].node
                    plan = None if node.arguments else self._plan(parent_type, node)
                    if plan is None:
                        break
                    value = _complete(plan, source_value)
                    if value is _FALLBACK:
                        break
                    results[name] = value
                else:
                    return results
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )

        def complete_list_value(
            self,
            return_type: Any,
            field_details_list: Any,
            info: Any,
            path: Any,
            result: Any,
            position_context: Any,
        ) -> Any:
            """A plain list of objects of only one-step leaves (a ring's members) in one loop;
            anything else, or any item the loop cannot finish, as graphql-core does it."""
            if type(result) is list and self.middleware_manager is None:
                rows = self._leaf_rows(return_type.of_type, field_details_list, info, path, result)
                if rows is not None:
                    return rows
            return super().complete_list_value(
                return_type, field_details_list, info, path, result, position_context
            )

        def _leaf_rows(
            self, item_type: Any, field_details_list: Any, info: Any, path: Any, items: list[Any]
        ) -> list[dict[str, Any]] | None:
            named = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
            if not isinstance(named, GraphQLObjectType):
                return None
            if self.get_stream_usage(field_details_list, path) is not None:
                return None
            collected = self.collect_subfields(named, field_details_list)
            if collected.new_defer_usages:
                return None
            fields: list[tuple[str, Plan]] = []
            for name, details in collected.grouped_field_set.items():
                node = details[0].node
                plan = None if node.arguments else self._plan(named, node)
                if plan is None:
                    return None
                fields.append((name, plan))
            type_of = named.is_type_of
            rows: list[dict[str, Any]] = []
            for item in items:
                if type_of is not None and type_of(item, info) is not True:
                    return None
                row: dict[str, Any] = {}
                for name, plan in fields:
                    value = _complete(plan, item)
                    if value is _FALLBACK:
                        return None
                    row[name] = value
                rows.append(row)
            return rows

        def execute_field(
            self,
            parent_type: GraphQLObjectType,
            source: Any,
            field_details_list: Any,
            path: Any,
            position_context: Any,
        ) -> Any:
            node = field_details_list[0].node
            if not node.arguments and self.middleware_manager is None:
                plan = self._plan(parent_type, node)
                if plan is not None:
                    value = _complete(plan, source)
                    if value is not _FALLBACK:
                        return value
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )

    return LeafFastContext
