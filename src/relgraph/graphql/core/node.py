"""The Relay Node interface, `node` and `nodes`, and the registry of object types by name.

Each aggregate registers its object types here with the coroutine that loads one by
primary key. `node(id:)` finds Node objects through the registry, and so do the fields
that point from a lower aggregate to a type above it (an address's party, a membership's
person): they name the type, declare it with strawberry.lazy, and stay free of its module,
so that no module imports one that imports it back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Protocol

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types.base import get_object_definition

from relgraph.db.pagination import MAX_PAGE_SIZE
from relgraph.domain import parties
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.errors import PublicError
from relgraph.graphql.core.ids import decode_id
from relgraph.graphql.core.list_bounds import sized_by
from relgraph.graphql.core.loaders import Loaders

if TYPE_CHECKING:
    from relgraph.graphql.organisations.types import Organisation
    from relgraph.graphql.party_data.types.party import Party
    from relgraph.graphql.persons.types import Person
    from relgraph.graphql.users.types import User

__all__ = [
    "LazyOrganisation",
    "LazyParty",
    "LazyPerson",
    "LazyUser",
    "Node",
    "NodeQueries",
    "find",
    "from_row",
    "owning_party",
    "party_by_id",
    "party_kind_by_id",
    "party_or_none",
    "register_loaded",
    "register_type",
]

Resolve = Callable[[Info, int], Awaitable[Any]]

# The types that fields of lower aggregates point up to, declared by name and module: an
# import of those modules would run in a loop (they import the lower ones), so the names
# are resolved when the schema is built, and the objects are found through the registry.
LazyParty = Annotated["Party", strawberry.lazy("relgraph.graphql.party_data.types.party")]
LazyOrganisation = Annotated["Organisation", strawberry.lazy("relgraph.graphql.organisations.types")]
LazyPerson = Annotated["Person", strawberry.lazy("relgraph.graphql.persons.types")]
LazyUser = Annotated["User", strawberry.lazy("relgraph.graphql.users.types")]


@strawberry.interface(description="An object with a globally unique ID, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(
        description="Globally unique, opaque ID. Stable: store it, pass it to `node(id:)`."
    )


@dataclass(frozen=True)
class _Registered:
    graphql_type: Any
    resolve: Resolve


_TYPES: dict[str, _Registered] = {}


def register_type(graphql_type: type, resolve: Resolve) -> None:
    """Make objects of `graphql_type` reachable by its name; through `node(id:)` when it is a Node.

    `resolve(info, pk)` loads one through the request's loaders, None when the viewer may not
    see it.
    """
    _TYPES[get_object_definition(graphql_type, strict=True).name] = _Registered(graphql_type, resolve)


class _FromRow(Protocol):
    @classmethod
    def from_row(cls, row: Any) -> Any: ...


def register_loaded(graphql_type: type[_FromRow], by_id: Callable[[Loaders], DataLoader[int, Any]]) -> None:
    """register_type for a type whose loader `by_id` applies every rule: the row it finds, or None."""

    async def resolve(info: Info, pk: int) -> Any:
        row = await info.context.loaders[by_id].load(pk)
        return graphql_type.from_row(row) if row else None

    register_type(graphql_type, resolve)


def find(info: Info, type_name: str, pk: int) -> Awaitable[Any]:
    """Load the object of the registered type `type_name` with primary key `pk`; None when hidden."""
    return _TYPES[type_name].resolve(info, pk)


def from_row(type_name: str, row: Any) -> Any:
    """The object of the registered type `type_name` made from a row read already."""
    return _TYPES[type_name].graphql_type.from_row(row)


def party_kind_by_id(loaders: Loaders) -> DataLoader[int, str | None]:
    """Keys: party ids. Values: ORGANISATION, PERSON, or None when there is no such party."""
    return loaders.batch(parties.kinds_of)


def party_or_none(info: Info, kind: str | None, pk: int) -> Awaitable[Any]:
    """Load a party of `kind` through the loaders; persons obey the visibility rules."""
    return find(info, "Organisation" if kind == "ORGANISATION" else "Person", pk)


async def party_by_id(info: Info, pk: int) -> Any:
    """The party `pk`, whatever its kind (looked up through the loaders); None when hidden."""
    kind = await info.context.loaders[party_kind_by_id].load(pk)
    return await party_or_none(info, kind, pk)


def owning_party(description: str) -> Any:
    """A field of an object that belongs to a party (its `party_id`): that party, or null
    when the viewer may not see it."""

    # `self` by name, as users.types.staff_user does.
    async def resolve(self: Any, info: Info) -> LazyParty | None:
        return await party_by_id(info, self.party_id)

    return strawberry.field(resolver=resolve, description=description)


async def resolve_node(info: Info, global_id: str) -> Any:
    decoded = decode_id(global_id)
    registered = None if decoded is None else _TYPES.get(decoded[0])
    if decoded is None or registered is None or not issubclass(registered.graphql_type, Node):
        return None
    return await registered.resolve(info, decoded[1])


@strawberry.type
class NodeQueries:
    @strawberry.field(
        description=(
            "Fetch any object by its global ID. Null when the ID is unknown, malformed, or "
            "points to something you may not see."
        )
    )
    async def node(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="A global ID.")]
    ) -> Node | None:
        return await resolve_node(info, id)

    @strawberry.field(
        description="Fetch several objects by global ID at once; null in place of each one not found.",
        metadata=sized_by("ids", MAX_PAGE_SIZE),
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID], strawberry.argument(description=f"Up to {MAX_PAGE_SIZE} global IDs.")
        ],
    ) -> list[Node | None]:
        if len(ids) > MAX_PAGE_SIZE:
            raise PublicError(f"At most {MAX_PAGE_SIZE} IDs per call.", "BAD_USER_INPUT")
        # Gathered, so that the loaders batch the lookups into one query per type.
        return list(await asyncio.gather(*(resolve_node(info, i) for i in ids)))
