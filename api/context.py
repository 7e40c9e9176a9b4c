"""Per-request context: the caller's role, the stores, and one set of DataLoaders per request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from api.errors import ForbiddenError, UnauthenticatedError
from api.keys import ROLES
from api.services import Services
from core.investigation import (
    AccountView,
    InvestigationStore,
    LinkView,
    RingMemberView,
    RingVersionView,
    RingView,
    VerdictView,
)
from core.transactions import TransactionRecord

K = TypeVar("K")
V = TypeVar("V")


def _loader(fn: Callable[[Sequence[str]], Awaitable[list[V]]]) -> DataLoader[str, V]:
    async def load(keys: list[str]) -> list[V]:
        return await fn(keys)

    return DataLoader(load_fn=load)


class Loaders:
    """Batch every lookup of one request into one query per kind: nothing is N+1.

    Each loader is made on first use: a request builds only the loaders its fields need.
    """

    def __init__(self, store: InvestigationStore) -> None:
        self.store = store

    @cached_property
    def account(self) -> DataLoader[str, AccountView | None]:
        return _loader(self.store.accounts)

    @cached_property
    def transaction(self) -> DataLoader[str, TransactionRecord | None]:
        return _loader(self.store.transactions)

    @cached_property
    def account_links(self) -> DataLoader[str, list[LinkView]]:
        return _loader(self.store.account_links)

    @cached_property
    def account_rings(self) -> DataLoader[str, list[RingView]]:
        return _loader(self.store.account_rings)

    @cached_property
    def ring(self) -> DataLoader[str, RingView | None]:
        store = self.store

        async def rings(keys: list[str]) -> list[RingView | None]:
            """Rings with their members in one query; the members loader is primed with them."""
            found = await store.rings_with_members(keys)
            for key, item in zip(keys, found, strict=True):
                if item is not None:
                    self.ring_members.prime(key, item[1])
            return [None if item is None else item[0] for item in found]

        return DataLoader(load_fn=rings)

    @cached_property
    def ring_members(self) -> DataLoader[str, list[RingMemberView]]:
        return _loader(self.store.ring_members)

    @cached_property
    def ring_victims(self) -> DataLoader[str, list[RingMemberView]]:
        return _loader(self.store.ring_victims)

    @cached_property
    def ring_versions(self) -> DataLoader[str, list[RingVersionView]]:
        return _loader(self.store.ring_versions)

    @cached_property
    def verdicts(self) -> DataLoader[str, list[VerdictView]]:
        return _loader(self.store.verdicts)


@dataclass
class Context:
    store: InvestigationStore
    services: Services
    role: str | None
    principal: str
    max_page: int = 100
    max_nodes: int = 2000
    request: Any = None
    response: Any = None
    connection_params: Any = None
    token: str | None = None

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.store)

    def require(self, role: str) -> None:
        """Raise unless the caller holds ``role`` or a stronger one."""
        if self.role is None:
            raise UnauthenticatedError(
                "an API key is required: send `Authorization: Bearer <key>` "
                "(create one with `ringscope keys create --role viewer`)"
            )
        if ROLES.index(self.role) < ROLES.index(role):
            raise ForbiddenError(f"this needs the {role} role; your key has {self.role}")
