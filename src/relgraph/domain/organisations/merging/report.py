"""What a merge reports, and to whom: its counts answer what the reader may see.

A merge records every item it counts as the audit trail would judge the item's own event:
its object type and kind (R4: bank accounts, customer and supplier data, invoice addresses
and some kinds of note are not there for every reader), the party it names (R1: the person
of a membership, the other end of a relation) and, for a document, the documents of the
organisation it now belongs to (R2). The MERGE event on the survivor keeps the totals with
those items (`merged_from`), so that every reader of the trail, whenever they read it, is
shown the counts of what they may see then; the actor's payload is counted the same way. A
hidden item is left out of a count exactly as if it had never been there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.bulk import one_of
from relgraph.db.models import Party
from relgraph.policy import (
    Viewer,
    documents_of_party_visible,
    hidden_kinds,
    may_read,
    party_visible,
    sees_all_persons,
)

__all__ = [
    "RECORDED_FIELD",
    "MergeCounts",
    "MergeReport",
    "Sight",
    "for_reader",
    "item",
    "parties_to_look_up",
    "recorded_in",
    "shown",
    "sight_from",
    "sight_of",
    "sight_of_parties",
]

# The change of the survivor's MERGE event that holds the report.
RECORDED_FIELD = "merged_from"
# Where the recorded report keeps its items: {count: {item: how many}}.
_ITEMS = "items"
# An item is a few facets, space-separated: "Note:INTERNAL", "Relation party:31",
# "Document documents". `*` stands for every kind, or every party.
_PARTY = "party:"
_DOCUMENTS = "documents"
_EVERY = "*"


def item(
    object_type: str, kind: str | None = None, *, party: int | None = None, documents: bool = False
) -> str:
    """One moved item as the report records it: what a reader must see for it to count."""
    facets = [object_type if kind is None else f"{object_type}:{kind}"]
    if party is not None:
        facets.append(f"{_PARTY}{party}")
    if documents:
        facets.append(_DOCUMENTS)
    return " ".join(facets)


def _may_read(viewer: Viewer, object_type: str, kind: str | None) -> bool:
    """R4 on a whole object (of a kind, or of every kind): may `viewer` see that it exists?"""
    if kind == _EVERY:
        return may_read(viewer, object_type) and not hidden_kinds(viewer, object_type)
    return may_read(viewer, object_type, kind=kind)


@dataclass
class MergeCounts:
    """What a merge moved, merged (the target's kept) or dropped, per kind."""

    memberships_moved: int = 0
    memberships_merged: int = 0
    subsidiaries_moved: int = 0
    relations_moved: int = 0
    relations_merged: int = 0
    relations_dropped: int = 0
    internal_relations_moved: int = 0
    internal_relations_merged: int = 0
    documents_moved: int = 0
    party_types_added: int = 0
    typed_data_moved: int = 0
    typed_data_merged: int = 0
    addresses_moved: int = 0
    addresses_merged: int = 0
    contact_means_moved: int = 0
    contact_means_merged: int = 0
    bank_accounts_moved: int = 0
    bank_accounts_merged: int = 0
    customer_groups_added: int = 0
    notes_moved: int = 0
    activities_moved: int = 0
    earlier_merges_redirected: int = 0


_COUNTS = tuple(f.name for f in fields(MergeCounts))
# Events recorded before their items were: what each count is of, every kind and party it
# could name, so that its total shows only to a reader who would see all of them.
_UNRECORDED = {
    "memberships_moved": "Membership party:*",
    "memberships_merged": "Membership party:*",
    "subsidiaries_moved": "Organisation",
    "relations_moved": "Relation party:*",
    "relations_merged": "Relation party:*",
    "relations_dropped": "Relation party:*",
    "internal_relations_moved": "InternalRelation",
    "internal_relations_merged": "InternalRelation",
    "documents_moved": "Document documents",
    "party_types_added": "Party",
    "typed_data_moved": "SalesRelation PurchaseRelation",
    "typed_data_merged": "SalesRelation PurchaseRelation",
    "addresses_moved": "Address:*",
    "addresses_merged": "Address:*",
    "contact_means_moved": "ContactMean",
    "contact_means_merged": "ContactMean",
    "bank_accounts_moved": "BankAccount",
    "bank_accounts_merged": "BankAccount",
    "customer_groups_added": "Party",
    "notes_moved": "Note:*",
    "activities_moved": "Activity",
    "earlier_merges_redirected": "Organisation",
}
assert set(_UNRECORDED) == set(_COUNTS)


@dataclass(frozen=True)
class Sight:
    """What one reader may see of the parties a report names, and of the survivor's documents.

    `visible_parties` and `sees_documents` come from the database (sight_of_parties); a
    Sight made without them shows nothing that depends on them.
    """

    viewer: Viewer
    visible_parties: frozenset[int] = frozenset()
    sees_documents: bool = False

    def allows(self, recorded: str) -> bool:
        return all(self._allows(facet) for facet in recorded.split())

    def _allows(self, facet: str) -> bool:
        if facet == _DOCUMENTS:
            return self.sees_documents
        if facet.startswith(_PARTY):
            party = facet.removeprefix(_PARTY)
            return sees_all_persons(self.viewer) if party == _EVERY else int(party) in self.visible_parties
        object_type, _, kind = facet.partition(":")
        return _may_read(self.viewer, object_type, kind or None)


@dataclass
class MergeReport:
    """The items of one merge per count, each as `item` records it."""

    items: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, count: str, recorded: str, how_many: int = 1) -> None:
        assert count in _COUNTS, count
        if how_many:
            self.items.setdefault(count, Counter())[recorded] += how_many

    def named_parties(self) -> set[int]:
        return {
            int(facet.removeprefix(_PARTY))
            for found in self.items.values()
            for recorded in found
            for facet in recorded.split()
            if facet.startswith(_PARTY) and facet != _PARTY + _EVERY
        }

    def counts_for(self, sight: Sight) -> MergeCounts:
        """The counts as the reader of `sight` may see them."""
        return MergeCounts(
            **{
                count: sum(n for recorded, n in found.items() if sight.allows(recorded))
                for count, found in self.items.items()
            }
        )

    def recorded(self, source_id: int, source_name: str) -> dict[str, Any]:
        """The report as the survivor's MERGE event keeps it: the totals and the items."""
        return {
            "id": source_id,
            "name": source_name,
            **{count: sum(found.values()) for count, found in self.items.items()},
            _ITEMS: {count: dict(sorted(found.items())) for count, found in self.items.items()},
        }

    @classmethod
    def from_recorded(cls, value: Mapping[str, Any]) -> MergeReport:
        report = cls()
        items = value.get(_ITEMS)
        for count in _COUNTS:
            total = value.get(count)
            if not isinstance(total, int):
                continue
            if not isinstance(items, Mapping):
                report.add(count, _UNRECORDED[count], total)
                continue
            for recorded, n in (items.get(count) or {}).items():
                report.add(count, recorded, n)
        return report


