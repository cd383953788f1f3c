"""The data subject access export of one person (ADMIN)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from relgraph.domain.person_export import export_person
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.errors import PublicError
from relgraph.graphql.core.ids import decode_id, encode_id
from relgraph.policy import can_export_person_data

__all__ = ["PersonDataQueries"]


@strawberry.type
class PersonDataQueries:
    @strawberry.field(
        description=(
            "Everything stored about one person as one JSON document, for a data subject access "
            "request (inzageverzoek): the person's fields, contact means, addresses, bank "
            "accounts, memberships (with organisation names), relations, internal relations, "
            "party types and employee data, customer groups, document metadata, notes, "
            "activities and the audit events about them. ADMIN only (others: null with a "
            "FORBIDDEN error). Financial values need FINANCE and the BSN needs SENSITIVE, as "
            "everywhere; `withheld` lists what was left out for that reason. Null for an "
            "unknown ID. Keys are camelCase column names; IDs inside are database ids, "
            "`person.globalId` is the person's API ID."
        )
    )
    async def person_data_export(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The person's global ID.")],
    ) -> JSON | None:
        if not can_export_person_data(info.context.viewer):
            raise PublicError("Only ADMIN may export everything stored about a person.", "FORBIDDEN")
        decoded = decode_id(id)
        if decoded is None or decoded[0] != "Person":
            return None
        document = await info.context.read(export_person, viewer=info.context.viewer, id=decoded[1])
        if document is None:
            return None
        document["person"]["globalId"] = encode_id("Person", decoded[1])
        return document
