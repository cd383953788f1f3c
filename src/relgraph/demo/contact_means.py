"""Plan contact means: the general and private emails and phones, and what firms add to them.

Organisations have their info@ address and switchboard as primary EMAIL and PHONE; some
add an invoices or service address, an after-hours line, a fax, a careers site or a
LinkedIn page, and a few still list an old number (inactive). Persons have their private
email and phone, and some a LinkedIn profile or a second mobile number.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from relgraph.db.models import ContactKind, PartyKind
from relgraph.demo.base import Ref
from relgraph.demo.names import mailbox_name
from relgraph.demo.organisations import OrgSpec
from relgraph.demo.persons import PersonSpec
from relgraph.domain.party_data.search_text import terms_of
from relgraph.domain.validation import normalise_phone

__all__ = ["ContactSpec", "plan_organisation_contacts", "plan_person_contacts", "search_terms"]

ORG = PartyKind.ORGANISATION.value
PERSON = PartyKind.PERSON.value
EMAIL, PHONE, MOBILE = ContactKind.EMAIL.value, ContactKind.PHONE.value, ContactKind.MOBILE.value
FAX, WEBSITE, SOCIAL = ContactKind.FAX.value, ContactKind.WEBSITE.value, ContactKind.SOCIAL.value

# (mailbox, label, chance): the extra addresses a firm gives besides info@.
_MAILBOXES = (
    ("facturen", "Facturen", 0.25),
    ("servicedesk", "Servicedesk", 0.12),
    ("inkoop", "Inkoop", 0.08),
)


@dataclass(frozen=True)
class ContactSpec:
    party: Ref
    kind: str
    value: str  # normalised, as the domain stores it
    label: str | None = None
    primary: bool = False
    active: bool = True


def _landline(rng: random.Random, area_code: str) -> str:
    digits = 10 - len(area_code)
    return area_code + str(rng.randint(2 * 10 ** (digits - 1), 10**digits - 1))


def _phone(raw: str | None) -> str | None:
    return normalise_phone(raw) if raw else None


def plan_organisation_contacts(rng: random.Random, orgs: Sequence[OrgSpec]) -> list[ContactSpec]:
    """Plan the organisations' contact means, in the order they are written."""
    specs: list[ContactSpec] = []
    for index, org in enumerate(orgs):
        party = (ORG, index)
        own: list[ContactSpec] = []
        if org.email:
            own.append(ContactSpec(party, EMAIL, org.email, primary=True))
        phone = _phone(org.phone)
        if phone:
            own.append(ContactSpec(party, PHONE, phone, primary=True))
        for mailbox, label, chance in _MAILBOXES:
            if rng.random() < chance:
                own.append(ContactSpec(party, EMAIL, f"{mailbox}@{org.domain}", label))
        numbers = {phone}
        for label, chance, active in (("Buiten kantoortijd", 0.15, True), ("Oud nummer", 0.05, False)):
            number = _phone(_landline(rng, org.area_code))
            if rng.random() < chance and number is not None and number not in numbers:
                numbers.add(number)
                own.append(ContactSpec(party, PHONE, number, label, active=active))
        fax = _phone(_landline(rng, org.area_code))
        if rng.random() < 0.08 and fax is not None and fax not in numbers:
            own.append(ContactSpec(party, FAX, fax, primary=True))
        slug = org.domain.removesuffix(".nl")
        if rng.random() < 0.06:
            own.append(ContactSpec(party, WEBSITE, f"https://werkenbij{slug}.nl", "Vacatures", primary=True))
        if (org.flagship and org.parent is None) or rng.random() < 0.3:
            page = f"https://www.linkedin.com/company/{slug}"
            own.append(ContactSpec(party, SOCIAL, page, "LinkedIn", primary=True))
        specs.extend(own)
    return specs


def plan_person_contacts(rng: random.Random, persons: Sequence[PersonSpec]) -> list[ContactSpec]:
    """Plan the persons' contact means, in the order they are written."""
    specs: list[ContactSpec] = []
    for index, person in enumerate(persons):
        party = (PERSON, index)
        if person.email:
            specs.append(ContactSpec(party, EMAIL, person.email, primary=True))
        phone = _phone(person.phone)
        if phone:
            specs.append(ContactSpec(party, PHONE, phone, primary=True))
        if person.memberships and rng.random() < 0.1:
            mobile = _phone(f"06{rng.randint(10_000_000, 69_999_999)}")
            if mobile is not None and mobile != phone:
                specs.append(ContactSpec(party, MOBILE, mobile, "Zakelijk", primary=True))
        if rng.random() < (0.2 if person.memberships else 0.05):
            names = person.values
            handle = f"{mailbox_name(str(names['first_name']))}-{mailbox_name(str(names['last_name']))}"
            profile = f"https://www.linkedin.com/in/{handle}-{rng.randint(1000, 9999)}"
            specs.append(ContactSpec(party, SOCIAL, profile, "LinkedIn", primary=True))
    return specs


def search_terms(specs: Sequence[ContactSpec], count: int) -> list[list[str]]:
    """What the active contact means add to each party's search text, by planned index."""
    terms: list[list[str]] = [[] for _ in range(count)]
    for spec in specs:
        if spec.active:
            terms[spec.party[1]].extend(terms_of([(spec.kind, spec.value)]))
    return terms
