"""Checks on a valid document before it runs: estimated cost, NUL bytes, introspection.

The cost is the number of rows a query may read, estimated from the document and its variables
before anything executes. A connection reads its page (``first``, or the argument's default,
capped at the page limit); ``totalCount`` counts as a full page of ``COUNT_COST`` rows, since it
scans; a list of objects counts ``LIST_ESTIMATE`` rows per parent, or the enclosing field's
``limit`` (subgraphs); any other object field counts one row per parent. Nested selections
multiply, and every alias counts on its own:
``rings(first: 100) { edges { node { members { id } } } }`` costs 100 + 100 x 20 = 2,100.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    NamedTypeNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableNode,
    Visitor,
    get_named_type,
    get_operation_ast,
    value_from_ast_untyped,
    visit,
)

LIST_ESTIMATE = 20
COST_ARGUMENTS = ("first", "limit")  # the only arguments the estimate reads
COUNT_COST = 100
_MAX_FRAGMENT_DEPTH = 32
_Composite = GraphQLObjectType | GraphQLInterfaceType


def coded_error(message: str, code: str, **extra: object) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **extra})


class CostEstimator:
    """Rows one operation may read; see the module docstring for the rules."""

    def __init__(self, schema: GraphQLSchema, max_page: int) -> None:
        self.schema = schema
        self.max_page = max_page

    def estimate(
        self,
        document: DocumentNode,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
    ) -> int:
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            return 0
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return 0
        walk = _Walk(self, document, _with_defaults(operation, variables))
        return walk.selections(root, operation.selection_set, 1, 0, None, 0)


class _Walk:
    def __init__(
        self, est: CostEstimator, document: DocumentNode, variables: dict[str, Any]
    ) -> None:
        self.est = est
        self.variables = variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def selections(
        self,
        parent: _Composite,
        selection_set: SelectionSetNode | None,
        mult: int,
        page: int,
        limit: int | None,
        depth: int,
    ) -> int:
        if selection_set is None or depth > _MAX_FRAGMENT_DEPTH:
            return 0
        total = 0
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                total += self.field(parent, sel, mult, page, limit, depth)
                continue
            condition: NamedTypeNode | None
            if isinstance(sel, FragmentSpreadNode):
                fragment = self.fragments.get(sel.name.value)
                if fragment is None:
                    continue
                condition, inner = fragment.type_condition, fragment.selection_set
            elif isinstance(sel, InlineFragmentNode):
                condition, inner = sel.type_condition, sel.selection_set
            else:
                continue
            target = self.est.schema.get_type(condition.name.value) if condition else parent
            if isinstance(target, _Composite):
                total += self.selections(target, inner, mult, page, limit, depth + 1)
        return total

    def field(
        self,
        parent: _Composite,
        node: FieldNode,
        mult: int,
        page: int,
        limit: int | None,
        depth: int,
    ) -> int:
        definition = parent.fields.get(node.name.value)
        if definition is None:
            return 0  # __typename and introspection
        named = get_named_type(definition.type)
        if not isinstance(named, _Composite):
            if _is_connection(parent) and node.name.value == "totalCount":
                return mult * COUNT_COST
            return 0
        sub = node.selection_set
        if _is_connection(named):
            first = self.int_arg(node, definition, COST_ARGUMENTS[0])
            n = max(0, min(first if first is not None else self.est.max_page, self.est.max_page))
            return mult * n + self.selections(named, sub, mult, n, None, depth + 1)
        if _is_connection(parent):  # edges repeat per page row; pageInfo is free
            rows = mult * page if node.name.value == "edges" else mult
            return self.selections(named, sub, rows, page, None, depth + 1)
        if _is_edge(parent):  # the connection already counted its rows
            return self.selections(named, sub, mult, page, None, depth + 1)
        own_limit = self.int_arg(node, definition, COST_ARGUMENTS[1])
        if _is_list(definition):
            n = max(0, limit) if limit is not None else LIST_ESTIMATE
            return mult * n + self.selections(named, sub, mult * n, 0, own_limit, depth + 1)
        return mult + self.selections(named, sub, mult, 0, own_limit, depth + 1)

    def int_arg(self, node: FieldNode, definition: GraphQLField, name: str) -> int | None:
        value: Any = None
        given = next((a for a in node.arguments or () if a.name.value == name), None)
        if given is not None:
            value = value_from_ast_untyped(given.value, self.variables)
        if not _is_int(value) and name in definition.args:  # omitted: the argument's default
            value = definition.args[name].default_value
        return value if _is_int(value) else None


def _with_defaults(
    operation: OperationDefinitionNode, variables: Mapping[str, Any] | None
) -> dict[str, Any]:
    values = dict(variables or {})
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name not in values and definition.default_value is not None:
            values[name] = value_from_ast_untyped(definition.default_value)
    return values


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_connection(t: Any) -> bool:
    return isinstance(t, _Composite) and t.name.endswith("Connection") and "edges" in t.fields


def _is_edge(t: Any) -> bool:
    return isinstance(t, _Composite) and t.name.endswith("Edge") and "node" in t.fields


def _is_list(definition: GraphQLField) -> bool:
    t = definition.type
    return isinstance(t.of_type if isinstance(t, GraphQLNonNull) else t, GraphQLList)


# --- NUL bytes and introspection -----------------------------------------------------------
def nul_variable(variables: Mapping[str, Any] | None) -> str | None:
    """The ``$variable`` whose value holds a NUL byte, if any."""
    for name, value in (variables or {}).items():
        if _value_has_nul(value):
            return f"${name}"
    return None


def literal_nul_argument(document: DocumentNode) -> str | None:
    """The argument whose literal text in the document holds a NUL byte, if any."""
    finder = _NulFinder()
    visit(document, finder)
    return finder.found


def nul_argument(document: DocumentNode, variables: Mapping[str, Any] | None) -> str | None:
    """The argument (or ``$variable``) whose text holds a NUL byte, if any."""
    return nul_variable(variables) or literal_nul_argument(document)


def _value_has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_value_has_nul(k) or _value_has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_value_has_nul(v) for v in value)
    return False


def _literal_has_nul(node: ValueNode) -> bool:
    if isinstance(node, StringValueNode):
        return "\x00" in node.value
    if isinstance(node, ListValueNode):
        return any(_literal_has_nul(v) for v in node.values)
    if isinstance(node, ObjectValueNode):
        return any(_literal_has_nul(f.value) for f in node.fields)
    return False


class _NulFinder(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: str | None = None

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        if self.found is None and _literal_has_nul(node.value):
            self.found = node.name.value


class _IntrospectionFinder(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        if node.name.value in ("__schema", "__type"):
            self.found = True


class _CostVariables(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        if node.name.value in COST_ARGUMENTS:
            self.names.update(_variables_in(node.value))


def _variables_in(node: ValueNode) -> list[str]:
    if isinstance(node, VariableNode):
        return [node.name.value]
    if isinstance(node, ListValueNode):
        return [n for v in node.values for n in _variables_in(v)]
    if isinstance(node, ObjectValueNode):
        return [n for f in node.fields for n in _variables_in(f.value)]
    return []


def cost_variables(document: DocumentNode) -> tuple[str, ...]:
    """The variables whose values the cost reads: those inside ``first:`` or ``limit:``."""
    finder = _CostVariables()
    visit(document, finder)
    return tuple(sorted(finder.names))


def uses_introspection(document: DocumentNode) -> bool:
    finder = _IntrospectionFinder()
    visit(document, finder)
    return finder.found
