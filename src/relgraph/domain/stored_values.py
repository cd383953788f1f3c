"""Stored identifiers checked again under today's rules (`relgraph db check`).

Values stored before the identifier libraries checked them (a VAT number with a wrong
check digit, an e-mail address with two dots in a row) stay as they are and are shown as
stored; writing one of these fields again asks for a valid value. This lists them, so
that someone can correct them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, null, select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.models import (
    Address,
    BankAccount,
    ContactKind,
    ContactMean,
    Membership,
    Organisation,
    Person,
    User,
)
from relgraph.domain import identifiers
from relgraph.domain.identifiers import Refused
from relgraph.domain.party_data import iban as ibans

__all__ = ["RefusedValue", "refused_values"]

# A statement that gives (id, value, country or NULL).
_Rows = Select[*tuple[Any, ...]]
# Rows fetched at a time: a large database is read in chunks, not held whole.
_CHUNK = 5000


@dataclass(frozen=True)
class RefusedValue:
    """A stored value today's rules refuse: where it is, what it is and why."""

    table: str
    id: int
    field: str  # the API's name of the field
    value: str  # as stored; a BSN is not shown (SENSITIVE), only that it fails
    problem: str


def _refusal(parse: Callable[[str], object], value: str) -> str | None:
    try:
        parse(value)
    except Refused as refused:
        return str(refused)
    return None


async def _rows(session: AsyncSession, stmt: _Rows) -> AsyncIterator[Any]:
    result = await session.stream(stmt.execution_options(yield_per=_CHUNK))
    async for row in result:
        yield row


# (table, API field, its rows, the check of a value and its country, the value as listed)
_Check = tuple[str, str, _Rows, Callable[[str, Any], str | None], Callable[[str], str]]


def _checks() -> list[_Check]:
    def plain(parse: Callable[[str], object]) -> Callable[[str, Any], str | None]:
        return lambda value, _country: _refusal(parse, value)

    def shown(value: str) -> str:
        return value

    def vat_and_country(value: str, country: Any) -> str | None:
        problem = _refusal(identifiers.vat, value)
        if problem is None and country is not None:
            problem = identifiers.vat_country_problem(value, country)
        return problem

    head_office = and_(Address.party_id == Organisation.id, Address.is_head_office)
    return [
        (
            "organisations",
            "vatNumber",
            select(Organisation.id, Organisation.vat_number, Address.country)
            .outerjoin(Address, head_office)
            .where(Organisation.vat_number.is_not(None)),
            vat_and_country,
            shown,
        ),
        (
            "organisations",
            "invoiceEmail",
            select(Organisation.id, Organisation.invoice_email, null()).where(
                Organisation.invoice_email.is_not(None)
            ),
            plain(identifiers.email),
            shown,
        ),
        (
            "persons",
            "bsn",
            select(Person.id, Person.bsn, null()).where(Person.bsn.is_not(None)),
            plain(identifiers.bsn),
            lambda _value: "(not shown: SENSITIVE)",
        ),
        (
            "addresses",
            "postcode",
            select(Address.id, Address.postcode, Address.country).where(Address.postcode.is_not(None)),
            lambda value, country: _refusal(lambda typed: identifiers.postcode(typed, country), value),
            shown,
        ),
        (
            "bank_accounts",
            "iban",
            select(BankAccount.id, BankAccount.iban, null()),
            plain(ibans.iban),
            shown,
        ),
        (
            "bank_accounts",
            "bic",
            select(BankAccount.id, BankAccount.bic, null()).where(BankAccount.bic.is_not(None)),
            plain(ibans.bic),
            shown,
        ),
        (
            "contact_means",
            "value",
            select(ContactMean.id, ContactMean.value, null()).where(
                ContactMean.kind == ContactKind.EMAIL.value
            ),
            plain(identifiers.email),
            shown,
        ),
        (
            "memberships",
            "businessEmail",
            select(Membership.id, Membership.business_email, null()).where(
                Membership.business_email.is_not(None)
            ),
            plain(identifiers.email),
            shown,
        ),
        (
            "users",
            "email",
            select(User.id, User.email, null()),
            plain(identifiers.email),
            shown,
        ),
    ]


async def refused_values(session: AsyncSession) -> AsyncIterator[RefusedValue]:
    """Every stored identifier today's rules refuse, table by table, by id."""
    for table, field, stmt, check, show in _checks():
        async for id, value, country in _rows(session, stmt.order_by(stmt.selected_columns[0])):
            problem = check(value, country)
            if problem is not None:
                yield RefusedValue(table, id, field, show(value), problem)
