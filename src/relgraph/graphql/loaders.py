"""Per-request DataLoaders: every lookup of a related row goes through one of these.

A loader batches the keys asked for in one tick of the event loop into one domain
query, so the statement count of a request follows the shape of the query, not the
number of rows. Loaders are named <Target>By<Key>; they live as long as the request.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from strawberry.dataloader import DataLoader

from relgraph.db.pagination import Page
from relgraph.domain import documents, parties, users
from relgraph.domain.memberships import memberships
from relgraph.domain.organisations import hierarchy, organisations
from relgraph.domain.party_data import addresses, bank_accounts, contact_means, groups, party_types
from relgraph.domain.persons import persons
from relgraph.domain.relations import internal_relations, relation_types, relations
from relgraph.graphql.history_loaders import HistoryLoaders
from relgraph.graphql.loader_base import grouped

if TYPE_CHECKING:
    from relgraph.db.models import Address, Membership, Organisation, Person, User

__all__ = ["Loaders", "grouped"]


class Loaders(HistoryLoaders):
    """The loaders of one request, created on first use."""

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
