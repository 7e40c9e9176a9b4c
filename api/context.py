"""Per-request context: the caller's role, the stores, and one set of DataLoaders per request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
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


@dataclass
class Loaders:
    """Batch every lookup of one request into one query per kind: nothing is N+1."""

    account: DataLoader[str, AccountView | None]
    transaction: DataLoader[str, TransactionRecord | None]
    account_links: DataLoader[str, list[LinkView]]
    account_rings: DataLoader[str, list[RingView]]
    ring: DataLoader[str, RingView | None]
    ring_members: DataLoader[str, list[RingMemberView]]
    ring_victims: DataLoader[str, list[RingMemberView]]
    ring_versions: DataLoader[str, list[RingVersionView]]
    verdicts: DataLoader[str, list[VerdictView]]

    @classmethod
    def build(cls, store: InvestigationStore) -> Loaders:
        ring_members = _loader(store.ring_members)

        async def rings(keys: list[str]) -> list[RingView | None]:
            """Rings with their members in one query; the members loader is primed with them."""
            found = await store.rings_with_members(keys)
            for key, item in zip(keys, found, strict=True):
                if item is not None:
                    ring_members.prime(key, item[1])
            return [None if item is None else item[0] for item in found]

        return cls(
            account=_loader(store.accounts),
            transaction=_loader(store.transactions),
            account_links=_loader(store.account_links),
            account_rings=_loader(store.account_rings),
            ring=DataLoader(load_fn=rings),
            ring_members=ring_members,
            ring_versions=_loader(store.ring_versions),
            verdicts=_loader(store.verdicts),
            ring_victims=_loader(store.ring_victims),
        )


@dataclass
class Context:
    store: InvestigationStore
    services: Services
    role: str | None
    principal: str
    max_page: int = 100
    max_nodes: int = 2000
    loaders: Loaders = field(init=False)
    request: Any = None
    response: Any = None
    connection_params: Any = None
    token: str | None = None

    def __post_init__(self) -> None:
        self.loaders = Loaders.build(self.store)

    def require(self, role: str) -> None:
        """Raise unless the caller holds ``role`` or a stronger one."""
        if self.role is None:
            raise UnauthenticatedError(
                "an API key is required: send `Authorization: Bearer <key>` "
                "(create one with `ringscope keys create --role viewer`)"
            )
        if ROLES.index(self.role) < ROLES.index(role):
            raise ForbiddenError(f"this needs the {role} role; your key has {self.role}")
