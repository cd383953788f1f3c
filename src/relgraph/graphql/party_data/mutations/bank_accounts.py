"""Bank accounts of parties: add, update, remove, choose the primary one. Needs FINANCE."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types.unset import UNSET

from relgraph.domain.classified import check_writable
from relgraph.domain.party_data import bank_accounts
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.errors import UserError
from relgraph.graphql.core.ids import parse_id, parse_party_id
from relgraph.graphql.core.inputs import INPUT, provided
from relgraph.graphql.core.list_bounds import DUPLICATES_SHOWN, at_most
from relgraph.graphql.core.node import from_row
from relgraph.graphql.core.payloads import DeletePayload, perform
from relgraph.graphql.party_data.types.bank_accounts import BankAccount
from relgraph.graphql.party_data.types.party import Party
from relgraph.policy import Write

__all__ = ["BankAccountMutations"]


@strawberry.input(description="A new bank account of a party. Needs FINANCE.")
class AddBankAccountInput:
    party_id: strawberry.ID = strawberry.field(description="The organisation or person.")
    iban: str = strawberry.field(
        description=(
            'The IBAN, with or without spaces ("NL91 ABNA 0417 1643 00"); checked by schwifty: '
            "its country's length and structure, its check digits and the account number's own."
        )
    )
    bic: str | None = strawberry.field(
        default=None,
        description="The bank's BIC, 8 or 11 characters; left out: the bank registry's, when it knows the bank.",
    )
    holder_name: str | None = strawberry.field(default=None, description="The name the account is held in.")
    primary: bool | None = strawberry.field(
        default=None,
        description="Make it the party's primary account. Left out: primary when the party has none yet.",
    )


@strawberry.input(description="Changes to a bank account; only the fields you send change. Needs FINANCE.")
class UpdateBankAccountInput:
    id: strawberry.ID = strawberry.field(description="The bank account.")
    expected_version: int | None = strawberry.field(
        default=None, description="The version you last saw; if someone changed it since, you get CONFLICT."
    )
    iban: str | None = strawberry.field(
        default=UNSET,
        description="A corrected IBAN; cannot be cleared. Sent without `bic`, the BIC becomes the bank registry's for it (or none).",
    )
    bic: str | None = strawberry.field(default=UNSET, description="BIC; null clears it.")
    holder_name: str | None = strawberry.field(default=UNSET, description="Account holder; null clears it.")
    active: bool | None = strawberry.field(
        default=UNSET,
        description="Deactivate (false) or reactivate (true); a deactivated primary stops being primary.",
    )


@strawberry.input(description="Identifies one bank account.")
class BankAccountIdInput:
    id: strawberry.ID = strawberry.field(description="The bank account.")
    expected_version: int | None = strawberry.field(
        default=None, description="The version you last saw (optimistic concurrency)."
    )


@strawberry.type(description="Result of a mutation on a bank account.")
class BankAccountPayload:
    bank_account: BankAccount | None = strawberry.field(
        default=None, description="The bank account after the change; null when userErrors is not empty."
    )
    possible_duplicates: list[Party] = strawberry.field(
        default_factory=list,
        description=(
            "Other parties with a bank account of the same IBAN (a subsidiary paying from its "
            "holding's account, or a duplicate record), by id, at most "
            f"{DUPLICATES_SHOWN}. Shown, not blocking: the change was made."
        ),
        metadata=at_most(DUPLICATES_SHOWN),
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="What was wrong with the input; empty on success."
    )


def _require_finance(info: Info) -> None:
    # Who may not read bank accounts (R4) may not write them either.
    check_writable(info.context.viewer, "BankAccount", what="Changing bank accounts")


async def _payload(info: Info, session: AsyncSession, row: Any) -> dict[str, Any]:
    duplicates = await bank_accounts.possible_duplicates(
        session, viewer=info.context.viewer, account=row, limit=DUPLICATES_SHOWN
    )
    return {
        "bank_account": BankAccount.from_row(row),
        "possible_duplicates": [
            from_row("Person" if p.kind == "PERSON" else "Organisation", p) for p in duplicates
        ],
    }


_FIELDS = {"iban": "iban", "bic": "bic", "holder_name": "holder_name", "active": "active"}


@strawberry.type
class BankAccountMutations:
    @strawberry.mutation(
        description=(
            "Add a bank account to a party (FINANCE). An invalid IBAN is INVALID at `iban`; the "
            "same IBAN on another party is allowed and listed in possibleDuplicates."
        )
    )
    async def add_bank_account(
        self, info: Info, input: Annotated[AddBankAccountInput, strawberry.argument(description=INPUT)]
    ) -> BankAccountPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            _require_finance(info)
            data = {
                "iban": input.iban,
                "bic": input.bic,
                "holder_name": input.holder_name,
                "primary": input.primary,
            }
            row = await bank_accounts.add(
                session, actor=info.context.viewer, party=parse_party_id(input.party_id, "partyId"), data=data
            )
            return await _payload(info, session, row)

        return await perform(info, BankAccountPayload, Write.ORGANISATION, change)

    @strawberry.mutation(description="Change a bank account (FINANCE).")
    async def update_bank_account(
        self, info: Info, input: Annotated[UpdateBankAccountInput, strawberry.argument(description=INPUT)]
    ) -> BankAccountPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            _require_finance(info)
            row = await bank_accounts.update(
                session,
                actor=info.context.viewer,
                id=parse_id(input.id, "BankAccount", "id"),
                data=provided(input, _FIELDS),
                expected_version=input.expected_version,
            )
            return await _payload(info, session, row)

        return await perform(info, BankAccountPayload, Write.ORGANISATION, change)

    @strawberry.mutation(
        description="Delete a bank account (FINANCE); to keep it for history, deactivate it."
    )
    async def remove_bank_account(
        self, info: Info, input: Annotated[BankAccountIdInput, strawberry.argument(description=INPUT)]
    ) -> DeletePayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            _require_finance(info)
            await bank_accounts.remove(
                session,
                actor=info.context.viewer,
                id=parse_id(input.id, "BankAccount", "id"),
                expected_version=input.expected_version,
            )
            return {"deleted_id": input.id}

        return await perform(info, DeletePayload, Write.ORGANISATION, change)

    @strawberry.mutation(
        description="Make a bank account the party's primary one, in one step (FINANCE); the previous one stays."
    )
    async def set_primary_bank_account(
        self, info: Info, input: Annotated[BankAccountIdInput, strawberry.argument(description=INPUT)]
    ) -> BankAccountPayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            _require_finance(info)
            row = await bank_accounts.set_primary(
                session,
                actor=info.context.viewer,
                id=parse_id(input.id, "BankAccount", "id"),
                expected_version=input.expected_version,
            )
            return await _payload(info, session, row)

        return await perform(info, BankAccountPayload, Write.ORGANISATION, change)
