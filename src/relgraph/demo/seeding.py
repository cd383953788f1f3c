"""Seed the demo data: plan everything from one seed, then write it in batches."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.models import EmployeeData, Organisation, Party
from relgraph.demo import contact_means
from relgraph.demo.bank_accounts import plan_bank_accounts
from relgraph.demo.base import Generator, stream
from relgraph.demo.domain_data import (
    ensure_categories,
    ensure_party_types,
    ensure_relation_types,
)
from relgraph.demo.groups import ensure_groups, plan_group_links
from relgraph.demo.hierarchy_history import write_parent_periods
from relgraph.demo.internal_relations import plan_internal_relations
from relgraph.demo.invoicing import plan_invoice_data
from relgraph.demo.notes import plan_notes, write_notes
from relgraph.demo.organisations import plan_organisations
from relgraph.demo.party_types import plan_party_types
from relgraph.demo.persons import plan_persons
from relgraph.demo.relations import plan_relations
from relgraph.demo.staff import ensure_staff, plan_staff
from relgraph.demo.writer import (
    Parties,
    address_row,
    write_addresses,
    write_bank_accounts,
    write_contact_means,
    write_group_links,
    write_internal_relations,
    write_memberships,
    write_organisations,
    write_party_types,
    write_persons,
    write_relations,
)
from relgraph.domain.history import feed_writes

__all__ = ["SeedSummary", "is_empty", "seed"]


@dataclass
class SeedSummary:
    """What `seed` added."""

    organisations: int
    persons: int
    memberships: int
    addresses: int
    staff: int
    relations: int
    internal_relations: int
    party_type_links: int
    contact_means: int
    bank_accounts: int
    group_links: int
    notes_and_activities: int = 0


async def is_empty(session: AsyncSession) -> bool:
    """Tell whether the database has no parties yet."""
    return not await session.scalar(select(exists(select(Party.id))))


async def seed(
    session: AsyncSession,
    *,
    organisations: int = 150,
    persons: int = 500,
    staff: int = 8,
    seed: int = 42,
    created_by_id: int | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> SeedSummary:
    """Add demo organisations, persons, memberships, staff, relations, contact means, bank
    accounts and customer groups; the caller commits."""
    report = progress or (lambda _label, _done: None)
    codes = await session.scalars(select(Organisation.code).where(Organisation.code.is_not(None)))
    taken = {code for code in codes if code is not None}
    # Organisations and persons come from this generator in a fixed order; everything
    # added since (staff, types, relations) draws from streams of its own, so that the
    # organisations and persons of a seed stay the same as the demo grows.
    gen = Generator(seed, taken)
    by = {"created_by_id": created_by_id, "updated_by_id": created_by_id}

    org_specs = plan_organisations(gen, max(organisations, 0))
    plan_invoice_data(stream(seed, "invoice data"), org_specs)
    org_times = gen.timestamps(len(org_specs), years=8)
    # Planned before the parties are written: their search texts hold the contact values.
    org_contacts = contact_means.plan_organisation_contacts(stream(seed, "organisation contacts"), org_specs)
    org_terms = contact_means.search_terms(org_contacts, len(org_specs))
    org_ids = await write_organisations(session, gen, org_specs, org_times, by, report, org_terms)
    await write_parent_periods(session, org_specs, org_ids)
    addresses = [
        address_row(org_id, a, created)
        for org_id, created, spec in zip(org_ids, org_times, org_specs, strict=True)
        for a in spec.addresses
    ]

    person_specs = plan_persons(gen, max(persons, 0), org_specs)
    person_times = gen.timestamps(len(person_specs), years=6)
    person_contacts = contact_means.plan_person_contacts(stream(seed, "person contacts"), person_specs)
    person_terms = contact_means.search_terms(person_contacts, len(person_specs))
    person_ids = await write_persons(session, gen, person_specs, person_times, by, report, person_terms)
    parties = Parties(org_ids, org_times, person_ids, person_times)
    addresses.extend(
        address_row(person_id, spec.address, created)
        for person_id, created, spec in zip(person_ids, person_times, person_specs, strict=True)
        if spec.address is not None
    )

    staff_specs = plan_staff(stream(seed, "staff"), max(staff, 0))
    staff_ids, staff_added = await ensure_staff(session, staff_specs)
    report("staff", staff_added)
    type_ids = await ensure_party_types(session)
    relation_type_ids = await ensure_relation_types(session)
    category_ids = await ensure_categories(session)

    numbers = select(EmployeeData.employee_number).where(EmployeeData.employee_number.is_not(None))
    type_plan = plan_party_types(
        stream(seed, "party types"),
        org_specs,
        person_specs,
        taken_employee_numbers=set(await session.scalars(numbers)),
    )
    relation_specs = plan_relations(
        stream(seed, "relations"), org_specs, person_specs, type_plan, set(relation_type_ids)
    )
    # This also picks the memberships' account managers, so it runs before they are written.
    internal_specs = plan_internal_relations(
        stream(seed, "internal relations"), staff_specs, org_specs, person_specs, type_plan
    )

    membership_count = await write_memberships(session, gen, person_specs, parties, staff_ids, by, report)
    await write_addresses(session, addresses, report)
    links = await write_party_types(session, type_plan, parties, type_ids)
    report("party types", links)
    relation_count = await write_relations(session, relation_specs, parties, relation_type_ids, by)
    report("relations", relation_count)
    internal_count = await write_internal_relations(
        session, internal_specs, parties, staff_ids, category_ids, by
    )
    report("internal relations", internal_count)
    contact_count = await write_contact_means(session, [*org_contacts, *person_contacts], parties, by)
    report("contact means", contact_count)
    bank_specs = plan_bank_accounts(stream(seed, "bank accounts"), org_specs, person_specs, type_plan)
    bank_count = await write_bank_accounts(session, bank_specs, parties, by)
    report("bank accounts", bank_count)
    group_ids = await ensure_groups(session)
    group_links = plan_group_links(stream(seed, "groups"), org_specs, person_specs, type_plan)
    group_count = await write_group_links(session, group_links, parties, group_ids, by)
    report("group members", group_count)
    note_specs, activity_specs = plan_notes(stream(seed, "notes"), org_specs, staff_specs)
    note_count = await write_notes(session, note_specs, activity_specs, parties, staff_ids)
    report("notes and activities", note_count)
    # Written around the audit trail, so the changes feed learns of them here.
    await feed_writes.backfill(session)
    return SeedSummary(
        organisations=len(org_ids),
        persons=len(person_ids),
        memberships=membership_count,
        addresses=len(addresses),
        staff=staff_added,
        relations=relation_count,
        internal_relations=internal_count,
        party_type_links=links,
        contact_means=contact_count,
        bank_accounts=bank_count,
        group_links=group_count,
        notes_and_activities=note_count,
    )
