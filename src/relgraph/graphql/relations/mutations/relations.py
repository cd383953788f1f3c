"""Relation types (ADMIN domain data) and relations between parties."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types.unset import UNSET

from relgraph.domain.relations import relation_types, relations
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.enums import PartyKind
from relgraph.graphql.core.errors import UserError
from relgraph.graphql.core.ids import parse_id, parse_party_id
from relgraph.graphql.core.inputs import INPUT, provided
from relgraph.graphql.core.payloads import DeletePayload, perform
from relgraph.graphql.relations.types.relations import Relation, RelationType
from relgraph.policy import Write

__all__ = ["RelationMutations"]

_D = "Leave out to keep the current value."


@strawberry.input(description="A new relation type.")
class CreateRelationTypeInput:
    name: str = strawberry.field(description='How the source sees the target, e.g. "supplier of".')
    inverse_name: str | None = strawberry.field(
        default=None,
        description='How the target sees the source, e.g. "customer of"; ignored when symmetric.',
    )
    symmetric: bool = strawberry.field(default=False, description='True for types like "partner of".')
    source_kinds: list[PartyKind] = strawberry.field(description="Kinds of party allowed as source.")
    target_kinds: list[PartyKind] = strawberry.field(description="Kinds of party allowed as target.")
    description: str | None = strawberry.field(default=None, description="What the type means.")


@strawberry.input(
    description="Changes to a relation type. Kinds and symmetry are fixed once the type is in use."
)
class UpdateRelationTypeInput:
    id: strawberry.ID = strawberry.field(description="The relation type.")
    expected_version: int | None = strawberry.field(default=None, description="The version you last saw.")
    name: str | None = strawberry.field(default=UNSET, description=f"New name. {_D}")
    inverse_name: str | None = strawberry.field(default=UNSET, description=f"New inverse name. {_D}")
    symmetric: bool | None = strawberry.field(default=UNSET, description=f"Symmetry. {_D}")
    source_kinds: list[PartyKind] | None = strawberry.field(default=UNSET, description=f"Source kinds. {_D}")
    target_kinds: list[PartyKind] | None = strawberry.field(default=UNSET, description=f"Target kinds. {_D}")
    description: str | None = strawberry.field(default=UNSET, description=f"Description. {_D}")
    active: bool | None = strawberry.field(
        default=UNSET, description="Reactivate (true) or deactivate (false)."
    )


@strawberry.input(description="Identifies one relation type.")
class RelationTypeIdInput:
    id: strawberry.ID = strawberry.field(description="The relation type.")


@strawberry.type(description="Result of a mutation on a relation type.")
class RelationTypePayload:
    relation_type: RelationType | None = strawberry.field(
        default=None, description="The relation type after the change."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description="Empty on success.")


@strawberry.input(description="Relate two parties.")
class AddRelationInput:
    type_id: strawberry.ID = strawberry.field(description="The relation type.")
    source_id: strawberry.ID = strawberry.field(
        description="The party the relation starts at (Organisation or Person)."
    )
    target_id: strawberry.ID = strawberry.field(description="The party it points to.")
    start_date: dt.date | None = strawberry.field(default=None, description="Since when it holds.")
    end_date: dt.date | None = strawberry.field(default=None, description="Until when, if known.")
    note: str | None = strawberry.field(default=None, description="Free-text note.")


@strawberry.input(description="Changes to a relation; the type and the parties stay.")
class UpdateRelationInput:
    id: strawberry.ID = strawberry.field(description="The relation.")
    expected_version: int | None = strawberry.field(default=None, description="The version you last saw.")
    start_date: dt.date | None = strawberry.field(default=UNSET, description=f"Start date. {_D}")
    end_date: dt.date | None = strawberry.field(default=UNSET, description=f"End date. {_D}")
    note: str | None = strawberry.field(default=UNSET, description=f"Note. {_D}")
    active: bool | None = strawberry.field(
        default=UNSET,
        description=(
            "End (false) or revive (true) the relation. Ending sets endDate to today unless "
            "one is sent (an endDate after today plans the end: active until then); reviving "
            "an ended relation clears endDate unless one is sent."
        ),
    )


@strawberry.input(description="Delete one relation.")
class DeleteRelationInput:
    id: strawberry.ID = strawberry.field(description="The relation.")
    expected_version: int | None = strawberry.field(default=None, description="The version you last saw.")


@strawberry.type(description="Result of a mutation on a relation.")
class RelationPayload:
    relation: Relation | None = strawberry.field(default=None, description="The relation after the change.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description="Empty on success.")


_TYPE_FIELDS = {
    "name": "name",
    "inverse_name": "inverse_name",
    "symmetric": "symmetric",
    "source_kinds": "source_kinds",
    "target_kinds": "target_kinds",
    "description": "description",
}


def _kinds_as_text(data: dict[str, Any]) -> dict[str, Any]:
    for name in ("source_kinds", "target_kinds"):
        if data.get(name) is not None:
            data[name] = [k.value for k in data[name]]
    return data


def _type_payload(row: Any) -> dict[str, Any]:
    return {"relation_type": RelationType.from_row(row)}


@strawberry.type
class RelationMutations:
    @strawberry.mutation(description="Add a relation type (ADMIN).")
    async def create_relation_type(
        self, info: Info, input: Annotated[CreateRelationTypeInput, strawberry.argument(description=INPUT)]
    ) -> RelationTypePayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            data = _kinds_as_text(provided(input, _TYPE_FIELDS))
            return _type_payload(await relation_types.create(session, actor=info.context.viewer, data=data))

        return await perform(info, RelationTypePayload, Write.DOMAIN_DATA, change)

    @strawberry.mutation(description="Change a relation type (ADMIN).")
    async def update_relation_type(
        self, info: Info, input: Annotated[UpdateRelationTypeInput, strawberry.argument(description=INPUT)]
    ) -> RelationTypePayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            data = _kinds_as_text(provided(input, {**_TYPE_FIELDS, "active": "active"}))
            row = await relation_types.update(
                session,
                actor=info.context.viewer,
                id=parse_id(input.id, "RelationType", "id"),
                data=data,
                expected_version=input.expected_version,
            )
            return _type_payload(row)

        return await perform(info, RelationTypePayload, Write.DOMAIN_DATA, change)

    @strawberry.mutation(description="Stop offering a relation type; existing relations keep it (ADMIN).")
    async def deactivate_relation_type(
        self, info: Info, input: Annotated[RelationTypeIdInput, strawberry.argument(description=INPUT)]
    ) -> RelationTypePayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            row = await relation_types.update(
                session,
                actor=info.context.viewer,
                id=parse_id(input.id, "RelationType", "id"),
                data={"active": False},
            )
            return _type_payload(row)

        return await perform(info, RelationTypePayload, Write.DOMAIN_DATA, change)

    @strawberry.mutation(
        description="Delete a relation type that no relation uses; one in use gives CONFLICT (ADMIN)."
    )
    async def delete_relation_type(
        self, info: Info, input: Annotated[RelationTypeIdInput, strawberry.argument(description=INPUT)]
    ) -> DeletePayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            await relation_types.delete(
                session, actor=info.context.viewer, id=parse_id(input.id, "RelationType", "id")
            )
            return {"deleted_id": input.id}

        return await perform(info, DeletePayload, Write.DOMAIN_DATA, change)

    @strawberry.mutation(
        description=(
            "Relate two parties. Refused: a party related to itself, kinds the type does not "
            "allow, a second active relation of the same type between the same pair."
        )
    )
    async def add_relation(
        self, info: Info, input: Annotated[AddRelationInput, strawberry.argument(description=INPUT)]
    ) -> RelationPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            row = await relations.add(
                session,
                actor=info.context.viewer,
                type_id=parse_id(input.type_id, "RelationType", "typeId"),
                source=parse_party_id(input.source_id, "sourceId"),
                target=parse_party_id(input.target_id, "targetId"),
                data={"start_date": input.start_date, "end_date": input.end_date, "note": input.note},
            )
            return {"relation": Relation.from_row(row)}

        return await perform(info, RelationPayload, Write.RELATION, change)

    @strawberry.mutation(description="Change a relation's dates, note or active state.")
    async def update_relation(
        self, info: Info, input: Annotated[UpdateRelationInput, strawberry.argument(description=INPUT)]
    ) -> RelationPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            row = await relations.update(
                session,
                actor=info.context.viewer,
                id=parse_id(input.id, "Relation", "id"),
                data=provided(
                    input,
                    {"start_date": "start_date", "end_date": "end_date", "note": "note", "active": "active"},
                ),
                expected_version=input.expected_version,
            )
            return {"relation": Relation.from_row(row)}

        return await perform(info, RelationPayload, Write.RELATION, change)

    @strawberry.mutation(description="Delete a relation (to keep its history, set active false instead).")
    async def delete_relation(
        self, info: Info, input: Annotated[DeleteRelationInput, strawberry.argument(description=INPUT)]
    ) -> DeletePayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            await relations.delete(
                session,
                actor=info.context.viewer,
                id=parse_id(input.id, "Relation", "id"),
                expected_version=input.expected_version,
            )
            return {"deleted_id": input.id}

        return await perform(info, DeletePayload, Write.RELATION, change)
