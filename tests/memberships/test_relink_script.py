"""examples/scripts/relink_memberships.py against a live server (uvicorn in a thread)."""

from __future__ import annotations

import ast
import asyncio
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from helpers import REPO, add_membership, create_organisation, create_person, pk
from server import free_port
from sqlalchemy import select

from relgraph.config import Settings
from relgraph.db.models import Membership
from relgraph.web import create_app

SCRIPT = REPO / "examples" / "scripts" / "relink_memberships.py"


@pytest.fixture
def server(settings: Settings) -> Iterator[str]:
    """relgraph on the test's database, served by uvicorn on a free port."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=20)


async def run_script(server: str, token: str, csv_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(SCRIPT), str(csv_file), "--url", server, "--token", token, *args]
    return await asyncio.to_thread(
        subprocess.run,
        command,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )


@pytest.fixture
async def people(admin: Any) -> dict[str, Any]:
    old = await create_organisation(admin, "Oud BV")
    new = await create_organisation(admin, "Nieuw BV")
    persons, memberships = [], []
    for i in range(5):
        person = await create_person(admin, f"Verhuizer{i}")
        persons.append(person)
        memberships.append(await add_membership(admin, person, old, startDate="2020-01-01"))
    return {"old": old, "new": new, "persons": persons, "memberships": memberships}


async def active_at(sessionmaker: Any, org: str) -> int:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(Membership.id).where(Membership.organisation_id == pk(org), Membership.active.is_(True))
        )
        return len(list(rows))


async def test_the_script_checks_shows_and_applies_in_chunks(
    server, admin, people, sessionmaker, tmp_path
) -> None:
    m, p = people["memberships"], people["persons"]
    csv_file = tmp_path / "moves.csv"
    csv_file.write_text(
        "membership_id,person_id,from_organisation_id,to_organisation_id,keep_history,start_date\n"
        f"{m[0]},,,{people['new']},,2025-01-01\n"
        f"{pk(m[1])},,,{pk(people['new'])},false,\n"  # plain numbers, as `relgraph export` writes them
        f",{p[2]},{people['old']},{people['new']},true,\n"
        f",{pk(p[3])},{pk(people['old'])},{people['new']},,2025-02-01\n"
        f"{m[4]},,,{people['new']},yes,\n",
        encoding="utf-8",
    )
    checked = await run_script(server, admin.token, csv_file, "--dry-run")
    assert checked.returncode == 0, checked.stderr
    assert "Relinking 5 membership(s)" in checked.stdout
    assert "Verhuizer2" in checked.stdout and "Nieuw BV: 5" in checked.stdout
    assert await active_at(sessionmaker, people["new"]) == 0, "a dry run changes nothing"

    done = await run_script(server, admin.token, csv_file, "--chunk-size", "2")
    assert done.returncode == 0, done.stderr
    assert "relinked 5 membership(s)" in done.stdout
    assert await active_at(sessionmaker, people["new"]) == 5
    assert await active_at(sessionmaker, people["old"]) == 0


async def test_the_script_lists_failing_items_by_line_and_changes_nothing(
    server, admin, people, sessionmaker, tmp_path
) -> None:
    m = people["memberships"]
    csv_file = tmp_path / "moves.csv"
    csv_file.write_text(
        "membership_id,to_organisation_id,start_date\n"
        f"{m[0]},{people['new']},\n"
        f"{m[1]},{people['old']},\n"  # already there
        f"{m[2]},{people['new']},2019-01-01\n"  # before the membership started
        f"{m[3]},{people['new']},\n",
        encoding="utf-8",
    )
    result = await run_script(server, admin.token, csv_file)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "line 3: organisationId: This membership is already at Oud BV." in result.stderr
    assert "line 4: startDate:" in result.stderr
    assert "line 2" not in result.stderr and "line 5" not in result.stderr
    assert await active_at(sessionmaker, people["new"]) == 0

    # A person with no membership at the organisation named: found before any call changes things.
    unknown = tmp_path / "unknown.csv"
    unknown.write_text(
        "person_id,from_organisation_id,to_organisation_id\n"
        f"{people['persons'][0]},{people['new']},{people['old']}\n",
        encoding="utf-8",
    )
    result = await run_script(server, admin.token, unknown)
    assert result.returncode == 1
    assert "line 2: Verhuizer0 has no active membership" in result.stderr


async def test_a_bad_token_or_file_is_exit_status_2(server, tmp_path) -> None:
    csv_file = tmp_path / "moves.csv"
    csv_file.write_text("membership_id,to_organisation_id\n1,2\n", encoding="utf-8")
    result = await run_script(server, "rg_wrong", csv_file)
    assert result.returncode == 2 and "API token" in result.stderr
    missing = await run_script(server, "rg_wrong", tmp_path / "nope.csv")
    assert missing.returncode == 2 and "cannot read" in missing.stderr


def _runtime_distributions() -> set[str]:
    """The distributions `pip install relgraph` brings (README's first command): relgraph's
    dependencies without extras, and theirs, all the way down."""
    names = {"relgraph"}
    todo = ["relgraph"]
    while todo:
        for requirement in metadata.requires(todo.pop()) or ():
            name, _, marker = requirement.partition(";")
            if "extra ==" in marker:
                continue
            distribution = re.split(r"[\s\[<>=!~(]", name.strip(), maxsplit=1)[0].lower().replace("_", "-")
            try:
                metadata.distribution(distribution)
            except metadata.PackageNotFoundError:
                continue  # a dependency for another platform or Python
            if distribution not in names:
                names.add(distribution)
                todo.append(distribution)
    return names


def test_the_script_needs_only_what_installing_relgraph_brings() -> None:
    imported = set()
    for node in ast.walk(ast.parse(SCRIPT.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module.split(".")[0])
    installed = _runtime_distributions()
    providers = metadata.packages_distributions()
    missing = {
        module
        for module in imported - set(sys.stdlib_module_names) - {"__future__"}
        if not {d.lower().replace("_", "-") for d in providers.get(module, [])} & installed
    }
    assert imported > {"csv", "rich"}  # the walk saw the imports
    assert missing == set(), f"{SCRIPT.name} imports {missing}, which `pip install relgraph` does not install"
