"""Write planned rows in batches, turning plan indices into the new rows' ids."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.models import (
    Address,
    BankAccount,
    Base,
    ContactMean,
    EmployeeData,
    InternalRelation,
    Membership,
    MembershipTag,
    Organisation,
    PartyGroup,
    PartyKind,
    PartyTypeLink,
    Person,
    PurchaseRelation,
    Relation,
    SalesRelation,
)
from relgraph.demo.bank_accounts import BankSpec
from relgraph.demo.base import BATCH, REFERENCE_TIME, AddressSpec, Generator, Ref, at
from relgraph.demo.contact_means import ContactSpec
from relgraph.demo.domain_data import RELATION_TYPES
from relgraph.demo.groups import GroupLink
from relgraph.demo.internal_relations import InternalSpec
from relgraph.demo.organisations import OrgSpec
from relgraph.demo.party_types import TypePlan
from relgraph.demo.persons import PersonSpec
from relgraph.demo.relations import RelationSpec
from relgraph.domain.party_data.search_text import set_organisation_keys, set_person_keys
from relgraph.policy import open_kinds

__all__ = [
    "Parties",
    "Report",
    "write_bank_accounts",
    "write_contact_means",
    "write_group_links",
    "write_internal_relations",
    "write_organisations",
    "write_party_types",
    "write_persons",
    "write_relations",
]

Report = Callable[[str, int], None]
_SYMMETRIC = frozenset(t.name for t in RELATION_TYPES if t.symmetric)


class Parties:
    """The written parties: ids and creation times by planned kind and index."""

    def __init__(
        self,
        org_ids: list[int],
        org_times: list[dt.datetime],
        person_ids: list[int],
        person_times: list[dt.datetime],
    ) -> None:
        self.ids = {PartyKind.ORGANISATION.value: org_ids, PartyKind.PERSON.value: person_ids}
        self.times = {PartyKind.ORGANISATION.value: org_times, PartyKind.PERSON.value: person_times}

    def id(self, ref: Ref) -> int:
        return self.ids[ref[0]][ref[1]]

    def created(self, ref: Ref) -> dt.datetime:
        return self.times[ref[0]][ref[1]]


async def _insert(session: AsyncSession, rows: Sequence[Base]) -> None:
    """Insert `rows`, then let them go: the session's identity map would grow with the seed."""
    session.add_all(rows)
    await session.flush()
    for row in rows:
        session.expunge(row)


async def _insert_ids(session: AsyncSession, rows: Sequence[Organisation | Person | Membership]) -> list[int]:
    """Insert `rows` and return their new ids, in order."""
    await _insert(session, rows)
    # A detached row keeps its loaded attributes, so the ids stay readable.
    return [row.id for row in rows]


