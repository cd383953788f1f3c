"""Identifiers that pass the libraries' checks, made from a serial number: for test data
that needs many distinct valid ones (the check digits come from the same libraries)."""

from __future__ import annotations

from schwifty import IBAN

from relgraph.demo.base import rsin

__all__ = ["dutch_iban", "dutch_vat", "eleven_proof"]


def eleven_proof(serial: int) -> str:
    """Nine digits that pass the 11-check (a BSN, an RSIN): the first valid one from `serial`."""
    return rsin(serial)


def dutch_iban(account: int, bank: str = "ABNA") -> str:
    """A valid Dutch IBAN, compact: `bank` and the 10-digit `account`."""
    return IBAN.generate("NL", bank_code=bank, account_code=f"{account % 10**10:010d}").compact


def dutch_vat(serial: int, branch: str = "01") -> str:
    """A valid Dutch VAT number: an RSIN from `serial`, B and the branch number."""
    return f"NL{eleven_proof(serial)}B{branch}"
