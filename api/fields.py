"""Strawberry's field decorators with a description, typed for ``mypy --strict``.

``strawberry.field(description=...)`` matches the overload meant for ``x: int =
strawberry.field(...)``, which returns ``Any``, so mypy calls every method it decorates untyped
(strawberry-graphql/strawberry#1929). These return the very same decorator, typed as one; the
schema they build is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from strawberry.types.field import StrawberryField

Decorator = Callable[[Callable[..., Any]], StrawberryField]


def described_field(description: str) -> Decorator:
    decorator: Decorator = strawberry.field(description=description)
    return decorator


def described_mutation(description: str) -> Decorator:
    decorator: Decorator = strawberry.mutation(description=description)
    return decorator


def described_subscription(description: str) -> Decorator:
    decorator: Decorator = strawberry.subscription(description=description)
    return decorator
