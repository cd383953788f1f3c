"""What a merge reports, and to whom: its counts answer what the reader may see.

A merge records every item it counts with the rule that decides whether a reader may see
it: a party it names (R1: the person of a membership, the other end of a relation), the
documents of the organisation it now belongs to (R2), the kind of a note, financial data
(R4); everything else is seen by whoever sees the organisation. The MERGE event on the
survivor keeps the totals with those conditions (`merged_from`), so that every reader of
the trail, whenever they read it, is shown the counts of what they may see then; the
actor's payload is counted the same way. A hidden item is left out of a count exactly as
if it had never been there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.bulk import one_of
from relgraph.db.models import AddressKind, NoteKind, Party
from relgraph.policy import (
    Viewer,
    can_see_financials,
    documents_of_party_visible,
    note_kinds_readable,
    party_visible,
    sees_all_persons,
)

__all__ = [
    "ALWAYS",
    "DOCUMENTS",
    "FINANCIAL",
    "RECORDED_FIELD",
    "MergeCounts",
    "MergeReport",
    "Sight",
    "address_condition",
    "named_party",
    "note_of_kind",
    "parties_to_look_up",
    "recorded_in",
    "shown",
    "sight_from",
    "sight_of",
    "sight_of_parties",
]

# The change of the survivor's MERGE event that holds the report.
RECORDED_FIELD = "merged_from"
# Where the recorded report keeps its conditional items: {kind: {condition: how many}}.
_CONDITIONS = "seen_only_by"

# What a reader must be allowed to see for one item to count (stored as these strings).
ALWAYS = ""
FINANCIAL = "finance"
DOCUMENTS = "documents"
_PARTY = "party:"
_NOTE = "note:"
# Events recorded before the conditions were: the whole count of a kind shows only to a
# reader who passes its rule for every item it could hold.
_EVERY = "every:"


def named_party(party_id: int) -> str:
    return f"{_PARTY}{party_id}"


def note_of_kind(kind: str) -> str:
    return f"{_NOTE}{kind}"


def address_condition(kind: str) -> str:
    # R4: an INVOICE address is invoice data, financial (README "Addresses").
    return FINANCIAL if kind == AddressKind.INVOICE else ALWAYS


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


_KINDS = tuple(f.name for f in fields(MergeCounts))
# For events recorded before their items' conditions were: the rule each kind's items may
# fall under (the kinds not listed hold nothing any reader of the organisation may not see).
_UNRECORDED = {
    "memberships_moved": _EVERY + "party",
    "memberships_merged": _EVERY + "party",
    "relations_moved": _EVERY + "party",
    "relations_merged": _EVERY + "party",
    "relations_dropped": _EVERY + "party",
    "documents_moved": DOCUMENTS,
    "typed_data_moved": FINANCIAL,
    "typed_data_merged": FINANCIAL,
    "addresses_moved": FINANCIAL,
    "addresses_merged": FINANCIAL,
    "bank_accounts_moved": FINANCIAL,
    "bank_accounts_merged": FINANCIAL,
    "notes_moved": _EVERY + "note",
}


@dataclass(frozen=True)
class Sight:
    """What one reader may see of the parties a report names, and of the survivor's documents.

    `visible_parties` and `sees_documents` come from the database (sight_of_parties); a
    Sight made without them shows nothing that depends on them.
    """

    viewer: Viewer
    visible_parties: frozenset[int] = frozenset()
    sees_documents: bool = False

    def allows(self, condition: str) -> bool:
        viewer = self.viewer
        if condition == ALWAYS:
            return True
        if condition == FINANCIAL:
            return can_see_financials(viewer)
        if condition == DOCUMENTS:
            return self.sees_documents
        if condition.startswith(_PARTY):
            return int(condition.removeprefix(_PARTY)) in self.visible_parties
        if condition.startswith(_NOTE):
            return condition.removeprefix(_NOTE) in note_kinds_readable(viewer)
        if condition == _EVERY + "party":
            return sees_all_persons(viewer)
        if condition == _EVERY + "note":
            return note_kinds_readable(viewer) >= set(NoteKind)
        return False  # a condition this code does not know: hide rather than guess


@dataclass
class MergeReport:
    """The items of one merge per kind, each with what a reader needs to see it."""

    items: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, kind: str, condition: str = ALWAYS, count: int = 1) -> None:
        assert kind in _KINDS, kind
        if count:
            self.items.setdefault(kind, Counter())[condition] += count

    def named_parties(self) -> set[int]:
        return {
            int(c.removeprefix(_PARTY)) for found in self.items.values() for c in found if c.startswith(_PARTY)
        }

    def counts_for(self, sight: Sight) -> MergeCounts:
        """The counts as the reader of `sight` may see them."""
        return MergeCounts(
            **{
                kind: sum(n for condition, n in found.items() if sight.allows(condition))
                for kind, found in self.items.items()
            }
        )

    def recorded(self, source_id: int, source_name: str) -> dict[str, Any]:
        """The report as the survivor's MERGE event keeps it: the totals and the conditions."""
        totals = {kind: sum(found.values()) for kind, found in self.items.items()}
        conditions = {
            kind: {c: n for c, n in sorted(found.items()) if c != ALWAYS} for kind, found in self.items.items()
        }
        return {
            "id": source_id,
            "name": source_name,
            **{kind: n for kind, n in totals.items() if n},
            _CONDITIONS: {kind: found for kind, found in conditions.items() if found},
        }

    @classmethod
    def from_recorded(cls, value: Mapping[str, Any]) -> MergeReport:
        report = cls()
        conditions = value.get(_CONDITIONS)
        for kind in _KINDS:
            total = value.get(kind)
            if not isinstance(total, int):
                continue
            if not isinstance(conditions, Mapping):
                report.add(kind, _UNRECORDED.get(kind, ALWAYS), total)
                continue
            found = conditions.get(kind) or {}
            for condition, n in found.items():
                report.add(kind, condition, n)
            report.add(kind, ALWAYS, total - sum(found.values()))
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
