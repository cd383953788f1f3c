"""Plan notes and activities on the flagship group's first organisations.

The holding and Noorderlicht Bouw get one note of each kind and a mix of activities: a
call done, a meeting planned, a task overdue, so that the timeline and the status
filters show everything on the organisation card. Times hang off the reference time,
so the same seed gives the same rows; planned ones lie well after it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.db.models import Activity, Note, PartyKind
from relgraph.demo.base import REFERENCE_TIME
from relgraph.demo.organisations import OrgSpec
from relgraph.demo.staff import StaffSpec
from relgraph.demo.writer import Parties

__all__ = ["ActivitySpec", "NoteSpec", "plan_notes", "write_notes"]

ORG = PartyKind.ORGANISATION.value
_NOTES = (
    ("GENERAL", "Receptie meldt bezoekers aan via de hoofdingang; parkeren achter het pand."),
    ("INTERNAL", "Beslissingen lopen via de directie in Groningen; offertes altijd vooraf afstemmen."),
    ("PRICE_AGREEMENT", "Raamcontract: 6% korting op installatiewerk, betaling binnen 30 dagen."),
)
# (kind, subject, body, days after the reference time it is due, done days after, or None)
_ACTIVITIES = (
    ("CALL", "Jaargesprek inplannen", "Contactpersoon gebeld; voorkeur voor een dinsdag.", -30, -29),
    (
        "MEETING",
        "Kwartaaloverleg",
        "Agenda: planning nieuwbouwprojecten, openstaande facturen.",
        365 * 3,
        None,
    ),
    ("TASK", "Offerte onderhoudscontract sturen", None, -7, None),
)


@dataclass(frozen=True)
class NoteSpec:
    org: int
    kind: str
    body: str
    created: dt.datetime
    author: int


@dataclass(frozen=True)
class ActivitySpec:
    org: int
    kind: str
    subject: str
    body: str | None
    due: dt.datetime
    done: dt.datetime | None
    created: dt.datetime
    assignee: int


def plan_notes(
    rng: random.Random, orgs: Sequence[OrgSpec], staff: Sequence[StaffSpec]
) -> tuple[list[NoteSpec], list[ActivitySpec]]:
    """Notes and activities for the first two flagship organisations, by staff who may write."""
    writers = [i for i, s in enumerate(staff) if s.role in ("ADMIN", "TEAM") and s.active]
    flagship = [i for i in (0, 1) if i < len(orgs) and orgs[i].flagship]
    if not writers:
        return [], []
    notes, activities = [], []
    for org in flagship:
        for step, (kind, text) in enumerate(_NOTES):
            created = REFERENCE_TIME - dt.timedelta(days=60 - 10 * step, hours=rng.randint(0, 6))
            notes.append(NoteSpec(org, kind, text, created, rng.choice(writers)))
        for kind, subject, body, due_days, done_days in _ACTIVITIES:
            due = REFERENCE_TIME + dt.timedelta(days=due_days)
            done = None if done_days is None else REFERENCE_TIME + dt.timedelta(days=done_days)
            created = REFERENCE_TIME - dt.timedelta(days=45, hours=rng.randint(0, 6))
            activities.append(ActivitySpec(org, kind, subject, body, due, done, created, rng.choice(writers)))
    return notes, activities


async def write_notes(
    session: AsyncSession,
    notes: Sequence[NoteSpec],
    activities: Sequence[ActivitySpec],
    parties: Parties,
    staff_ids: Sequence[int],
) -> int:
    """Insert the planned notes and activities; return how many rows that was."""

    def stamps(created: dt.datetime, user: int) -> dict[str, Any]:
        by = staff_ids[user]
        return {
            "created_at": created,
            "updated_at": created,
            "created_by_id": by,
            "updated_by_id": by,
            "version": 1,
        }

    note_rows = [
        {"party_id": parties.id((ORG, n.org)), "kind": n.kind, "body": n.body, **stamps(n.created, n.author)}
        for n in notes
    ]
    activity_rows = [
        {
            "party_id": parties.id((ORG, a.org)),
            "kind": a.kind,
            "subject": a.subject,
            "body": a.body,
            "due_at": a.due,
            "done_at": a.done,
            "assignee_id": staff_ids[a.assignee],
            **stamps(a.created, a.assignee),
        }
        for a in activities
    ]
    for model, rows in ((Note, note_rows), (Activity, activity_rows)):
        if rows:
            await session.execute(insert(model.__table__), rows)
    return len(note_rows) + len(activity_rows)
