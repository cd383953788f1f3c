"""Loaders of a party's history: notes, activities, the audit trail and the timeline."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from strawberry.dataloader import DataLoader

from relgraph.db.pagination import Page
from relgraph.domain.history import activities, notes, timeline
from relgraph.domain.history import audit_reads as audit_trail
from relgraph.domain.organisations.merging import report as merge_report
from relgraph.graphql.loader_base import LoaderBase

__all__ = ["HistoryLoaders"]


class HistoryLoaders(LoaderBase):
    """What happened on a party, and what is planned there."""

    @cached_property
    def note_by_id(self) -> DataLoader[int, Any]:
        async def fetch(session: Any, keys: list[int]) -> list[Any]:
            return await notes.get_many(session, viewer=self.context.viewer, ids=keys)

        return self._loader(fetch)

    @cached_property
    def notes_page(self) -> DataLoader[tuple[Any, ...], Page[Any]]:
        """Keys: (party id, kinds or None, PageRequest)."""

        async def fetch(session: Any, ids: list[int], kinds: Any, page: Any) -> dict[Any, Any]:
            return await notes.list_for(session, ids, viewer=self.context.viewer, kinds=kinds, page=page)

        return self._grouped(fetch)

    @cached_property
    def notes_count(self) -> DataLoader[tuple[Any, ...], int]:
        """Keys: (party id, kinds or None)."""

        async def fetch(session: Any, ids: list[int], kinds: Any) -> dict[Any, Any]:
            return await notes.count_for(session, ids, viewer=self.context.viewer, kinds=kinds)

        return self._grouped(fetch)

    @cached_property
    def activity_by_id(self) -> DataLoader[int, Any]:
        async def fetch(session: Any, keys: list[int]) -> list[Any]:
            return await activities.get_many(session, viewer=self.context.viewer, ids=keys)

        return self._loader(fetch)

    @cached_property
    def activities_page(self) -> DataLoader[tuple[Any, ...], Page[Any]]:
        """Keys: (party or user id, "party" | "assignee", Status or None, PageRequest)."""

        async def fetch(session: Any, ids: list[int], by: str, status: Any, page: Any) -> dict[Any, Any]:
            return await activities.list_for(
                session, ids, by=by, viewer=self.context.viewer, status=status, page=page
            )

        return self._grouped(fetch)

    @cached_property
    def activities_count(self) -> DataLoader[tuple[Any, ...], int]:
        """Keys: (party or user id, "party" | "assignee", Status or None)."""

        async def fetch(session: Any, ids: list[int], by: str, status: Any) -> dict[Any, Any]:
            return await activities.count_for(session, ids, by=by, viewer=self.context.viewer, status=status)

        return self._grouped(fetch)

    @cached_property
    def audit_events_page(self) -> DataLoader[tuple[Any, ...], Page[Any]]:
        """Keys: (party id, PageRequest)."""

        async def fetch(session: Any, ids: list[int], page: Any) -> dict[Any, Any]:
            return await audit_trail.list_for(session, ids, viewer=self.context.viewer, page=page)

        return self._grouped(fetch)

    @cached_property
    def audit_events_count(self) -> DataLoader[tuple[Any, ...], int]:
        """Keys: (party id,)."""

        async def fetch(session: Any, ids: list[int]) -> dict[Any, Any]:
            return await audit_trail.count_for(session, ids, viewer=self.context.viewer)

        return self._grouped(fetch)

    @cached_property
    def timeline_page(self) -> DataLoader[tuple[Any, ...], Page[Any]]:
        """Keys: (party id, kinds, PageRequest)."""

        async def fetch(session: Any, ids: list[int], kinds: Any, page: Any) -> dict[Any, Any]:
            return await timeline.list_for(session, ids, viewer=self.context.viewer, kinds=kinds, page=page)

        return self._grouped(fetch)

    @cached_property
    def timeline_count(self) -> DataLoader[tuple[Any, ...], int]:
        """Keys: (party id, kinds)."""

        async def fetch(session: Any, ids: list[int], kinds: Any) -> dict[Any, Any]:
            return await timeline.count_for(session, ids, viewer=self.context.viewer, kinds=kinds)

        return self._grouped(fetch)

    @cached_property
    def party_sight_by_id(self) -> DataLoader[int, tuple[bool, bool]]:
        """Keys: party id. Values: may the viewer see the party (R1), and its documents (R2)?"""

        async def fetch(session: Any, keys: list[int]) -> list[tuple[bool, bool]]:
            return list(await merge_report.sight_of_parties(session, self.context.viewer, keys))

        return self._loader(fetch)
