"""Export organisations, persons or memberships as CSV, in the format the importer reads.

Rows come in id order, a page at a time (keyset pagination), so an export of a large
database keeps little in memory. Email and phone are the primary contact means; an
organisation's address is its head office. Cells are quoted and formulas neutralised
(formats.to_cell).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TextIO

from sqlalchemy import Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from relgraph.db.models import (
    Address,
    ContactKind,
    ContactMean,
    Membership,
    MembershipTag,
    Organisation,
    Person,
    User,
)
from relgraph.db.models.in_force import holds_on
from relgraph.transfer.formats import COLUMNS, KINDS, format_value, to_cell, writer

__all__ = ["PAGE", "export_csv"]

PAGE = 5000

Progress = Callable[[str, int, int], None]


def _primary(kind: ContactKind, party_id: Any, name: str) -> Any:
    table = aliased(ContactMean, name=f"{name}_contact")
    return (
        table,
        and_(table.party_id == party_id, table.kind == kind.value, table.is_primary.is_(True)),
    )


def _organisations() -> Select[*tuple[Any, ...]]:
    email, on_email = _primary(ContactKind.EMAIL, Organisation.id, "email")
    phone, on_phone = _primary(ContactKind.PHONE, Organisation.id, "phone")
    head = aliased(Address, name="head")
    o = Organisation
    return (
        select(
            o.id,
            o.name,
            o.code,
            o.legal_name,
            o.kvk_number,
            o.vat_number,
            o.invoice_company_name,
            o.invoice_email,
            o.invoice_uses_postal_address,
            o.industry,
            o.description,
            o.website,
            email.value.label("email"),
            phone.value.label("phone"),
            o.status,
            o.checked,
            o.creditworthy,
            o.archived,
            o.parent_id,
            head.street,
            head.house_number,
            head.house_number_addition,
            head.postcode,
            head.city,
            head.country,
        )
        .outerjoin(email, on_email)
        .outerjoin(phone, on_phone)
        .outerjoin(head, and_(head.party_id == o.id, head.is_head_office.is_(True)))
    )


def _persons() -> Select[*tuple[Any, ...]]:
    email, on_email = _primary(ContactKind.EMAIL, Person.id, "email")
    phone, on_phone = _primary(ContactKind.PHONE, Person.id, "phone")
    p = Person
    return (
        select(
            p.id,
            p.gender,
            p.title,
            p.initials,
            p.first_name,
            p.infix,
            p.last_name,
            email.value.label("email"),
            phone.value.label("phone"),
            p.birth_date,
        )
        .outerjoin(email, on_email)
        .outerjoin(phone, on_phone)
        # A deleted person (tombstone) has no data left to export; its memberships are history.
        .where(p.deleted_at.is_(None))
    )


def _memberships() -> Select[*tuple[Any, ...]]:
    m = Membership
    return select(
        m.id,
        m.person_id,
        m.organisation_id,
        m.department,
        m.job_title,
        m.business_email,
        m.phone1,
        m.phone2,
        m.role,
        User.email.label("account_manager"),
        m.active,
        m.start_date,
        m.end_date,
    ).outerjoin(User, User.id == m.account_manager_id)


_QUERIES: dict[str, tuple[Callable[[], Select[*tuple[Any, ...]]], Any]] = {
    "organisations": (_organisations, Organisation),
    "persons": (_persons, Person),
    "memberships": (_memberships, Membership),
}


async def _tags(session: AsyncSession, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    rows = await session.execute(
        select(MembershipTag.membership_id, MembershipTag.tag)
        .where(MembershipTag.membership_id.in_(ids))
        .order_by(MembershipTag.membership_id, MembershipTag.tag)
    )
    for membership_id, tag in rows.all():
        found.setdefault(membership_id, []).append(tag)
    return found


async def export_csv(
    session: AsyncSession, kind: str, out: TextIO, *, progress: Progress | None = None
) -> int:
    """Write every row of `kind` to `out` as CSV (header first); return how many."""
    assert kind in KINDS, kind
    columns = [c.name for c in COLUMNS[kind]]
    csv_out = writer(out)
    csv_out.writerow(columns)
    build, model = _QUERIES[kind]
    key = model.id
    counted = select(func.count()).select_from(model)
    if model is Person:
        counted = counted.where(Person.deleted_at.is_(None))
    total = await session.scalar(counted)
    written, last = 0, 0
    while True:
        rows = (await session.execute(build().where(key > last).order_by(key).limit(PAGE))).all()
        if not rows:
            break
        tags = await _tags(session, [r.id for r in rows]) if kind == "memberships" else {}
        for row in rows:
            values = dict(row._mapping)
            if kind == "memberships":
                values["tags"] = tags.get(row.id, [])
                # Active as the API says it (in force today), not the stored flag.
                values["active"] = holds_on(row)
            csv_out.writerow([to_cell(format_value(values[name])) for name in columns])
        written += len(rows)
        last = rows[-1].id
        if progress:
            progress("exporting", written, total or written)
    return written
