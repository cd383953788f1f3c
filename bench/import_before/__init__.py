"""A frozen copy of the importer as it was before issue 25 sped it up: bench/import.py's
"before" line, so that its ratio keeps measuring against the same thing.

The modules are src/relgraph/transfer/{importing,rows,tables,writing,cross_checks,
duplicates}.py of commit 49b1af3 (main before the speed-up), imports made local, writing
its rows as before COPY (db.bulk.insert_rows: an executemany on SQLite, one INSERT ...
SELECT FROM unnest(arrays) per table and chunk on PostgreSQL). Everything else (the
domain's checks, search keys, db.bulk) is relgraph's own, but for the identifier checks,
which the speed-up gave shortcuts and caches: `old_identifiers()` puts back their code
of then (email-validator and stdnum on every value) for the length of a block.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from import_before.importing import import_csv
from relgraph.domain import identifiers

__all__ = ["import_csv", "old_identifiers"]


_uncached_postcode = identifiers.postcode.__wrapped__


def _email(value: str) -> str:
    return identifiers._email_by_library(value)


def _vat(value: str) -> str:
    return identifiers._vat_by_stdnum("".join(value.split()).upper())


def _postcode(value: str, country: str) -> str:
    return _uncached_postcode(value, country)


@contextlib.contextmanager
def old_identifiers() -> Iterator[None]:
    """Inside the block, Checks validates e-mail addresses, VAT numbers and postcodes as
    before the speed-up (Checks looks them up in the identifiers module at each call)."""
    kept = identifiers.email, identifiers.vat, identifiers.postcode
    identifiers.email, identifiers.vat, identifiers.postcode = _email, _vat, _postcode  # type: ignore[assignment]
    try:
        yield
    finally:
        identifiers.email, identifiers.vat, identifiers.postcode = kept
