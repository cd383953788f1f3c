"""Adding a business relation (zakelijke relatie toevoegen): a person, linked at once.

One form, one transaction: the person, an existing or new organisation, and the
membership between them. Every invalid field of every part is reported, with its path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.models import Membership, Organisation, Person
from relgraph.domain import parties
from relgraph.domain.memberships import memberships
from relgraph.domain.organisations import organisations
from relgraph.domain.persons import persons
from relgraph.domain.validation import Checks
from relgraph.errors import DomainError, FieldError, NotFound
from relgraph.policy import Viewer

__all__ = ["BusinessRelation", "add"]


@dataclass
class BusinessRelation:
    person: Person
    organisation: Organisation
    membership: Membership
    organisation_created: bool


async def add(
    session: AsyncSession,
    *,
    actor: Viewer,
    person: Mapping[str, Any],
    membership: Mapping[str, Any],
    organisation_id: int | None = None,
    new_organisation: Mapping[str, Any] | None = None,
    input_errors: Sequence[FieldError] = (),
    organisation_given: bool | None = None,
) -> BusinessRelation:
    """Create a person and link it to organisation `organisation_id` or to a new one.

    `input_errors` are problems the caller found decoding the input (a malformed ID);
    they are reported together with the field errors. `organisation_given` says an
    organisation ID was sent even if it could not be decoded.
    """
    checks = Checks()
    checks.errors.extend(input_errors)
    if organisation_given is None:
        organisation_given = organisation_id is not None
    persons.clean(checks.nested("person"), person, creating=True)
    memberships.clean(checks.nested("membership"), membership)
    if organisation_given == (new_organisation is not None):
        checks.fail("organisationId", "Give either organisationId or newOrganisation, not both or neither.")
    elif new_organisation is not None:
        sub = checks.nested("newOrganisation")
        organisations.clean_with_visit_address(sub, new_organisation, creating=True)
    checks.raise_if_any()

    created = new_organisation is not None
    if new_organisation is not None:
        try:
            organisation = await organisations.create(session, actor=actor, data=new_organisation)
        except DomainError as error:
            raise error.under("newOrganisation") from None
    else:
        found = await session.get(Organisation, organisation_id)
        if found is None:
            raise NotFound("organisationId", "No organisation with this id.")
        parties.refuse_merged(found, "organisationId")
        organisation = found
    new_person = await persons.create(session, actor=actor, data=person)
    try:
        link = await memberships.link(
            session, actor=actor, person=new_person, organisation=organisation, data=membership
        )
    except DomainError as error:
        raise error.under("membership") from None
    return BusinessRelation(new_person, organisation, link, created)
