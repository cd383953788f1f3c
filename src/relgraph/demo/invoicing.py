"""Plan invoice data (factuurgegevens): invoice email and name, and where invoices go.

Businesses with a VAT number get invoice data. Most that have a postal address (a PO
box) send invoices there (`invoice_uses_postal_address`); some others have a separate
invoice address, their administration office in the same city. Drawn from a stream of
its own, so the organisations of a seed stay as they were.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from relgraph.db.models import AddressKind
from relgraph.demo.base import AddressSpec
from relgraph.demo.names import BAD_POSTCODE_PAIRS, CITIES, POSTCODE_LETTERS
from relgraph.demo.organisations import BOUW_NAME, OrgSpec

__all__ = ["plan_invoice_data"]

_MAILBOXES = ("facturen", "administratie", "crediteuren", "finance")
_ADMINISTRATION_STREETS = ("Kantorenpark", "Boekhoudersweg", "Stationsplein", "Handelskade")


def _postcode(rng: random.Random, city: str) -> str:
    low, high = CITIES[city][0] if city in CITIES else (1000, 9999)
    while True:
        letters = "".join(rng.choice(POSTCODE_LETTERS) for _ in range(2))
        if letters not in BAD_POSTCODE_PAIRS:
            return f"{rng.randint(low, high)} {letters}"


def plan_invoice_data(rng: random.Random, specs: Sequence[OrgSpec]) -> None:
    """Add invoice values, and for some an INVOICE address, to the organisations in `specs`."""
    for spec in specs:
        # The organisation the example queries open always has them, to show on its card.
        shown = spec.name == BOUW_NAME
        if not spec.values.get("vat_number") or not (shown or rng.random() < 0.8):
            continue
        postal = any(a.kind == AddressKind.POSTAL.value for a in spec.addresses)
        spec.values["invoice_email"] = f"{rng.choice(_MAILBOXES)}@{spec.domain}"
        if shown or rng.random() < 0.3:
            spec.values["invoice_company_name"] = spec.values.get("legal_name") or spec.name
        if postal and (shown or rng.random() < 0.75):
            spec.values["invoice_uses_postal_address"] = True
        elif not postal and (shown or rng.random() < 0.35):
            city = spec.addresses[0].city
            spec.addresses.append(
                AddressSpec(
                    kind=AddressKind.INVOICE.value,
                    street=rng.choice(_ADMINISTRATION_STREETS),
                    house_number=str(rng.randint(1, 120)),
                    house_number_addition=None,
                    postcode=_postcode(rng, city),
                    city=city,
                    is_head_office=False,
                )
            )
