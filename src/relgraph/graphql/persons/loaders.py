"""Loaders of persons."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from strawberry.dataloader import DataLoader

from relgraph.domain.persons import persons
from relgraph.graphql.core.loaders import Loaders

if TYPE_CHECKING:
    from relgraph.db.models import Person

__all__ = ["person_by_id"]


def person_by_id(loaders: Loaders) -> DataLoader[int, Person | None]:
    """Keys: person ids. Values: the person, or None when the viewer may not see it (R1)."""

    async def fetch(session: Any, keys: list[int]) -> list[Person | None]:
        return await persons.get_many(session, viewer=loaders.viewer, ids=keys)

    return loaders.batch(fetch)
