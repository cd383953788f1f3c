"""Benchmark: `relgraph import` speed in rows per second, and export for comparison.

Writes CSV files of realistic organisations (name, numbers, email, phone, website, visit
address, some in groups), persons and memberships, imports them into a fresh SQLite
database (and PostgreSQL when reachable), and prints rows/s for each: reading, checking
every row with the domain's rules, and writing, all in one transaction. A second
organisations file without email and phone shows what the phone numbers cost: each is
parsed and validated (phonenumbers) and parsed again for its search terms.

    .venv/bin/python bench/import.py [--rows 20000] [--pg postgresql+asyncpg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import random
import tempfile
import time
from pathlib import Path

from sqlalchemy.engine import make_url

from relgraph.db.engine import create_engine, make_sessionmaker
from relgraph.db.migrate import upgrade
from relgraph.transfer import export_csv, import_csv

PG_DEFAULT = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
CITIES = [
    ("Amsterdam", "1012"),
    ("Rotterdam", "3011"),
    ("Utrecht", "3511"),
    ("Groningen", "9711"),
    ("Zwolle", "8011"),
]
WORDS = ["Noord", "Zuid", "Techniek", "Bouw", "Zorg", "Logistiek", "Groen", "Data", "Water", "Energie"]


def _kvk(i: int) -> str:
    return f"{10_000_000 + i:08d}"


def write_files(folder: Path, rows: int) -> dict[str, Path]:
    rng = random.Random(7)
    paths = {kind: folder / f"{kind}.csv" for kind in ("organisations", "persons", "memberships")}
    with paths["organisations"].open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                "id",
                "name",
                "code",
                "kvk_number",
                "vat_number",
                "industry",
                "website",
                "email",
                "phone",
                "status",
                "checked",
                "parent_id",
                "street",
                "house_number",
                "postcode",
                "city",
                "country",
            ]
        )
        for i in range(1, rows + 1):
            word = rng.choice(WORDS)
            city, digits = rng.choice(CITIES)
            parent = rng.randint(1, i - 1) if i > 10 and rng.random() < 0.3 else ""
            out.writerow(
                [
                    i,
                    f"{word} {i} B.V.",
                    f"C{i:07d}",
                    _kvk(i),
                    f"NL{100_000_000 + i:09d}B01",
                    word,
                    f"https://www.{word.lower()}{i}.nl",
                    f"info@{word.lower()}{i}.nl",
                    f"020 {rng.randint(1_000_000, 9_999_999)}",
                    "ACTIVE",
                    "true",
                    parent,
                    "Hoofdstraat",
                    str(rng.randint(1, 300)),
                    f"{digits} {rng.choice('ABCDEFGH')}{rng.choice('JKLMNPRS')}",
                    city,
                    "NL",
                ]
            )
    with paths["persons"].open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["id", "gender", "initials", "first_name", "infix", "last_name", "email", "phone", "birth_date"]
        )
        for i in range(1, rows + 1):
            out.writerow(
                [
                    rows + i,
                    rng.choice(["FEMALE", "MALE"]),
                    "J.",
                    "Jan",
                    rng.choice(["", "van", "de"]),
                    f"Jansen{i}",
                    f"jan{i}@example.nl",
                    f"06 {rng.randint(1, 5)}{rng.randint(0, 9_999_999):07d}",
                    "1980-05-01",
                ]
            )
    with paths["memberships"].open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                "person_id",
                "organisation_id",
                "department",
                "job_title",
                "business_email",
                "role",
                "tags",
                "active",
                "start_date",
            ]
        )
        for i in range(1, rows + 1):
            out.writerow(
                [
                    rows + i,
                    rng.randint(1, rows),
                    "Inkoop",
                    "Inkoper",
                    f"jan{i}@werk.nl",
                    "Contact",
                    "nieuwsbrief|beurs",
                    "true",
                    "2020-01-01",
                ]
            )
    return paths


def write_plain_organisations(folder: Path, rows: int) -> Path:
    """Organisations with names, numbers, website and address, but no email or phone."""
    path = folder / "plain.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                "name",
                "code",
                "kvk_number",
                "industry",
                "website",
                "street",
                "house_number",
                "postcode",
                "city",
            ]
        )
        for i in range(1, rows + 1):
            out.writerow(
                [
                    f"Bedrijf {i} B.V.",
                    f"P{i:07d}",
                    _kvk(i),
                    "Bouw",
                    f"https://bedrijf{i}.nl",
                    "Kade",
                    "1",
                    "1012 AB",
                    "Amsterdam",
                ]
            )
    return path


async def run(url: str, label: str, paths: dict[str, Path], rows: int) -> None:
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    print(f"{label}: {rows:,} rows per file")
    try:
        for kind, path in paths.items():
            async with make_sessionmaker(engine)() as session:
                await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
                started = time.perf_counter()
                result = await import_csv(session, kind, path)
                await session.commit()
                elapsed = time.perf_counter() - started
            assert result.applied and not result.rejected, [(r.line, r.errors) for r in result.rejected[:3]]
            print(f"  import {kind:<14} {elapsed:6.2f} s  {rows / elapsed:9,.0f} rows/s")
        for kind in paths:
            async with make_sessionmaker(engine)() as session:
                started = time.perf_counter()
                count = await export_csv(session, kind, io.StringIO())
                elapsed = time.perf_counter() - started
            print(f"  export {kind:<14} {elapsed:6.2f} s  {count / elapsed:9,.0f} rows/s")
    finally:
        await engine.dispose()


async def _pg(url: str, sql: str) -> None:
    import asyncpg

    parsed = make_url(url)
    conn = await asyncpg.connect(
        user=parsed.username,
        password=parsed.password,
        host=parsed.host,
        port=parsed.port or 5432,
        database=parsed.database,
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def run_postgres(url: str, paths: dict[str, Path], rows: int) -> None:
    try:
        await _pg(url, "SELECT 1")
    except Exception as error:  # noqa: BLE001 - any failure means: no PostgreSQL here
        print(f"PostgreSQL: skipped ({type(error).__name__}: {error})")
        return
    name = f"relgraph_bench_import_{os.getpid()}"
    await _pg(url, f"CREATE DATABASE {name}")
    try:
        await run(
            make_url(url).set(database=name).render_as_string(hide_password=False), "PostgreSQL", paths, rows
        )
    finally:
        await _pg(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--pg", default=os.environ.get("RELGRAPH_BENCH_PG_URL", PG_DEFAULT))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        paths = write_files(Path(folder), args.rows)
        plain = {"organisations": write_plain_organisations(Path(folder), args.rows)}
        asyncio.run(run(f"sqlite+aiosqlite:///{folder}/import.db", "SQLite", paths, args.rows))
        asyncio.run(
            run(f"sqlite+aiosqlite:///{folder}/plain.db", "SQLite, no email or phone", plain, args.rows)
        )
        asyncio.run(run_postgres(args.pg, paths, args.rows))


if __name__ == "__main__":
    main()
