"""Party types (ADMIN domain data), a party's types, and type-specific data."""

from __future__ import annotations

import decimal
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types.unset import UNSET

from relgraph.db.models.party_types import CUSTOMER, EMPLOYEE, SUPPLIER
from relgraph.domain.party_data import party_types
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.enums import PartyKind
from relgraph.graphql.core.errors import UserError
from relgraph.graphql.core.ids import parse_party_id
from relgraph.graphql.core.inputs import INPUT, provided
from relgraph.graphql.core.list_bounds import MAX_DOMAIN_DATA, at_most
from relgraph.graphql.core.payloads import perform
from relgraph.graphql.party_data.types.party_types import (
    EmployeeData,
    PartyType,
    PurchaseRelation,
    SalesRelation,
)
from relgraph.policy import Write

__all__ = ["PartyTypeMutations"]

_D = "Leave out to keep the current value; null clears it."


@strawberry.input(description="A new party type (ADMIN).")
class CreatePartyTypeInput:
    code: str = strawberry.field(description="Stable code in capitals, e.g. PARTNER.")
    name: str = strawberry.field(description="Name to show.")
    party_kind: PartyKind = strawberry.field(
        description="Whether organisations or persons can have this type."
    )
    description: str | None = strawberry.field(default=None, description="What the type means.")


