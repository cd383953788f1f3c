"""The CLI as a new user meets it: seeding a new database, help, pipes, Excel files, duplicates."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from relgraph.cli import app
from relgraph.db.sqlite_library import sqlite

RELGRAPH = Path(sys.executable).parent / "relgraph"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("first-steps")


def relgraph(folder: Path, *args: str, database: str = "relgraph.db") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELGRAPH_")}
    env |= {"RELGRAPH_DATABASE_URL": f"sqlite+aiosqlite:///{folder / database}", "COLUMNS": "200"}
    return subprocess.run(
        [str(RELGRAPH), *args], cwd=folder, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def seeded(folder: Path) -> subprocess.CompletedProcess[str]:
    """`relgraph demo seed` on a database that does not exist yet."""
    assert not (folder / "relgraph.db").exists()
    return relgraph(folder, "demo", "seed", "--organisations", "20", "--persons", "700", "--staff", "1")


def rows(folder: Path, sql: str) -> list[tuple]:
    with sqlite.connect(folder / "relgraph.db") as connection:
        return connection.execute(sql).fetchall()


def test_demo_seed_on_a_new_database_migrates_first_and_shows_the_counts(seeded) -> None:
    assert seeded.returncode == 0, seeded.stderr
    assert "Traceback" not in seeded.stderr and "no such table" not in seeded.stderr
    [summary] = [line for line in lines(seeded) if line.startswith("seeded ")]
    assert summary.startswith("seeded 20 organisations, 700 persons, "), summary
    assert summary.endswith(", 1 staff user"), summary  # one: no plural


def _commands(group: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, command in group.commands.items():
        if hasattr(command, "commands"):  # a group (Typer has a Click of its own)
            found += _commands(command, (*path, name))
        else:
            found.append((*path, name))
    return found


def test_no_help_shows_a_type_beside_a_flag() -> None:
    runner = CliRunner()
    commands = _commands(typer.main.get_command(app))
    assert ("import",) in commands and ("demo", "seed") in commands
    for command in commands:
        shown = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
        assert shown.exit_code == 0, (command, shown.output)
        assert "<bool>" not in shown.output, (command, shown.output)
    serve = runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "200"}).output
    assert "--demo " in serve and "--help " in serve
    imports = " ".join(runner.invoke(app, ["import", "--help"]).output.split())
    # A help text's own brackets are text, not markup to drop.
    assert "[default: FILE.rejects.csv]" in imports and "--skip-duplicates" in imports


def test_export_into_a_pipe_that_closes_early_ends_cleanly(folder, seeded) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELGRAPH_")}
    env["RELGRAPH_DATABASE_URL"] = f"sqlite+aiosqlite:///{folder / 'relgraph.db'}"
    # As `relgraph export persons | head -1`: far more than a pipe holds, read one line of it.
    process = subprocess.Popen(
        [str(RELGRAPH), "export", "persons"],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    header = process.stdout.readline()
    process.stdout.close()
    status = process.wait(timeout=120)
    stderr = process.stderr.read()
    assert header.startswith('"id",'), header
    assert (status, "BrokenPipe" in stderr, "Traceback" in stderr) == (0, False, False), stderr


def test_a_semicolon_separated_file_from_dutch_excel_is_read(folder, seeded) -> None:
    dutch = folder / "excel.csv"
    dutch.write_text("name;kvk_number;city\r\nPuntkomma B.V.;31415926;Zwolle\r\n", encoding="utf-8-sig")
    imported = relgraph(folder, "import", "organisations", str(dutch))
    assert imported.returncode == 0, imported.stderr
    assert lines(imported)[-1] == f"imported 1 organisation from {dutch}"
    assert rows(folder, "SELECT kvk_number FROM organisations WHERE name = 'Puntkomma B.V.'") == [
        ("31415926",)
    ]


def test_an_existing_kvk_number_is_reported_as_the_api_does_and_can_be_skipped(folder, seeded) -> None:
    [(existing_id, name, kvk)] = rows(
        folder,
        "SELECT id, name, kvk_number FROM organisations WHERE kvk_number IS NOT NULL ORDER BY id LIMIT 1",
    )
    file = folder / "again.csv"
    with file.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerows([["name", "kvk_number"], ["Zelfde KvK B.V.", kvk], ["Heel Nieuw B.V.", ""]])
    expected = f"possible duplicate of organisation {existing_id} {name!r} (same KvK number {kvk})"

    skipped = relgraph(folder, "import", "organisations", str(file), "--skip-duplicates")
    assert skipped.returncode == 0, skipped.stderr
    assert lines(skipped) == [
        f"{file}, line 2: skipped, {expected}",
        f"imported 1 organisation from {file}; skipped 1 possible duplicate",
    ]
    assert rows(folder, f"SELECT count(*) FROM organisations WHERE kvk_number = '{kvk}'") == [(1,)]

    with file.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(
            [["name", "kvk_number"], ["Zelfde KvK B.V.", kvk], ["Ook Nieuw B.V.", ""]]
        )
    imported = relgraph(folder, "import", "organisations", str(file))
    assert imported.returncode == 0, imported.stderr
    assert lines(imported)[0] == f"{file}, line 2: {expected}"
    assert "1 possible duplicate among them (--skip-duplicates leaves them out)" in lines(imported)[-1]
    # Imported, as createOrganisation creates one and lists its possible duplicates.
    assert rows(folder, f"SELECT count(*) FROM organisations WHERE kvk_number = '{kvk}'") == [(2,)]


def test_counts_of_one_are_singular_in_every_message(folder, seeded) -> None:
    file = folder / "one.csv"
    file.write_text("name\nEnkelvoud B.V.\n", encoding="utf-8")
    assert (
        lines(relgraph(folder, "import", "organisations", str(file)))[-1]
        == f"imported 1 organisation from {file}"
    )
    exported = relgraph(folder, "export", "organisations", str(folder / "out.csv"))
    assert lines(exported)[-1].startswith("exported ") and lines(exported)[-1].endswith(
        " organisations to " + str(folder / "out.csv")
    )
    assert next(csv.reader(io.StringIO((folder / "out.csv").read_text(encoding="utf-8"))))[0] == "id"
