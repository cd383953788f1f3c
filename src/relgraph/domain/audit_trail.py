"""Reading the audit trail (R6): a party's events, with values masked per viewer (R4).

Events keep the values as they were; masking happens here, at read time, so that a
viewer with FINANCE or SENSITIVE sees what changed and one without sees only that it
changed. Documents' events follow R2 like the documents themselves.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from relgraph.db.models import AuditEvent
from relgraph.db.pagination import (
    OrderKey,
    Page,
    PageRequest,
    count_many,
    paginate_many,
)
from relgraph.domain import merge_report
from relgraph.policy import (
    Viewer,
    can_see_financials,
    can_see_sensitive,
    documents_of_party_visible,
    note_kinds_readable,
    party_visible,
    sees_all_persons,
)

__all__ = [
    "FINANCIAL_FIELDS",
    "FINANCIAL_OBJECTS",
    "SENSITIVE_FIELDS",
    "ShownChange",
    "count_for",
    "list_for",
    "shown_changes",
    "visible",
]

SENSITIVE_FIELDS = frozenset({"bsn"})
# Financial values (R4), wherever they occur; every field starting with "invoice" too.
FINANCIAL_FIELDS = frozenset(
    {
        "iban",
        "bic",
        "holder_name",
        "salary",
        "credit_limit",
        "commission_percent",
        "vat_number",
        "vat_liable",
        "discount_percent",
        "payment_term_days",
        "our_account_number",
        "currency",
        "order_stop",
    }
)
# Objects whose every value is financial.
FINANCIAL_OBJECTS = frozenset({"BankAccount", "SalesRelation", "PurchaseRelation"})
_ORDER = [OrderKey(AuditEvent.at, "at", descending=True), OrderKey(AuditEvent.id, "id", descending=True)]


def visible(viewer: Viewer) -> ColumnElement[bool]:
    """SQL: the events `viewer` may list.

    A shielded party's document events follow R2. A relation is recorded on the trail of
    both its ends; one with a person hidden from the viewer (R1) is left out on the other
    end's trail too, as the relation itself is.
    """
    documents = or_(AuditEvent.object_type != "Document", documents_of_party_visible(viewer, AuditEvent.party_id))
    if sees_all_persons(viewer):
        return documents
    end = aliased(AuditEvent)
    hidden_end = (
        select(end.id)
        .where(
            end.object_type == "Relation",
            end.object_id == AuditEvent.object_id,
            ~party_visible(viewer, end.party_id),
        )
        .exists()
    )
    return and_(documents, or_(AuditEvent.object_type != "Relation", ~hidden_end))


def _listed(viewer: Viewer) -> Select[Any]:
    return select(AuditEvent).where(AuditEvent.party_id.is_not(None), visible(viewer))


async def list_for(
    session: AsyncSession, party_ids: Sequence[int], *, viewer: Viewer, page: PageRequest
) -> dict[Hashable, Page[AuditEvent]]:
    """One page of each party's audit trail, newest first."""
    return await paginate_many(session, _listed(viewer), AuditEvent, AuditEvent.party_id, party_ids, _ORDER, page)


async def count_for(session: AsyncSession, party_ids: Sequence[int], *, viewer: Viewer) -> dict[Hashable, int]:
    return await count_many(session, _listed(viewer), AuditEvent.party_id, party_ids)


@dataclass(frozen=True)
class ShownChange:
    field: str
    before: str | None
    after: str | None
    masked: bool


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _kinds(changes: Mapping[str, Any]) -> set[str]:
    # Events of notes and addresses always carry the kind: what they may show depends on it.
    kind = changes.get("kind")
    if not isinstance(kind, Mapping):
        return set()
    return {k for k in (kind.get("before"), kind.get("after")) if k}


def shown_changes(
    event: AuditEvent, viewer: Viewer, merge_sight: merge_report.Sight | None = None
) -> list[ShownChange]:
    """The event's changes as `viewer` may see them: masked values are null, `masked` true.

    A merge's report is counted for the reader by `merge_sight` (merge_report.sight_of, or
    a loader): without it, what depends on the database counts as hidden.
    """
    finance, sensitive = can_see_financials(viewer), can_see_sensitive(viewer)
    # A merge's report, never as stored (it names hidden parties): counted for this reader.
    changes = merge_report.for_reader(event.changes or {}, merge_sight or merge_report.Sight(viewer))
    whole_hidden = (event.object_type in FINANCIAL_OBJECTS and not finance) or (
        event.object_type == "Note" and not _kinds(changes) <= note_kinds_readable(viewer)
    ) or (event.object_type == "Address" and "INVOICE" in _kinds(changes) and not finance)
    shown = []
    for name in sorted(changes):
        change = changes[name]
        if not isinstance(change, Mapping):
            change = {"before": None, "after": change}
        if event.object_type in ("Note", "Address") and name == "kind":
            hidden = False
        elif whole_hidden:
            hidden = True
        elif name in SENSITIVE_FIELDS:
            hidden = not sensitive
        elif name in FINANCIAL_FIELDS or name.startswith("invoice"):
            hidden = not finance
        else:
            hidden = False
        if hidden:
            shown.append(ShownChange(name, None, None, True))
        else:
            shown.append(ShownChange(name, _json(change.get("before")), _json(change.get("after")), False))
    return shown