@strawberry.type(description="Result of createPartyType.")
class PartyTypePayload:
    party_type: PartyType | None = strawberry.field(default=None, description="The new type.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description="Empty on success.")


@strawberry.input(description="Set exactly which types a party has.")
class SetPartyTypesInput:
    party_id: strawberry.ID = strawberry.field(description="The organisation or person.")
    types: list[str] = strawberry.field(
        description='Type codes, e.g. ["CUSTOMER", "SUPPLIER"]; an empty list removes all.'
    )


@strawberry.type(description="Result of setPartyTypes.")
class SetPartyTypesPayload:
    types: list[PartyType] | None = strawberry.field(
        default=None,
        description=f"The party's types now; at most {MAX_DOMAIN_DATA}.",
        metadata=at_most(MAX_DOMAIN_DATA),
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description="Empty on success.")


@strawberry.input(description="Sales data of a customer; adds the CUSTOMER type. Needs FINANCE.")
class SetSalesRelationInput:
    party_id: strawberry.ID = strawberry.field(description="The organisation.")
    vat_liable: bool | None = strawberry.field(default=UNSET, description="VAT is charged on sales.")
    credit_limit: decimal.Decimal | None = strawberry.field(
        default=UNSET, description=f"Credit limit, a decimal string. {_D}"
    )
    currency: str | None = strawberry.field(default=UNSET, description="ISO 4217 code; EUR when empty.")
    payment_term_days: int | None = strawberry.field(
        default=UNSET, description=f"Payment term, 0-365 days. {_D}"
    )
    discount_percent: decimal.Decimal | None = strawberry.field(
        default=UNSET, description=f"Discount, 0-100. {_D}"
    )
    order_stop: bool | None = strawberry.field(default=UNSET, description="Refuse new orders.")


@strawberry.input(description="Purchase data of a supplier; adds the SUPPLIER type. Needs FINANCE.")
class SetPurchaseRelationInput:
    party_id: strawberry.ID = strawberry.field(description="The organisation.")
    payment_term_days: int | None = strawberry.field(
        default=UNSET, description=f"Their payment term, 0-365 days. {_D}"
    )
    our_account_number: str | None = strawberry.field(
        default=UNSET, description=f"Our number in their books. {_D}"
    )


@strawberry.input(
    description="Employee data of a person; adds the EMPLOYEE type. The salary and its currency need FINANCE."
)
class SetEmployeeDataInput:
    person_id: strawberry.ID = strawberry.field(description="The person.")
    employee_number: str | None = strawberry.field(default=UNSET, description=f"Personnel number. {_D}")
    salary: decimal.Decimal | None = strawberry.field(
        default=UNSET, description=f"Salary, a decimal string. {_D}"
    )
    currency: str | None = strawberry.field(default=UNSET, description="ISO 4217 code; EUR when empty.")


@strawberry.type(description="Result of setSalesRelation.")
class SalesRelationPayload:
    sales_relation: SalesRelation | None = strawberry.field(default=None, description="The sales data now.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description="Empty on success.")


@strawberry.type(description="Result of setPurchaseRelation.")
class PurchaseRelationPayload:
    purchase_relation: PurchaseRelation | None = strawberry.field(
        default=None, description="The purchase data now."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description="Empty on success.")


@strawberry.type(description="Result of setEmployeeData.")
class EmployeeDataPayload:
    employee: EmployeeData | None = strawberry.field(default=None, description="The employee data now.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description="Empty on success.")


async def _set(
    info: Info,
    session: AsyncSession,
    code: str,
    party: tuple[str, int],
    data: dict[str, Any],
    field: str = "partyId",
) -> Any:
    return await party_types.set_data(
        session, actor=info.context.viewer, code=code, party=party, data=data, field=field
    )


@strawberry.type
class PartyTypeMutations:
    @strawberry.mutation(description="Add a party type (ADMIN).")
    async def create_party_type(
        self, info: Info, input: Annotated[CreatePartyTypeInput, strawberry.argument(description=INPUT)]
    ) -> PartyTypePayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            row = await party_types.create_type(
                session,
                actor=info.context.viewer,
                code=input.code,
                name=input.name,
                party_kind=input.party_kind.value,
                description=input.description,
            )
            return {"party_type": PartyType.from_row(row)}

        return await perform(info, PartyTypePayload, Write.DOMAIN_DATA, change)

    @strawberry.mutation(
        description="Set a party's types. A type whose data is filled (e.g. CUSTOMER with sales data) cannot be removed: CONFLICT."
    )
    async def set_party_types(
        self, info: Info, input: Annotated[SetPartyTypesInput, strawberry.argument(description=INPUT)]
    ) -> SetPartyTypesPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            rows = await party_types.set_types(
                session,
                actor=info.context.viewer,
                party=parse_party_id(input.party_id, "partyId"),
                codes=input.types,
            )
            return {"types": [PartyType.from_row(r) for r in rows[:MAX_DOMAIN_DATA]]}

        return await perform(info, SetPartyTypesPayload, Write.ORGANISATION, change)

    @strawberry.mutation(
        description="Set sales data (verkooprelatie) of an organisation; it becomes a CUSTOMER."
    )
    async def set_sales_relation(
        self, info: Info, input: Annotated[SetSalesRelationInput, strawberry.argument(description=INPUT)]
    ) -> SalesRelationPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            fields = [
                "vat_liable",
                "credit_limit",
                "currency",
                "payment_term_days",
                "discount_percent",
                "order_stop",
            ]
            data = provided(input, {f: f for f in fields})
            row = await _set(info, session, CUSTOMER, parse_party_id(input.party_id, "partyId"), data)
            return {"sales_relation": SalesRelation.from_row(row)}

        return await perform(info, SalesRelationPayload, Write.ORGANISATION, change)

    @strawberry.mutation(
        description="Set purchase data (inkooprelatie) of an organisation; it becomes a SUPPLIER."
    )
    async def set_purchase_relation(
        self, info: Info, input: Annotated[SetPurchaseRelationInput, strawberry.argument(description=INPUT)]
    ) -> PurchaseRelationPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            data = provided(
                input, {"payment_term_days": "payment_term_days", "our_account_number": "our_account_number"}
            )
            row = await _set(info, session, SUPPLIER, parse_party_id(input.party_id, "partyId"), data)
            return {"purchase_relation": PurchaseRelation.from_row(row)}

        return await perform(info, PurchaseRelationPayload, Write.ORGANISATION, change)

    @strawberry.mutation(description="Set employee data of a person; they become an EMPLOYEE.")
    async def set_employee_data(
        self, info: Info, input: Annotated[SetEmployeeDataInput, strawberry.argument(description=INPUT)]
    ) -> EmployeeDataPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            data = provided(
                input, {"employee_number": "employee_number", "salary": "salary", "currency": "currency"}
            )
            row = await _set(
                info, session, EMPLOYEE, parse_party_id(input.person_id, "personId"), data, field="personId"
            )
            return {"employee": EmployeeData.from_row(row)}

        return await perform(info, EmployeeDataPayload, Write.PERSON, change)
