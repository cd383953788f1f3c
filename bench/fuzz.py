"""Fuzz run: 10,000 generated queries and mutations (hypothesis-graphql), spread over the roles.

The same checks as tests/api/test_fuzz.py (no 5xx, no Internal error, no unmasked exception,
no hidden person shown to BUSINESS or READONLY), but every failure is counted instead of
stopping the run. Each role gets a fresh migrated, seeded database (SQLite in a temporary
folder, or a new PostgreSQL database with --pg). Prints the number of examples, of
failures, the first few failures with their documents, and examples per second.

    .venv/bin/python bench/fuzz.py [--examples 10000] [--seed 0] [--pg postgresql+asyncpg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

from fuzzing import ROLES, FuzzTarget

from relgraph.db.migrate import upgrade


def _pg_database(url: str, name: str) -> str:
    import asyncpg

    parsed = make_url(url)

    async def create() -> None:
        conn = await asyncpg.connect(
            user=parsed.username,
            password=parsed.password,
            host=parsed.host,
            port=parsed.port or 5432,
            database=parsed.database,
        )
        try:
            await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            await conn.execute(f"CREATE DATABASE {name}")
        finally:
            await conn.close()

    asyncio.run(create())
    return parsed.set(database=name).render_as_string(hide_password=False)


def run_role(
    role: str, examples: int, folder: Path, pg: str | None, run_seed: int
) -> tuple[int, list[tuple[list[str], str]]]:
    if pg:
        url = _pg_database(pg, f"relgraph_fuzz_{role.lower()}")
    else:
        url = f"sqlite+aiosqlite:///{folder / f'{role.lower()}.db'}"
    upgrade(url)
    target = FuzzTarget(url, folder / f"documents-{role.lower()}", role)
    ran = 0
    failures: list[tuple[list[str], str]] = []
    try:

        @seed(run_seed)
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            phases=[Phase.generate],  # a failure is recorded, not shrunk
            suppress_health_check=list(HealthCheck),
        )
        @given(document=target.strategy())
        def check(document: str) -> None:
            nonlocal ran
            ran += 1
            problems = target.run(document)
            if problems:
                failures.append((problems, document))

        check()
    finally:
        target.close()
    return ran, failures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pg", help="PostgreSQL server URL; a database per role is created on it")
    parser.add_argument("--show", type=int, default=5, help="failures to print in full")
    args = parser.parse_args()

    # Failures are counted and shown below; their masked tracebacks would bury the summary.
    logging.getLogger("relgraph.errors").disabled = True
    per_role = -(-args.examples // len(ROLES))
    total = 0
    failures: list[tuple[str, list[str], str]] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for role in ROLES:
            role_started = time.perf_counter()
            ran, found = run_role(role, per_role, Path(tmp), args.pg, args.seed)
            total += ran
            failures += [(role, problems, document) for problems, document in found]
            print(
                f"{role:<9} {ran:>6} examples  {len(found):>4} failures  {ran / (time.perf_counter() - role_started):6.1f}/s"
            )
    elapsed = time.perf_counter() - started
    print(f"backend: {'PostgreSQL' if args.pg else 'SQLite'}")
    print(f"examples: {total}")
    print(f"failures: {len(failures)}")
    print(f"elapsed: {elapsed:.1f} s ({total / elapsed:.1f} examples/s)")
    kinds = Counter(p.split(":")[0] for _, problems, _ in failures for p in problems)
    for kind, count in kinds.most_common():
        print(f"  {count:>5}  {kind}")
    for role, problems, document in failures[: args.show]:
        print(f"\n--- {role}: {problems}\n{document}")


if __name__ == "__main__":
    main()
