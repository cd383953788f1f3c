"""addBusinessRelation: a new person, linked to an organisation, in one go."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.domain.memberships import business_relations
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.errors import UserError
from relgraph.graphql.core.ids import IdCollector
from relgraph.graphql.core.inputs import INPUT
from relgraph.graphql.core.payloads import perform
from relgraph.graphql.memberships.mutations.memberships import (
    MembershipFieldsInput,
    membership_data,
)
from relgraph.graphql.memberships.types import Membership
from relgraph.graphql.organisations.mutations.organisations import (
    CreateOrganisationInput,
    organisation_data,
)
from relgraph.graphql.organisations.types import Organisation
from relgraph.graphql.persons.mutations import CreatePersonInput, person_data
from relgraph.graphql.persons.types import Person
from relgraph.policy import Write

__all__ = ["BusinessRelationMutations"]


@strawberry.input(
    description=(
        "A new business relation (zakelijke relatie): the person, where they work (an "
        "existing organisation OR a new one) and the membership details."
    )
)
class AddBusinessRelationInput:
    person: CreatePersonInput = strawberry.field(description="The new person.")
    organisation_id: strawberry.ID | None = strawberry.field(
        default=None, description="An existing organisation; leave out when giving newOrganisation."
    )
    new_organisation: CreateOrganisationInput | None = strawberry.field(
        default=None, description="A new organisation to create; leave out when giving organisationId."
    )
    membership: MembershipFieldsInput = strawberry.field(
        default_factory=MembershipFieldsInput, description="Job, contact details, role and tags."
    )


@strawberry.type(description="Result of addBusinessRelation.")
class AddBusinessRelationPayload:
    person: Person | None = strawberry.field(default=None, description="The new person.")
    organisation: Organisation | None = strawberry.field(
        default=None, description="The organisation (the new one, when newOrganisation was given)."
    )
    membership: Membership | None = strawberry.field(default=None, description="The new membership.")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Every invalid field of every part, with its path (e.g. person.lastName); nothing was created.",
    )


@strawberry.type
class BusinessRelationMutations:
    @strawberry.mutation(
        description=(
            "Create a person and link them to an existing or a new organisation, all or "
            "nothing: if any part is invalid, nothing is created and every problem is listed."
        )
    )
    async def add_business_relation(
        self, info: Info, input: Annotated[AddBusinessRelationInput, strawberry.argument(description=INPUT)]
    ) -> AddBusinessRelationPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            # IDs are decoded into the same error list as the fields: all problems at once.
            ids = IdCollector()
            organisation_id = (
                None
                if input.organisation_id is None
                else ids.parse(input.organisation_id, "Organisation", ["organisationId"])
            )
            result = await business_relations.add(
                session,
                actor=info.context.viewer,
                person=person_data(input.person),
                membership=membership_data(input.membership, ids, ("membership",)),
                organisation_id=organisation_id,
                new_organisation=None
                if input.new_organisation is None
                else organisation_data(input.new_organisation),
                input_errors=ids.errors,
                organisation_given=input.organisation_id is not None,
            )
            return {
                "person": Person.from_row(result.person),
                "organisation": Organisation.from_row(result.organisation),
                "membership": Membership.from_row(result.membership),
            }

        return await perform(info, AddBusinessRelationPayload, Write.MEMBERSHIP, change)
