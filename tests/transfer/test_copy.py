"""On PostgreSQL the import writes its rows with COPY, not INSERT statements."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from relgraph import transfer
from relgraph.db.models import AuditEvent, ContactMean, Organisation

pytestmark = pytest.mark.postgres_only


async def test_the_import_copies_its_rows_and_they_read_back(engine, sessionmaker, tmp_path: Path) -> None:
    path = tmp_path / "orgs.csv"
    path.write_text(
        'id,name,email,checked\n1,Moeder BV,moeder@groep.nl,true\n2,"Dochter ""Één"" BV",,false\n',
        encoding="utf-8",
    )
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        async with sessionmaker() as session:
            result = await transfer.import_csv(session, "organisations", path)
            assert result.applied and result.imported == 2
            await session.commit()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    inserts = [s.split("(")[0] for s in statements if s.startswith("INSERT")]
    assert inserts == [], "the rows went in by COPY"

    async with sessionmaker() as session:
        names = dict((await session.execute(select(Organisation.id, Organisation.name))).all())
        checked = dict((await session.execute(select(Organisation.id, Organisation.checked))).all())
        emails = list(await session.scalars(select(ContactMean.value)))
        events = (await session.execute(select(AuditEvent.object_id, AuditEvent.changes))).all()
    assert names == {1: "Moeder BV", 2: 'Dochter "Één" BV'}
    assert checked == {1: True, 2: False}
    assert emails == ["moeder@groep.nl"]
    assert sorted(e.object_id for e in events) == [1, 2]
    assert all(isinstance(e.changes, dict) for e in events), "JSON went through its codec"
