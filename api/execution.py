"""Run one HTTP GraphQL operation: cached document, checks, graphql-core execution, coded errors.

strawberry's ``Schema.execute`` builds an execution context, a runner and a context manager per
extension hook, and a middleware manager for every request; with one extension (the document
cache) that machinery cost more than executing a small query. Over HTTP the steps are the same
and in the same order, done directly: the document from ``api.documents`` (parsed and validated
once per distinct text), the operation type allowed for the method, the checks of
``api.limits`` (cost, NUL bytes, introspection without a key), then graphql-core's executor
with strawberry's execution context class (leaf fields of plain attributes completed in one
step, ``api.fastpath``), and every error coded by the schema's
``process_errors``. A schema with other extensions or directives runs through strawberry.
"""

from __future__ import annotations

from collections.abc import Iterable
from inspect import isawaitable
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.execution import optimized_is_awaitable
from strawberry.schema._graphql_core import execute
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.utils.operation import get_operation_type

from api.documents import Documents, Prepared
from api.fastpath import leaf_fast_context


def direct_documents(schema: strawberry.Schema) -> Documents | None:
    """The schema's ``Documents`` when the document cache is its only extension, else None."""
    if schema.directives or len(schema.extensions) != 1:
        return None
    documents = getattr(schema.extensions[0], "documents_of", None)
    return documents if isinstance(documents, Documents) else None


class HTTPExecutor:
    """``execute`` gives what ``strawberry.Schema.execute`` gives for the same request."""

    def __init__(self, schema: strawberry.Schema, documents: Documents) -> None:
        self.schema = schema
        self.graphql_schema = schema._schema
        self.documents = documents
        # plain scalar attributes complete in one step (api.fastpath)
        self.executor_class = leaf_fast_context(schema.execution_context_class)

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None,
        context: Any,
        operation_name: str | None,
        allowed: Iterable[OperationType],
        extensions: dict[str, Any] | None,
    ) -> ExecutionResult:
        documents = self.documents
        prepared: Prepared | None = documents.lookup(query)
        if prepared is not None:
            document = prepared.document
        else:
            try:
                document = documents.parse(query)
            except GraphQLError as syntax:
                return self._failed([syntax])
        try:
            kind = get_operation_type(document, operation_name)
        except RuntimeError as missing:
            raise CannotGetOperationTypeError(operation_name) from missing
        if kind not in allowed:
            raise InvalidOperationTypeError(kind)
        if prepared is None:
            outcome = documents.validate(self.graphql_schema, document, query)
            if isinstance(outcome, list):
                return self._failed(outcome)
            prepared = outcome
        role = getattr(context, "role", "")
        problem = documents.check(self.graphql_schema, prepared, operation_name, variables, role)
        if problem is not None:
            return self._failed([problem])
        try:
            result: Any = execute(
                self.graphql_schema,
                document,
                context_value=context,
                variable_values=variables,
                operation_name=operation_name,
                is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
                executor_class=self.executor_class,
                operation_extensions=extensions,
            )
            if isawaitable(result):
                result = await result
        except Exception as exc:  # as strawberry: an error result, never a 500
            failed = (
                exc if isinstance(exc, GraphQLError) else GraphQLError(str(exc), original_error=exc)
            )
            return self._failed([failed])
        if result.errors:
            self.schema.process_errors(result.errors)
        return ExecutionResult(data=result.data, errors=result.errors)

    def _failed(self, errors: list[GraphQLError]) -> ExecutionResult:
        self.schema.process_errors(errors)
        return ExecutionResult(data=None, errors=errors)