async def _insert_values(session: AsyncSession, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """Insert plain values in batches: no identity map, no ids needed."""
    # A Core insert into the table, not the ORM's bulk insert: that one splits the rows
    # into a statement per pattern of None values, which made 225 relations 160 statements.
    table = model.__table__
    for start in range(0, len(rows), BATCH * 4):
        await session.execute(insert(table), list(rows[start : start + BATCH * 4]))


def address_row(party_id: int, spec: AddressSpec, created_at: dt.datetime) -> Address:
    return Address(
        party_id=party_id,
        kind=spec.kind,
        street=spec.street,
        house_number=spec.house_number,
        house_number_addition=spec.house_number_addition,
        postcode=spec.postcode,
        city=spec.city,
        country="NL",
        is_head_office=spec.is_head_office,
        created_at=created_at,
        updated_at=created_at,
    )


async def write_organisations(
    session: AsyncSession,
    gen: Generator,
    specs: Sequence[OrgSpec],
    times: Sequence[dt.datetime],
    by: dict[str, Any],
    report: Report,
    contact_terms: Sequence[Sequence[str]],
) -> list[int]:
    """Insert the organisations; return their ids in planned order.

    `contact_terms` are the search terms of each one's contact means, written later.
    """
    # Save the pending ones whenever the next one's parent is among them, so that parent
    # ids are known and ids follow the planned order exactly.
    ids: list[int] = []
    pending: list[Organisation] = []
    for index, spec in enumerate(specs):
        if (spec.parent is not None and spec.parent >= len(ids)) or len(pending) >= BATCH:
            ids.extend(await _insert_ids(session, pending))
            pending = []
            report("organisations", len(ids))
        org = Organisation(
            **spec.values,
            parent_id=None if spec.parent is None else ids[spec.parent],
            created_at=times[index],
            updated_at=gen.updated(times[index]),
            **by,
        )
        cities = [a.city for a in spec.addresses if a.kind in open_kinds("Address")]
        invoice_cities = [a.city for a in spec.addresses if a.kind not in open_kinds("Address")]
        set_organisation_keys(org, cities, contact_terms[index], invoice_cities)
        pending.append(org)
    ids.extend(await _insert_ids(session, pending))
    report("organisations", len(ids))
    return ids


async def write_persons(
    session: AsyncSession,
    gen: Generator,
    specs: Sequence[PersonSpec],
    times: Sequence[dt.datetime],
    by: dict[str, Any],
    report: Report,
    contact_terms: Sequence[Sequence[str]],
) -> list[int]:
    """Insert the persons; return their ids in planned order.

    `contact_terms` are the search terms of each one's contact means, written later.
    """
    ids: list[int] = []
    for start in range(0, len(specs), BATCH):
        batch = []
        for offset, spec in enumerate(specs[start : start + BATCH]):
            created = times[start + offset]
            person = Person(**spec.values, created_at=created, updated_at=gen.updated(created), **by)
            emails = [m.business_email for m in spec.memberships]
            set_person_keys(person, emails, contact_terms[start + offset])
            batch.append(person)
        ids.extend(await _insert_ids(session, batch))
        report("persons", len(ids))
    return ids


async def write_memberships(
    session: AsyncSession,
    gen: Generator,
    specs: Sequence[PersonSpec],
    parties: Parties,
    staff_ids: Sequence[int],
    by: dict[str, Any],
    report: Report,
) -> int:
    """Insert the memberships and their tags; return how many memberships."""
    org_ids, org_times = (
        parties.ids[PartyKind.ORGANISATION.value],
        parties.times[PartyKind.ORGANISATION.value],
    )
    person_ids, person_times = parties.ids[PartyKind.PERSON.value], parties.times[PartyKind.PERSON.value]
    memberships: list[Membership] = []
    tags: list[list[str]] = []
    for person_id, person_created, spec in zip(person_ids, person_times, specs, strict=True):
        for m in spec.memberships:
            # Linked some time after both parties existed, never after the reference moment.
            created = max(person_created, org_times[m.org]) + dt.timedelta(
                minutes=gen.rng.randint(5, 60 * 24 * 30)
            )
            created = min(created, REFERENCE_TIME)
            memberships.append(
                Membership(
                    person_id=person_id,
                    organisation_id=org_ids[m.org],
                    department=m.department,
                    job_title=m.job_title,
                    business_email=m.business_email,
                    phone1=m.phone1,
                    phone2=m.phone2,
                    role=m.role,
                    account_manager_id=None if m.account_manager is None else staff_ids[m.account_manager],
                    active=m.active,
                    start_date=m.start_date,
                    end_date=m.end_date,
                    created_at=created,
                    updated_at=created if m.active else max(created, at(m.end_date)),
                    **by,
                )
            )
            tags.append(m.tags)
    tag_rows: list[dict[str, Any]] = []
    for start in range(0, len(memberships), BATCH):
        ids = await _insert_ids(session, memberships[start : start + BATCH])
        tag_rows.extend(
            {"membership_id": mid, "tag": tag}
            for mid, names in zip(ids, tags[start : start + BATCH], strict=True)
            for tag in names
        )
        report("memberships", min(start + BATCH, len(memberships)))
    await _insert_values(session, MembershipTag, tag_rows)
    return len(memberships)


async def write_addresses(session: AsyncSession, rows: Sequence[Address], report: Report) -> None:
    for start in range(0, len(rows), BATCH):
        await _insert(session, rows[start : start + BATCH])
        report("addresses", min(start + BATCH, len(rows)))


async def write_party_types(
    session: AsyncSession, plan: TypePlan, parties: Parties, type_ids: dict[str, int]
) -> int:
    """Insert the party type links and the type-specific data; return how many links."""
    links = [
        {"party_id": parties.id(ref), "party_type_id": type_ids[code]}
        for ref, codes in plan.codes.items()
        for code in codes
    ]
    org, person = PartyKind.ORGANISATION.value, PartyKind.PERSON.value
    await _insert_values(session, PartyTypeLink, links)
    # The data rows come after the links, as set_data does: never data without its type.
    for model, key, kind, rows in (
        (SalesRelation, "party_id", org, plan.sales),
        (PurchaseRelation, "party_id", org, plan.purchase),
        (EmployeeData, "person_id", person, plan.employee),
    ):
        await _insert_values(session, model, [{key: parties.id((kind, i)), **v} for i, v in rows.items()])
    return len(links)


async def write_relations(
    session: AsyncSession,
    specs: Sequence[RelationSpec],
    parties: Parties,
    type_ids: dict[str, int],
    by: dict[str, Any],
) -> int:
    rows = []
    for spec in specs:
        source, target = parties.id(spec.source), parties.id(spec.target)
        if spec.type_name in _SYMMETRIC and source > target:
            source, target = target, source  # one stored direction per pair, as the domain does
        created = max(parties.created(spec.source), parties.created(spec.target)) + dt.timedelta(
            minutes=spec.delay
        )
        created = min(created, REFERENCE_TIME)
        rows.append(
            {
                "type_id": type_ids[spec.type_name],
                "source_id": source,
                "target_id": target,
                "start_date": spec.start_date,
                "end_date": spec.end_date,
                "note": spec.note,
                "active": spec.active,
                "created_at": created,
                "updated_at": created if spec.active else max(created, at(spec.end_date)),
                "version": 1,
                **by,
            }
        )
    await _insert_values(session, Relation, rows)
    return len(rows)


async def write_internal_relations(
    session: AsyncSession,
    specs: Sequence[InternalSpec],
    parties: Parties,
    staff_ids: Sequence[int],
    category_ids: dict[str, int],
    by: dict[str, Any],
) -> int:
    rows = []
    for spec in specs:
        # Entered when the relation began, or when the party came in if that was later.
        created = min(REFERENCE_TIME, max(parties.created(spec.party), at(spec.since)))
        rows.append(
            {
                "user_id": staff_ids[spec.staff],
                "party_id": parties.id(spec.party),
                "category_id": category_ids[spec.category],
                "since": spec.since,
                "until": spec.until,
                "commission_percent": spec.commission_percent,
                "created_at": created,
                "updated_at": max(created, at(spec.until)) if spec.until else created,
                "version": 1,
                **by,
            }
        )
    await _insert_values(session, InternalRelation, rows)
    return len(rows)


async def write_contact_means(
    session: AsyncSession, specs: Sequence[ContactSpec], parties: Parties, by: dict[str, Any]
) -> int:
    """Insert the contact means, each entered when its party was."""
    rows = [
        {
            "party_id": parties.id(spec.party),
            "kind": spec.kind,
            "value": spec.value,
            "label": spec.label,
            "is_primary": spec.primary,
            "active": spec.active,
            "created_at": parties.created(spec.party),
            "updated_at": parties.created(spec.party),
            "version": 1,
            **by,
        }
        for spec in specs
    ]
    await _insert_values(session, ContactMean, rows)
    return len(rows)


async def write_bank_accounts(
    session: AsyncSession, specs: Sequence[BankSpec], parties: Parties, by: dict[str, Any]
) -> int:
    """Insert the bank accounts, each entered a day after its party."""
    rows = []
    for spec in specs:
        created = min(REFERENCE_TIME, parties.created(spec.party) + dt.timedelta(days=1))
        rows.append(
            {
                "party_id": parties.id(spec.party),
                "iban": spec.iban,
                "bic": spec.bic,
                "holder_name": spec.holder_name,
                "is_primary": spec.primary,
                "active": spec.active,
                "created_at": created,
                "updated_at": created,
                "version": 1,
                **by,
            }
        )
    await _insert_values(session, BankAccount, rows)
    return len(rows)


async def write_group_links(
    session: AsyncSession,
    links: Sequence[GroupLink],
    parties: Parties,
    group_ids: dict[str, int],
    by: dict[str, Any],
) -> int:
    """Insert who is in which customer group; a party joins when it comes in."""
    rows = [
        {
            "group_id": group_ids[link.group],
            "party_id": parties.id(link.party),
            "added_at": parties.created(link.party),
            "added_by_id": by.get("created_by_id"),
        }
        for link in links
    ]
    await _insert_values(session, PartyGroup, rows)
    return len(rows)
