"""Bank accounts of parties. Financial: only FINANCE users see them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import strawberry

from relgraph.domain.party_data import iban
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.ids import encode_id
from relgraph.graphql.core.node import Node, owning_party, register_type
from relgraph.graphql.party_data.loaders import bank_account_by_id
from relgraph.policy import may_read

if TYPE_CHECKING:
    from relgraph.db import models

__all__ = ["BankAccount"]


@strawberry.type(
    description=(
        "A bank account (bankrekening) of a party. Financial: only users with FINANCE see "
        "bank accounts or change them. At most one per party is primary."
    )
)
class BankAccount(Node):
    pk: strawberry.Private[int]
    party_id: strawberry.Private[int]
    iban: str = strawberry.field(
        description='The IBAN in groups of four, as printed: "NL91 ABNA 0417 1643 00".'
    )
    iban_compact: str = strawberry.field(
        description='The IBAN without spaces, upper case: "NL91ABNA0417164300" (for payment files).'
    )
    bic: str | None = strawberry.field(
        description=(
            "The bank's BIC (SWIFT code), e.g. ABNANL2A: the one recorded, else the one the bank "
            "registry (schwifty) gives for the IBAN; null when neither is known."
        )
    )
    bank_name: str | None = strawberry.field(
        description=(
            'The name of the bank the IBAN belongs to ("ABN AMRO BANK N.V."), from the bank '
            "registry (schwifty); null when the registry does not know the bank."
        )
    )
    holder_name: str | None = strawberry.field(
        description="The name the account is held in (tenaamstelling)."
    )
    primary: bool = strawberry.field(
        description="True for the party's main account (at most one; always active)."
    )
    active: bool = strawberry.field(description="Inactive accounts are kept for history.")
    version: int = strawberry.field(description="Send as `expectedVersion` to update safely.")
    created_at: dt.datetime = strawberry.field(description="When it was recorded.")
    updated_at: dt.datetime = strawberry.field(description="When it was last changed.")

    @classmethod
    def from_row(cls, row: models.BankAccount) -> BankAccount:
        bank = iban.bank_of(row.iban)
        return cls(
            pk=row.id,
            id=strawberry.ID(encode_id("BankAccount", row.id)),
            party_id=row.party_id,
            iban=iban.grouped(row.iban),
            iban_compact=row.iban,
            bic=row.bic or (bank.bic if bank else None),
            bank_name=bank.name if bank else None,
            holder_name=row.holder_name,
            primary=row.is_primary,
            active=row.active,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    party = owning_party("The organisation or person that holds the account.")


async def _bank_account(info: Info, pk: int) -> BankAccount | None:
    # R4: a bank account the viewer may not see is as absent as one that does not exist.
    if not may_read(info.context.viewer, "BankAccount"):
        return None
    row = await info.context.loaders[bank_account_by_id].load(pk)
    return BankAccount.from_row(row) if row else None


register_type(BankAccount, _bank_account)
