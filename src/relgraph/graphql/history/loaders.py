"""Loaders of a party's history: notes, activities, the audit trail and the timeline."""

from __future__ import annotations

from typing import Any

from strawberry.dataloader import DataLoader

from relgraph.db.pagination import Page
from relgraph.domain.history import activities, audit_reads, notes, timeline
from relgraph.domain.organisations.merging.report import sight_of_parties
from relgraph.graphql.core.loaders import Loaders

__all__ = [
    "activities_count",
    "activities_page",
    "activity_by_id",
    "audit_events_count",
    "audit_events_page",
    "note_by_id",
    "notes_count",
    "notes_page",
    "party_sight_by_id",
    "timeline_count",
    "timeline_page",
]


def note_by_id(loaders: Loaders) -> DataLoader[int, Any]:
    async def fetch(session: Any, keys: list[int]) -> list[Any]:
        return await notes.get_many(session, viewer=loaders.viewer, ids=keys)

    return loaders.batch(fetch)


def notes_page(loaders: Loaders) -> DataLoader[tuple[Any, ...], Page[Any]]:
    """Keys: (party id, kinds or None, PageRequest)."""

    async def fetch(session: Any, ids: list[int], kinds: Any, page: Any) -> dict[Any, Any]:
        return await notes.list_for(session, ids, viewer=loaders.viewer, kinds=kinds, page=page)

    return loaders.grouped(fetch)


def notes_count(loaders: Loaders) -> DataLoader[tuple[Any, ...], int]:
    """Keys: (party id, kinds or None)."""

    async def fetch(session: Any, ids: list[int], kinds: Any) -> dict[Any, Any]:
        return await notes.count_for(session, ids, viewer=loaders.viewer, kinds=kinds)

    return loaders.grouped(fetch)


def activity_by_id(loaders: Loaders) -> DataLoader[int, Any]:
    async def fetch(session: Any, keys: list[int]) -> list[Any]:
        return await activities.get_many(session, viewer=loaders.viewer, ids=keys)

    return loaders.batch(fetch)


def activities_page(loaders: Loaders) -> DataLoader[tuple[Any, ...], Page[Any]]:
    """Keys: (party or user id, "party" | "assignee", Status or None, PageRequest)."""

    async def fetch(session: Any, ids: list[int], by: str, status: Any, page: Any) -> dict[Any, Any]:
        return await activities.list_for(session, ids, by=by, viewer=loaders.viewer, status=status, page=page)

    return loaders.grouped(fetch)


def activities_count(loaders: Loaders) -> DataLoader[tuple[Any, ...], int]:
    """Keys: (party or user id, "party" | "assignee", Status or None)."""

    async def fetch(session: Any, ids: list[int], by: str, status: Any) -> dict[Any, Any]:
        return await activities.count_for(session, ids, by=by, viewer=loaders.viewer, status=status)

    return loaders.grouped(fetch)


def audit_events_page(loaders: Loaders) -> DataLoader[tuple[Any, ...], Page[Any]]:
    """Keys: (party id, PageRequest)."""

    async def fetch(session: Any, ids: list[int], page: Any) -> dict[Any, Any]:
        return await audit_reads.list_for(session, ids, viewer=loaders.viewer, page=page)

    return loaders.grouped(fetch)


def audit_events_count(loaders: Loaders) -> DataLoader[tuple[Any, ...], int]:
    """Keys: (party id,)."""

    async def fetch(session: Any, ids: list[int]) -> dict[Any, Any]:
        return await audit_reads.count_for(session, ids, viewer=loaders.viewer)

    return loaders.grouped(fetch)


def timeline_page(loaders: Loaders) -> DataLoader[tuple[Any, ...], Page[Any]]:
    """Keys: (party id, kinds, newest first or not, PageRequest)."""

    async def fetch(
        session: Any, ids: list[int], kinds: Any, newest_first: bool, page: Any
    ) -> dict[Any, Any]:
        return await timeline.list_for(
            session, ids, viewer=loaders.viewer, kinds=kinds, page=page, newest_first=newest_first
        )

    return loaders.grouped(fetch)


def timeline_count(loaders: Loaders) -> DataLoader[tuple[Any, ...], int]:
    """Keys: (party id, kinds)."""

    async def fetch(session: Any, ids: list[int], kinds: Any) -> dict[Any, Any]:
        return await timeline.count_for(session, ids, viewer=loaders.viewer, kinds=kinds)

    return loaders.grouped(fetch)


def party_sight_by_id(loaders: Loaders) -> DataLoader[int, tuple[bool, bool]]:
    """Keys: party id. Values: may the viewer see the party (R1), and its documents (R2)?"""

    async def fetch(session: Any, keys: list[int]) -> list[tuple[bool, bool]]:
        return list(await sight_of_parties(session, loaders.viewer, keys))

    return loaders.batch(fetch)
