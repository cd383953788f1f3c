"""R4 on writes: who may not read a classified value may not write it either.

Which objects, kinds of object and fields are financial or sensitive is policy's
(`policy.unreadable`); this turns its answer into the FORBIDDEN errors a change returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from relgraph.errors import DomainError, ErrorCode, FieldError
from relgraph.policy import Viewer, unreadable

__all__ = ["camel", "check_writable"]


def camel(name: str) -> str:
    """A column's name as the API spells it: invoice_email -> invoiceEmail."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def check_writable(
    actor: Viewer,
    object_type: str,
    fields: Iterable[str] = (),
    *,
    kind: str | None = None,
    what: str,
    at: Sequence[str] = (),
) -> None:
    """FORBIDDEN unless `actor` may read the `object_type` (of `kind`) and the `fields` it sends.

    A field it may not read is FORBIDDEN at that field (camelCase); the object as a whole
    (bank accounts, sales data, an invoice address) at `at`. `what` opens the message:
    "Changing invoice data" needs the FINANCE permission.
    """
    errors = [
        FieldError(
            tuple(at) if name is None else (camel(name),),
            f"{what} needs {need.describe()}.",
            ErrorCode.FORBIDDEN,
        )
        for name, need in unreadable(actor, object_type, fields, kind=kind)
    ]
    if errors:
        raise DomainError(errors)
