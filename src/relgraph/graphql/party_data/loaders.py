"""Loaders of what every party has: addresses, contact means, bank accounts, party types
and their data, customer groups."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from strawberry.dataloader import DataLoader

from relgraph.db.models.party_types import CUSTOMER, EMPLOYEE, SUPPLIER
from relgraph.db.pagination import Page
from relgraph.domain.party_data import addresses, bank_accounts, contact_means, groups, party_types
from relgraph.graphql.core.loaders import Loaders

if TYPE_CHECKING:
    from relgraph.db.models import Address

__all__ = [
    "address_by_id",
    "addresses_by_party",
    "bank_account_by_id",
    "bank_accounts_by_party",
    "contact_mean_by_id",
    "contact_means_by_party",
    "customer_data_by_party",
    "customer_group_by_id",
    "customer_groups_by_party",
    "employee_data_by_party",
    "group_members_count",
    "group_members_page",
    "party_type_by_id",
    "party_types_by_party",
    "supplier_data_by_party",
]


def addresses_by_party(loaders: Loaders) -> DataLoader[int, list[Address]]:
    """Every address of a party, INVOICE ones too; the fields apply R4."""
    return loaders.batch(addresses.list_for_parties)


def address_by_id(loaders: Loaders) -> DataLoader[int, Address | None]:
    async def fetch(session: Any, keys: list[int]) -> list[Address | None]:
        return await addresses.get_many(session, viewer=loaders.viewer, ids=keys)

    return loaders.batch(fetch)


def contact_means_by_party(loaders: Loaders) -> DataLoader[int, list[Any]]:
    """Every contact mean of a party, inactive ones too; the fields filter them."""
    return loaders.batch(contact_means.list_for_parties)


def contact_mean_by_id(loaders: Loaders) -> DataLoader[int, Any]:
    async def fetch(session: Any, keys: list[int]) -> list[Any]:
        return await contact_means.get_many(session, viewer=loaders.viewer, ids=keys)

    return loaders.batch(fetch)


def bank_accounts_by_party(loaders: Loaders) -> DataLoader[int, list[Any]]:
    """Every bank account of a party; callers check FINANCE first (R4)."""
    return loaders.batch(bank_accounts.list_for_parties)


def bank_account_by_id(loaders: Loaders) -> DataLoader[int, Any]:
    async def fetch(session: Any, keys: list[int]) -> list[Any]:
        return await bank_accounts.get_many(session, viewer=loaders.viewer, ids=keys)

    return loaders.batch(fetch)


def party_type_by_id(loaders: Loaders) -> DataLoader[int, Any]:
    return loaders.batch(party_types.get_many)


def party_types_by_party(loaders: Loaders) -> DataLoader[int, list[Any]]:
    return loaders.batch(party_types.types_of)


# The type-specific data of parties, one loader per type.
def customer_data_by_party(loaders: Loaders) -> DataLoader[int, Any]:
    return loaders.batch(party_types.data_of, CUSTOMER)


def supplier_data_by_party(loaders: Loaders) -> DataLoader[int, Any]:
    return loaders.batch(party_types.data_of, SUPPLIER)


def employee_data_by_party(loaders: Loaders) -> DataLoader[int, Any]:
    return loaders.batch(party_types.data_of, EMPLOYEE)


def customer_group_by_id(loaders: Loaders) -> DataLoader[int, Any]:
    return loaders.batch(groups.get_many)


def customer_groups_by_party(loaders: Loaders) -> DataLoader[int, list[Any]]:
    return loaders.batch(groups.groups_of)


def group_members_page(loaders: Loaders) -> DataLoader[tuple[Any, ...], Page[tuple[str, int]]]:
    """Keys: (group id, MemberFilter, PageRequest)."""

    async def fetch(session: Any, ids: list[int], flt: Any, page: Any) -> dict[Any, Any]:
        return await groups.members_of(session, ids, viewer=loaders.viewer, flt=flt, page=page)

    return loaders.grouped(fetch)


def group_members_count(loaders: Loaders) -> DataLoader[tuple[Any, ...], int]:
    """Keys: (group id, MemberFilter)."""

    async def fetch(session: Any, ids: list[int], flt: Any) -> dict[Any, Any]:
        return await groups.count_members(session, ids, viewer=loaders.viewer, flt=flt)

    return loaders.grouped(fetch)
