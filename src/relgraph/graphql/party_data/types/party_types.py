"""Party types (koppelingen) and the type-specific data of customers, suppliers, employees."""

from __future__ import annotations

import decimal
from typing import TYPE_CHECKING

import strawberry

from relgraph.graphql.core.context import Info
from relgraph.graphql.core.enums import PartyKind
from relgraph.graphql.core.errors import shown_only_if_readable
from relgraph.graphql.core.ids import encode_id
from relgraph.graphql.core.money import Money, cents
from relgraph.graphql.core.node import Node, register_loaded
from relgraph.graphql.party_data.loaders import party_type_by_id

if TYPE_CHECKING:
    from relgraph.db import models

__all__ = ["EmployeeData", "PartyType", "PurchaseRelation", "SalesRelation"]


@strawberry.type(
    description=(
        "A role a party plays for us (type / koppeling): CUSTOMER, SUPPLIER, MANUFACTURER for "
        "organisations; EMPLOYEE, TAX_CLIENT for persons; ADMIN may add more."
    )
)
class PartyType(Node):
    code: str = strawberry.field(description="Stable code, e.g. CUSTOMER; use it in setPartyTypes.")
    name: str = strawberry.field(description="Name to show.")
    party_kind: PartyKind = strawberry.field(description="The kind of party this type applies to.")
    description: str | None = strawberry.field(description="What the type means.")
    built_in: bool = strawberry.field(description="True for the types relgraph ships with.")
    active: bool = strawberry.field(description="Inactive types are not offered any more.")

    @classmethod
    def from_row(cls, row: models.PartyType) -> PartyType:
        return cls(
            id=strawberry.ID(encode_id("PartyType", row.id)),
            code=row.code,
            name=row.name,
            party_kind=PartyKind(row.party_kind),
            description=row.description,
            built_in=row.built_in,
            active=row.active,
        )


@strawberry.type(description="Sales data of a CUSTOMER (verkooprelatie). Financial: needs FINANCE.")
class SalesRelation:
    vat_liable: bool = strawberry.field(description="VAT is charged on sales (btw-plichtig).")
    credit_limit: Money | None = strawberry.field(description="Credit limit (kredietlimiet).")
    currency: str = strawberry.field(description="Currency we invoice this customer in.")
    payment_term_days: int | None = strawberry.field(description="Payment term in days (betalingstermijn).")
    discount_percent: decimal.Decimal | None = strawberry.field(description="Standard discount in percent.")
    order_stop: bool = strawberry.field(description="No new orders are accepted (bestelstop).")

    @classmethod
    def from_row(cls, row: models.SalesRelation) -> SalesRelation:
        return cls(
            vat_liable=row.vat_liable,
            credit_limit=Money.of(row.credit_limit, row.currency),
            currency=row.currency,
            payment_term_days=row.payment_term_days,
            discount_percent=cents(row.discount_percent),
            order_stop=row.order_stop,
        )


@strawberry.type(description="Purchase data of a SUPPLIER (inkooprelatie). Financial: needs FINANCE.")
class PurchaseRelation:
    payment_term_days: int | None = strawberry.field(description="Their payment term in days.")
    our_account_number: str | None = strawberry.field(description="Our customer number in their books.")

    @classmethod
    def from_row(cls, row: models.PurchaseRelation) -> PurchaseRelation:
        return cls(payment_term_days=row.payment_term_days, our_account_number=row.our_account_number)


@strawberry.type(description="Employee data of a person (medewerker).")
class EmployeeData:
    employee_number: str | None = strawberry.field(description="Personnel number.")
    salary_value: strawberry.Private[Money | None]

    @classmethod
    def from_row(cls, row: models.EmployeeData) -> EmployeeData:
        return cls(employee_number=row.employee_number, salary_value=Money.of(row.salary, row.currency))

    @strawberry.field(description="Salary. Financial: needs FINANCE, else null with a FORBIDDEN error.")
    def salary(self, info: Info) -> Money | None:
        shown_only_if_readable(info.context.viewer, "EmployeeData", "salary", what="a salary")
        return self.salary_value


register_loaded(PartyType, party_type_by_id)
