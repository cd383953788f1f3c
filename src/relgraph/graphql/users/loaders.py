"""Loaders of staff users."""

from __future__ import annotations

from typing import TYPE_CHECKING

from strawberry.dataloader import DataLoader

from relgraph.domain import users
from relgraph.graphql.core.loaders import Loaders

if TYPE_CHECKING:
    from relgraph.db.models import User

__all__ = ["user_by_id"]


def user_by_id(loaders: Loaders) -> DataLoader[int, User | None]:
    return loaders.batch(users.get_many)
