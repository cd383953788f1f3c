"""What search finds a party by: the search text each organisation and person keeps.

An organisation is found by its names and numbers, the cities of its addresses and its
active contact values; a person by its names, the business emails of its memberships and
its active contact values. A write that changes any of them refreshes the text here, so
that the party, its addresses, contact means and memberships all call one place.

Phone numbers are stored in E.164 ("+31201234567"); their search text also holds the
national digits ("0201234567"), and a search term that looks like a phone number is
matched by its digits, so "020-1234567", "+31 20 123 4567" and "0201234567" all find the
same party.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import phonenumbers
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.models import Address, ContactMean, Membership, Organisation, PartyKind, Person
from relgraph.domain import parties
from relgraph.domain.party_data import phones
from relgraph.domain.persons.names import TOMBSTONE_NAME, display_name, is_tombstone
from relgraph.domain.validation import normalise_phone
from relgraph.policy import open_kinds
from relgraph.text import fold, like_pattern, search_key

__all__ = [
    "contact_terms_of",
    "refresh",
    "refresh_organisation",
    "refresh_person",
    "search_patterns",
    "search_terms",
    "set_organisation_keys",
    "set_person_keys",
    "terms_of",
]

_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-/]+$")
_NOT_DIGIT = re.compile(r"\D")
# Shorter digit runs than this are no phone number; they stay a plain text search.
_MIN_DIGITS = 4


def search_terms(kind: str, value: str) -> list[str]:
    """What one contact value adds to its party's search text."""
    if kind not in phones.PHONE_KINDS:
        return [value]
    national = phones.dutch_national_digits(value)
    if national is not None:
        return [value, national]
    number = phones.parse(value)
    if number is None:
        return [value, _NOT_DIGIT.sub("", value)]
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return [value, _NOT_DIGIT.sub("", national)]


def terms_of(values: Iterable[tuple[str, str]]) -> list[str]:
    """The search terms of (kind, value) pairs, in order."""
    return [term for kind, value in values for term in search_terms(kind, value)]


def search_patterns(term: str) -> list[str]:
    """LIKE patterns for a search term: its folded text and, if it looks like a phone
    number, its digits (and those of its E.164 form). Any one of them may match."""
    patterns = [like_pattern(term)]
    stripped = term.strip()
    if _PHONE_LIKE.match(stripped):
        digits = _NOT_DIGIT.sub("", stripped)
        e164 = normalise_phone(stripped)
        for candidate in (digits, e164[1:] if e164 else ""):
            if len(candidate) >= _MIN_DIGITS and f"%{candidate}%" not in patterns:
                patterns.append(f"%{candidate}%")
    return patterns


def set_organisation_keys(
    org: Organisation,
    cities: Sequence[str | None],
    contact_terms: Sequence[str] = (),
    invoice_cities: Sequence[str | None] = (),
) -> None:
    """Fill the name key and search texts of `org` from its fields, the `cities` of its open
    addresses, the search terms of its active contact means and its `invoice_cities`."""
    org.name_key = fold(org.name)
    org.search_text = search_key(org.name, org.legal_name, org.code, org.kvk_number, *cities, *contact_terms)
    org.invoice_search_text = search_key(*invoice_cities)


def set_person_keys(
    person: Person, business_emails: Sequence[str | None] = (), contact_terms: Sequence[str] = ()
) -> None:
    """Fill the sort key and search text of `person` (names, business emails, contact values)."""
    if is_tombstone(person):
        # Sorted where its name reads; found by no search.
        person.sort_key, person.search_text = fold(TOMBSTONE_NAME), ""
        return
    person.sort_key = fold(
        " ".join(p for p in (person.last_name, person.first_name or person.initials, person.infix) if p)
    )
    person.search_text = search_key(
        display_name(person), person.last_name, person.initials, *business_emails, *contact_terms
    )


async def contact_terms_of(session: AsyncSession, party_id: int) -> list[str]:
    """What the party's active contact means add to its search text, oldest first."""
    rows = await session.execute(
        select(ContactMean.kind, ContactMean.value)
        .where(ContactMean.party_id == party_id, ContactMean.active.is_(True))
        .order_by(ContactMean.id)
    )
    return terms_of((kind, value) for kind, value in rows.all())


async def refresh_organisation(session: AsyncSession, org: Organisation) -> None:
    """Recompute what search matches for `org` (its names, numbers, cities, contact values).

    The search text everyone searches holds the cities of the addresses everyone may read;
    an invoice address's city is invoice data, searched only by FINANCE
    (`organisations._conditions`).
    """
    rows = await session.execute(
        select(Address.kind, Address.city).where(Address.party_id == org.id).order_by(Address.id)
    )
    cities: dict[bool, list[str | None]] = {True: [], False: []}
    for kind, city in rows.all():
        cities[kind in open_kinds("Address")].append(city)
    terms = await contact_terms_of(session, org.id)
    set_organisation_keys(org, cities[True], terms, invoice_cities=cities[False])


async def refresh_person(session: AsyncSession, person: Person) -> None:
    """Recompute the sort key and what search matches for `person`."""
    emails = await session.scalars(
        select(Membership.business_email).where(Membership.person_id == person.id).order_by(Membership.id)
    )
    set_person_keys(person, list(emails), await contact_terms_of(session, person.id))


async def refresh(session: AsyncSession, party_id: int) -> None:
    """Recompute the search text of the party, organisation or person, and flush it."""
    kind = (await parties.kinds_of(session, [party_id]))[0]
    if kind == PartyKind.ORGANISATION:
        org = await session.get(Organisation, party_id)
        assert org is not None
        await refresh_organisation(session, org)
    else:
        person = await session.get(Person, party_id)
        assert person is not None
        await refresh_person(session, person)
    await session.flush()