def recorded_in(changes: Mapping[str, Any] | None) -> MergeReport | None:
    """The report an audit event's changes hold, if it is a merge's."""
    change = (changes or {}).get(RECORDED_FIELD)
    after = change.get("after") if isinstance(change, Mapping) else None
    return MergeReport.from_recorded(after) if isinstance(after, Mapping) else None


def shown(value: Any, sight: Sight) -> Any:
    """`merged_from` as its reader may see it: the source and the counts of what they may see."""
    if not isinstance(value, Mapping):
        return value
    counts = MergeReport.from_recorded(value).counts_for(sight)
    return {
        "id": value.get("id"),
        "name": value.get("name"),
        **{kind: n for kind, n in vars(counts).items() if n},
    }


def for_reader(changes: Mapping[str, Any], sight: Sight) -> Mapping[str, Any]:
    """An audit event's `changes` with the merge report they may hold shown to the reader of `sight`."""
    change = changes.get(RECORDED_FIELD)
    if not isinstance(change, Mapping):
        return changes
    return {**changes, RECORDED_FIELD: {**change, "after": shown(change.get("after"), sight)}}


async def sight_of_parties(
    session: AsyncSession, viewer: Viewer, party_ids: Iterable[int]
) -> Sequence[tuple[bool, bool]]:
    """For each of `party_ids`, in order: may `viewer` see it (R1), and its documents (R2)?

    One statement whatever the number of parties; a party that does not exist is neither.
    """
    ids = list(party_ids)
    if not ids:
        return []
    parties = Party.__table__
    rows = await session.execute(
        select(
            parties.c.id,
            party_visible(viewer, parties.c.id),
            documents_of_party_visible(viewer, parties.c.id),
        ).where(one_of(session, parties.c.id, sorted(set(ids))))
    )
    found = {r[0]: (bool(r[1]), bool(r[2])) for r in rows}
    return [found.get(i, (False, False)) for i in ids]


def parties_to_look_up(report: MergeReport, party_id: int | None) -> list[int]:
    """The parties a reader's Sight of `report` needs, the survivor `party_id` first."""
    return [party_id or 0, *sorted(report.named_parties())]


def sight_from(viewer: Viewer, party_ids: Sequence[int], seen: Sequence[tuple[bool, bool]]) -> Sight:
    """The Sight of `viewer` from sight_of_parties' answer for parties_to_look_up's parties."""
    named = zip(party_ids[1:], seen[1:], strict=True)
    return Sight(viewer, frozenset(p for p, (visible, _) in named if visible), seen[0][1])


async def sight_of(session: AsyncSession, viewer: Viewer, report: MergeReport, party_id: int) -> Sight:
    """What `viewer` may see of `report`, recorded on the party `party_id`, as of now."""
    ids = parties_to_look_up(report, party_id)
    return sight_from(viewer, ids, await sight_of_parties(session, viewer, ids))
