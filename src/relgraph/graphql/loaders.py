"""Per-request DataLoaders: every lookup of a related row goes through one of these.

A loader batches the keys asked for in one tick of the event loop into one domain
query, so the statement count of a request follows the shape of the query, not the
number of rows. Loaders are named <Target>By<Key>; they live as long as the request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from strawberry.dataloader import DataLoader

from relgraph.db.pagination import Page
from relgraph.domain import (
    activities,
    addresses,
    audit_trail,
    bank_accounts,
    contact_means,
    documents,
    groups,
    hierarchy,
    internal_relations,
    memberships,
    notes,
    organisations,
    parties,
    party_types,
    persons,
    relation_types,
    relations,
    timeline,
    users,
)

if TYPE_CHECKING:
    from relgraph.db.models import Address, Membership, Organisation, Person, User
    from relgraph.graphql.context import Context

__all__ = ["Loaders", "grouped"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


async def grouped(
    keys: Sequence[tuple[Any, ...]],
    fetch: Callable[[list[Any], tuple[Any, ...]], Awaitable[dict[Any, V]]],
) -> list[V]:
    """Batch keys of the form (id, *arguments): one fetch per distinct set of arguments.

    Sibling fields with the same arguments (the common case: every subsidiary asks
    `memberships(first: 20)`) share one query.
    """
    by_arguments: dict[tuple[Any, ...], list[Any]] = {}
    for key in keys:
        by_arguments.setdefault(key[1:], []).append(key[0])
    results: dict[tuple[Any, ...], V] = {}
    for arguments, ids in by_arguments.items():
        found = await fetch(list(dict.fromkeys(ids)), arguments)
        for id_ in ids:
            results[(id_, *arguments)] = found[id_]
    return [results[key] for key in keys]


class Loaders:
    """The loaders of one request, created on first use."""

    def __init__(self, context: Context) -> None:
        self.context = context

    def _loader(self, fn: Callable[..., Awaitable[list[Any]]], *args: Any) -> DataLoader[Any, Any]:
        async def load(keys: list[Any]) -> list[Any]:
            return await self.context.read(fn, *args, keys)

        return DataLoader(load_fn=load)

    @cached_property
    def organisation_by_id(self) -> DataLoader[int, Organisation | None]:
        return self._loader(organisations.get_many)

    @cached_property
    def person_by_id(self) -> DataLoader[int, Person | None]:
        async def fetch(session: Any, keys: list[int]) -> list[Person | None]:
            return await persons.get_many(session, viewer=self.context.viewer, ids=keys)

        return self._loader(fetch)

    @cached_property
    def user_by_id(self) -> DataLoader[int, User | None]:
        return self._loader(users.get_many)

    @cached_property
    def addresses_by_party(self) -> DataLoader[int, list[Address]]:
        """Every address of a party, INVOICE ones too; the fields apply R4."""
        return self._loader(addresses.list_for_parties)

    @cached_property
    def address_by_id(self) -> DataLoader[int, Address | None]:
        async def fetch(session: Any, keys: list[int]) -> list[Address | None]:
            return await addresses.get_many(session, viewer=self.context.viewer, ids=keys)

        return self._loader(fetch)

    def _grouped(self, fetch: Callable[..., Awaitable[dict[Any, Any]]]) -> DataLoader[Any, Any]:
        """A loader whose keys are (id, *arguments), batched per distinct arguments."""

        async def load(keys: list[tuple[Any, ...]]) -> list[Any]:
            async def fetch_group(ids: list[Any], arguments: tuple[Any, ...]) -> dict[Any, Any]:
                return await self.context.read(fetch, ids, *arguments)

            return await grouped(keys, fetch_group)

        return DataLoader(load_fn=load)

    @cached_property
    def ancestors_by_organisation(self) -> DataLoader[int, list[Organisation]]:
        return self._loader(hierarchy.ancestors_of)

    @cached_property
    def subsidiaries_page(self) -> DataLoader[tuple[Any, ...], Page[Organisation]]:
        """Keys: (parent id, include_archived, PageRequest)."""

        async def fetch(session: Any, ids: list[int], include_archived: bool, page: Any) -> dict[Any, Any]:
            return await hierarchy.subsidiaries_of(session, ids, include_archived=include_archived, page=page)

        return self._grouped(fetch)

    @cached_property
    def subsidiaries_count(self) -> DataLoader[tuple[Any, ...], int]:
        """Keys: (parent id, include_archived)."""

        async def fetch(session: Any, ids: list[int], include_archived: bool) -> dict[Any, Any]:
            return await hierarchy.count_subsidiaries(session, ids, include_archived=include_archived)

        return self._grouped(fetch)

    @cached_property
    def descendants_page(self) -> DataLoader[tuple[Any, ...], Page[tuple[Organisation, int]]]:
        """Keys: (root id, max_depth, include_archived, PageRequest)."""

        async def fetch(
            session: Any, ids: list[int], max_depth: int, include_archived: bool, page: Any
        ) -> dict[Any, Any]:
            return await hierarchy.descendants_of(
                session, ids, max_depth=max_depth, include_archived=include_archived, page=page
            )

        return self._grouped(fetch)

    @cached_property
    def descendants_count(self) -> DataLoader[tuple[Any, ...], int]:
        """Keys: (root id, max_depth, include_archived)."""

        async def fetch(
            session: Any, ids: list[int], max_depth: int, include_archived: bool
        ) -> dict[Any, Any]:
            return await hierarchy.count_descendants(
                session, ids, max_depth=max_depth, include_archived=include_archived
            )

        return self._grouped(fetch)

    @cached_property
    def memberships_page(self) -> DataLoader[tuple[Any, ...], Page[Membership]]:
        """Keys: (organisation or person id, "organisation" | "person", MembershipFilter, PageRequest)."""

        async def fetch(session: Any, ids: list[int], by: str, flt: Any, page: Any) -> dict[Any, Any]:
            return await memberships.list_for(session, ids, by=by, flt=flt, page=page)

        return self._grouped(fetch)

    @cached_property
    def memberships_count(self) -> DataLoader[tuple[Any, ...], int]:
        """Keys: (organisation or person id, "organisation" | "person", MembershipFilter)."""

        async def fetch(session: Any, ids: list[int], by: str, flt: Any) -> dict[Any, Any]:
            return await memberships.count_for(session, ids, by=by, flt=flt)

        return self._grouped(fetch)

    @cached_property
    def membership_by_id(self) -> DataLoader[int, Membership | None]:
        return self._loader(memberships.get_many)

    @cached_property
    def tags_by_membership(self) -> DataLoader[int, list[str]]:
        return self._loader(memberships.tags_of)

    @cached_property
    def is_business_relation(self) -> DataLoader[int, bool]:
        return self._loader(memberships.has_memberships)

    @cached_property
    def party_kind_by_id(self) -> DataLoader[int, str | None]:
        return self._loader(parties.kinds_of)

    @cached_property
    def relation_type_by_id(self) -> DataLoader[int, Any]:
        return self._loader(relation_types.get_many)

    @cached_property
    def relation_by_id(self) -> DataLoader[int, Any]:
        async def fetch(session: Any, keys: list[int]) -> list[Any]:
            return await relations.get_many(session, viewer=self.context.viewer, ids=keys)

        return self._loader(fetch)

    @cached_property
    def relations_page(self) -> DataLoader[tuple[Any, ...], Page[Any]]:
        """Keys: (party id, RelationFilter, PageRequest)."""

        async def fetch(session: Any, ids: list[int], flt: Any, page: Any) -> dict[Any, Any]:
            return await relations.list_for(session, ids, viewer=self.context.viewer, flt=flt, page=page)

        return self._grouped(fetch)

    @cached_property
    def relations_count(self) -> DataLoader[tuple[Any, ...], int]:
        """Keys: (party id, RelationFilter)."""

        async def fetch(session: Any, ids: list[int], flt: Any) -> dict[Any, Any]:
            return await relations.count_for(session, ids, viewer=self.context.viewer, flt=flt)

        return self._grouped(fetch)

    @cached_property
    def category_by_id(self) -> DataLoader[int, Any]:
        return self._loader(internal_relations.get_categories)

    @cached_property
    def internal_relation_by_id(self) -> DataLoader[int, Any]:
        async def fetch(session: Any, keys: list[int]) -> list[Any]:
            return await internal_relations.get_many(session, viewer=self.context.viewer, ids=keys)

        return self._loader(fetch)

    @cached_property
    def party_type_by_id(self) -> DataLoader[int, Any]:
        return self._loader(party_types.get_many)

    @cached_property
    def internal_relations_page(self) -> DataLoader[tuple[Any, ...], Page[Any]]:
        """Keys: (party or user id, "party" | "user", InternalRelationFilter, PageRequest)."""

        async def fetch(session: Any, ids: list[int], by: str, flt: Any, page: Any) -> dict[Any, Any]:
            return await internal_relations.list_for(
                session, ids, by=by, viewer=self.context.viewer, flt=flt, page=page
            )

        return self._grouped(fetch)

    @cached_property
    def internal_relations_count(self) -> DataLoader[tuple[Any, ...], int]:
        """Keys: (party or user id, "party" | "user", InternalRelationFilter)."""

        async def fetch(session: Any, ids: list[int], by: str, flt: Any) -> dict[Any, Any]:
            return await internal_relations.count_for(
                session, ids, by=by, viewer=self.context.viewer, flt=flt
            )

        return self._grouped(fetch)

    @cached_property
    def account_managers_by_party(self) -> DataLoader[int, list[User]]:
        return self._loader(internal_relations.account_managers_of)

    @cached_property
    def party_types_by_party(self) -> DataLoader[int, list[Any]]:
        return self._loader(party_types.types_of)

    def typed_data_by_party(self, code: str) -> DataLoader[int, Any]:
        """The CUSTOMER / SUPPLIER / EMPLOYEE data of parties, one loader per type."""
        loader = self._typed_data.get(code)
        if loader is None:
            loader = self._typed_data[code] = self._loader(party_types.data_of, code)
        return loader

    @cached_property
    def _typed_data(self) -> dict[str, DataLoader[int, Any]]:
        return {}

    @cached_property
    def documents_page(self) -> DataLoader[tuple[Any, ...], Page[Any]]:
        """Keys: (party id, PageRequest)."""

        async def fetch(session: Any, ids: list[int], page: Any) -> dict[Any, Any]:
            return await documents.list_for(session, ids, viewer=self.context.viewer, page=page)

        return self._grouped(fetch)

    @cached_property
    def documents_count(self) -> DataLoader[tuple[Any, ...], int]:
        """Keys: (party id,)."""

        async def fetch(session: Any, ids: list[int]) -> dict[Any, Any]:
            return await documents.count_for(session, ids, viewer=self.context.viewer)

        return self._grouped(fetch)

    @cached_property
    def document_by_id(self) -> DataLoader[int, Any]:
        async def fetch(session: Any, keys: list[int]) -> list[Any]:
            return await documents.get_visible(session, viewer=self.context.viewer, ids=keys)

        return self._loader(fetch)

    @cached_property
    def contact_means_by_party(self) -> DataLoader[int, list[Any]]:
        """Every contact mean of a party, inactive ones too; the fields filter them."""
        return self._loader(contact_means.list_for_parties)

    @cached_property
    def contact_mean_by_id(self) -> DataLoader[int, Any]:
        async def fetch(session: Any, keys: list[int]) -> list[Any]:
            return await contact_means.get_many(session, viewer=self.context.viewer, ids=keys)

        return self._loader(fetch)

    @cached_property
    def bank_accounts_by_party(self) -> DataLoader[int, list[Any]]:
        """Every bank account of a party; callers check FINANCE first (R4)."""
        return self._loader(bank_accounts.list_for_parties)

    @cached_property
    def bank_account_by_id(self) -> DataLoader[int, Any]:
        async def fetch(session: Any, keys: list[int]) -> list[Any]:
            return await bank_accounts.get_many(session, viewer=self.context.viewer, ids=keys)

        return self._loader(fetch)

    @cached_property
    def customer_group_by_id(self) -> DataLoader[int, Any]:
        return self._loader(groups.get_many)

    @cached_property
    def customer_groups_by_party(self) -> DataLoader[int, list[Any]]:
        return self._loader(groups.groups_of)

    @cached_property
    def group_members_page(self) -> DataLoader[tuple[Any, ...], Page[tuple[str, int]]]:
        """Keys: (group id, MemberFilter, PageRequest)."""

        async def fetch(session: Any, ids: list[int], flt: Any, page: Any) -> dict[Any, Any]:
            return await groups.members_of(session, ids, viewer=self.context.viewer, flt=flt, page=page)

        return self._grouped(fetch)

    @cached_property
    def group_members_count(self) -> DataLoader[tuple[Any, ...], int]:
        """Keys: (group id, MemberFilter)."""

        async def fetch(session: Any, ids: list[int], flt: Any) -> dict[Any, Any]:
            return await groups.count_members(session, ids, viewer=self.context.viewer, flt=flt)

        return self._grouped(fetch)

    @cached_property
    def note_by_id(self) -> DataLoader[int, Any]:
        async def fetch(session: Any, keys: list[int]) -> list[Any]:
            return await notes.get_many(session, viewer=self.context.viewer, ids=keys)

        return self._loader(fetch)

    @cached_property
    def notes_page(self) -> DataLoader[tuple[Any, ...], Page[Any]]:
        """Keys: (party id, kinds or None, PageRequest)."""

        async def fetch(session: Any, ids: list[int], kinds: Any, page: Any) -> dict[Any, Any]:
            return await notes.list_for(session, ids, viewer=self.context.viewer, kinds=kinds, page=page)

        return self._grouped(fetch)

    @cached_property
    def notes_count(self) -> DataLoader[tuple[Any, ...], int]:
        """Keys: (party id, kinds or None)."""

        async def fetch(session: Any, ids: list[int], kinds: Any) -> dict[Any, Any]:
            return await notes.count_for(session, ids, viewer=self.context.viewer, kinds=kinds)

        return self._grouped(fetch)

    @cached_property
    def activity_by_id(self) -> DataLoader[int, Any]:
        async def fetch(session: Any, keys: list[int]) -> list[Any]:
            return await activities.get_many(session, viewer=self.context.viewer, ids=keys)

        return self._loader(fetch)

    @cached_property
    def activities_page(self) -> DataLoader[tuple[Any, ...], Page[Any]]:
        """Keys: (party or user id, "party" | "assignee", Status or None, PageRequest)."""

        async def fetch(session: Any, ids: list[int], by: str, status: Any, page: Any) -> dict[Any, Any]:
            return await activities.list_for(
                session, ids, by=by, viewer=self.context.viewer, status=status, page=page
            )

        return self._grouped(fetch)

    @cached_property
    def activities_count(self) -> DataLoader[tuple[Any, ...], int]:
        """Keys: (party or user id, "party" | "assignee", Status or None)."""

        async def fetch(session: Any, ids: list[int], by: str, status: Any) -> dict[Any, Any]:
            return await activities.count_for(session, ids, by=by, viewer=self.context.viewer, status=status)

        return self._grouped(fetch)

    @cached_property
    def audit_events_page(self) -> DataLoader[tuple[Any, ...], Page[Any]]:
        """Keys: (party id, PageRequest)."""

        async def fetch(session: Any, ids: list[int], page: Any) -> dict[Any, Any]:
            return await audit_trail.list_for(session, ids, viewer=self.context.viewer, page=page)

        return self._grouped(fetch)

    @cached_property
    def audit_events_count(self) -> DataLoader[tuple[Any, ...], int]:
        """Keys: (party id,)."""

        async def fetch(session: Any, ids: list[int]) -> dict[Any, Any]:
            return await audit_trail.count_for(session, ids, viewer=self.context.viewer)

        return self._grouped(fetch)

    @cached_property
    def timeline_page(self) -> DataLoader[tuple[Any, ...], Page[Any]]:
        """Keys: (party id, kinds, PageRequest)."""

        async def fetch(session: Any, ids: list[int], kinds: Any, page: Any) -> dict[Any, Any]:
            return await timeline.list_for(session, ids, viewer=self.context.viewer, kinds=kinds, page=page)

        return self._grouped(fetch)

    @cached_property
    def timeline_count(self) -> DataLoader[tuple[Any, ...], int]:
        """Keys: (party id, kinds)."""

        async def fetch(session: Any, ids: list[int], kinds: Any) -> dict[Any, Any]:
            return await timeline.count_for(session, ids, viewer=self.context.viewer, kinds=kinds)

        return self._grouped(fetch)
