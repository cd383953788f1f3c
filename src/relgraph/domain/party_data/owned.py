"""Records a party owns with one primary among them: bank accounts (one primary per party),
contact means (one per party and kind), visit addresses (the head office).

A partial unique index holds the flag to one per party (and kind): the record that had
it gives it up in a flush of its own, so that the new one never meets it in the index.
No party holds the same record twice (the same IBAN; the same kind and value).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relgraph.domain.writes import AuditedRows
from relgraph.errors import InvalidInput
from relgraph.policy import Viewer

__all__ = ["OwnedRecords"]


@dataclass(frozen=True)
class OwnedRecords:
    rows: AuditedRows
    # What a party holds at most once, e.g. ("kind", "value"); () when it may repeat.
    key: tuple[str, ...] = ()
    # The primary one is one per party and these columns, e.g. ("kind",).
    per: tuple[str, ...] = ()
    flag: str = "is_primary"

    def _column(self, name: str) -> Any:
        return getattr(self.rows.model, name)

    def scope(self, row: Any) -> tuple[Any, ...]:
        """The values of `row` its primary is one per (besides its party)."""
        return tuple(getattr(row, name) for name in self.per)

    def key_of(self, row: Any) -> tuple[Any, ...]:
        """The values of `row` no party holds twice."""
        return tuple(getattr(row, name) for name in self.key)

    async def holder(self, session: AsyncSession, party_id: int, *scope: Any) -> Any | None:
        """The party's primary record (of `scope`, e.g. its kind), or None."""
        model = self.rows.model
        return await session.scalar(
            select(model)
            .where(
                model.party_id == party_id,
                *(self._column(name) == value for name, value in zip(self.per, scope, strict=True)),
                self._column(self.flag).is_(True),
            )
            .execution_options(populate_existing=True)
        )

    async def same(
        self, session: AsyncSession, party_id: int, key: tuple[Any, ...], own_id: int | None
    ) -> Any | None:
        """The party's other record with `key` (the values of the key columns), or None."""
        model = self.rows.model
        return await session.scalar(
            select(model)
            .where(
                model.party_id == party_id,
                *(self._column(name) == value for name, value in zip(self.key, key, strict=True)),
                model.id != (own_id or 0),
            )
            .execution_options(populate_existing=True)
        )

    async def drop(
        self, session: AsyncSession, actor: Viewer, party_id: int, *scope: Any, keep: int | None, at: str
    ) -> None:
        """Take the flag off the party's primary record (of `scope`) unless it is `keep`."""
        current = await self.holder(session, party_id, *scope)
        if current is not None and current.id != keep:
            before = self.rows.snapshot(current)
            setattr(current, self.flag, False)
            await self.rows.save(session, actor, current, before, at=at)

    async def add(self, session: AsyncSession, actor: Viewer, row: Any, primary: bool | None) -> Any:
        """Insert `row`: the primary one when `primary`, or, when None, when its party has no
        primary one yet. The one it replaces stays, as a plain one."""
        scope = self.scope(row)
        if primary is None:
            primary = await self.holder(session, row.party_id, *scope) is None
        if primary:
            await self.drop(session, actor, row.party_id, *scope, keep=None, at="primary")
        setattr(row, self.flag, bool(primary))
        return await self.rows.add(session, actor, row)

    async def update(
        self, session: AsyncSession, actor: Viewer, row: Any, values: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Set `values` on `row` and save it; a deactivated primary stops being primary.
        Returns the snapshot from before."""
        before = self.rows.snapshot(row)
        for name, value in values.items():
            setattr(row, name, value)
        if not row.active:
            setattr(row, self.flag, False)
        await self.rows.save(session, actor, row, before)
        return before

    async def set_primary(self, session: AsyncSession, actor: Viewer, row: Any) -> Any:
        """Make the active record `row` the primary one (see `take`)."""
        if not row.active:
            raise InvalidInput.at(
                "id", f"Only an active {self.rows.noun} can be the primary one; activate it first."
            )
        return await self.take(session, actor, row)

    async def take(
        self, session: AsyncSession, actor: Viewer, row: Any, *, at: str = "id", holder_at: str = "primary"
    ) -> Any:
        """Make `row` the primary one; the one that was stays, as a plain one. A clash
        in the index is reported at `holder_at` for the old holder, at `at` for `row`."""
        if getattr(row, self.flag):
            return row
        await self.drop(session, actor, row.party_id, *self.scope(row), keep=row.id, at=holder_at)
        before = self.rows.snapshot(row)
        setattr(row, self.flag, True)
        return await self.rows.save(session, actor, row, before, at=at)
