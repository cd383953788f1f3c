"""Money: a decimal amount with its currency, never a float."""

from __future__ import annotations

import decimal
from typing import overload

import strawberry

__all__ = ["Money", "cents"]

_CENT = decimal.Decimal("0.01")


@overload
def cents(value: decimal.Decimal) -> decimal.Decimal: ...
@overload
def cents(value: None) -> None: ...
def cents(value: decimal.Decimal | None) -> decimal.Decimal | None:
    """Two decimals always: SQLite hands back 2.5 where PostgreSQL says 2.50."""
    return None if value is None else value.quantize(_CENT)


@strawberry.type(description="An amount of money: a decimal string and an ISO 4217 currency, never a float.")
class Money:
    amount: decimal.Decimal = strawberry.field(description='The amount as a decimal string, e.g. "2500.00".')
    currency: str = strawberry.field(description="ISO 4217 currency code, e.g. EUR.")

    @classmethod
    def of(cls, amount: decimal.Decimal | None, currency: str) -> Money | None:
        return None if amount is None else cls(amount=cents(amount), currency=currency)
