"""The `relgraph` console script: migrations, users, tokens, schema export and clean failures."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from alembic.script import ScriptDirectory
from helpers import REPO

from relgraph.config import Settings
from relgraph.db.engine import create_engine
from relgraph.db.migrate import alembic_config
from relgraph.db.sqlite_library import sqlite
from relgraph.web import create_app

RELGRAPH = Path(sys.executable).parent / "relgraph"
EMAIL = "a@x.nl"
# Long enough that its error message does not fit in 80 columns.
LONG_EMAIL = "firstname.lastname-with-a-long-name@subsidiary.example-company.nl"


@dataclass
class CLI:
    """A scratch SQLite database and the environment that points the CLI at it."""

    folder: Path
    url: str
    env: dict[str, str]

    def start(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [str(RELGRAPH), *args],
            cwd=self.folder,
            env=env or self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return finish(self.start(*args, env=env))


def finish(process: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    stdout, stderr = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def assert_one_clean_line(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """A failure: non-zero exit, nothing on stdout, exactly one line on stderr, no traceback."""
    assert result.returncode != 0, result
    assert result.stdout == "", result
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip("\n").splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> CLI:
    folder = tmp_path_factory.mktemp("cli")
    url = f"sqlite+aiosqlite:///{folder / 'relgraph.db'}"
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("RELGRAPH_") and k not in ("COLUMNS", "LINES")
    }
    env["RELGRAPH_DATABASE_URL"] = url
    return CLI(folder, url, env)


@pytest.fixture(scope="module")
def prepared(cli: CLI) -> dict[str, subprocess.CompletedProcess[str]]:
    """Migrate the scratch database and create the first user: the steps everything else needs."""
    return {
        "upgrade": cli.run("db", "upgrade"),
        "create user": cli.run(
            "users", "create", "--email", EMAIL, "--name", "A", "--role", "ADMIN", "--permission", "FINANCE"
        ),
    }


@pytest.fixture(scope="module")
def results(cli: CLI, prepared) -> Iterator[dict[str, subprocess.CompletedProcess[str]]]:
    """The independent commands, run side by side to keep the module fast."""
    unreachable = {**cli.env, "RELGRAPH_DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:1/x"}
    commands = {
        "duplicate email": cli.start("users", "create", "--email", EMAIL, "--name", "A2", "--role", "TEAM"),
        "bad role": cli.start("users", "create", "--email", "b@x.nl", "--name", "B", "--role", "BOSS"),
        "token": cli.start("tokens", "create", "--email", EMAIL),
        "token for unknown email": cli.start("tokens", "create", "--email", "nobody@x.nl"),
        "token for long unknown email": cli.start("tokens", "create", "--email", LONG_EMAIL),
        "export schema": cli.start("export-schema"),
        "unreachable postgres": cli.start("db", "upgrade", env=unreachable),
    }
    yield {name: finish(process) for name, process in commands.items()}


def rows(cli: CLI, sql: str) -> list[tuple]:
    with sqlite.connect(cli.folder / "relgraph.db") as connection:
        return connection.execute(sql).fetchall()


async def viewer_status(cli: CLI, token: str) -> tuple[int, dict]:
    """Ask the app, on the CLI's database, who `token` belongs to."""
    engine = create_engine(cli.url)
    try:
        app = create_app(Settings(database_url=cli.url), engine=engine)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://relgraph.test"
        ) as client:
            response = await client.post(
                "/graphql",
                json={"query": "{ viewer { email role permissions } }"},
                headers={"Authorization": f"Bearer {token}"},
            )
        return response.status_code, response.json()
    finally:
        await engine.dispose()


def test_the_console_script_is_installed() -> None:
    assert RELGRAPH.is_file()


def test_db_upgrade_migrates_a_fresh_database_to_the_head_revision(cli, prepared) -> None:
    assert prepared["upgrade"].returncode == 0, prepared["upgrade"].stderr
    assert "Traceback" not in prepared["upgrade"].stderr
    head = ScriptDirectory.from_config(alembic_config(cli.url)).get_current_head()
    assert rows(cli, "SELECT version_num FROM alembic_version") == [(head,)]
    assert rows(cli, "SELECT name FROM sqlite_master WHERE name = 'organisations'") == [("organisations",)]


def test_users_create_stores_the_role_and_permissions(cli, prepared) -> None:
    result = prepared["create user"]
    assert result.returncode == 0, result.stderr
    assert EMAIL in result.stderr
    assert rows(cli, f"SELECT role, permissions, active FROM users WHERE email = '{EMAIL}'") == [
        ("ADMIN", '["FINANCE"]', 1)
    ]


def test_an_existing_email_fails_with_one_clean_line(cli, results) -> None:
    assert_one_clean_line(results["duplicate email"], EMAIL)
    assert rows(cli, "SELECT name, role FROM users") == [("A", "ADMIN")]


def test_an_unknown_role_fails_with_one_clean_line(cli, results) -> None:
    assert_one_clean_line(results["bad role"], "BOSS")
    assert rows(cli, "SELECT email FROM users") == [(EMAIL,)]


async def test_tokens_create_prints_only_a_token_that_authenticates_until_revoked(cli, results) -> None:
    result = results["token"]
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    token = lines[0]
    assert token.startswith("rg_") and token == token.strip() and len(token) > 20

    status, body = await viewer_status(cli, token)
    assert status == 200, body
    assert body["data"] == {"viewer": {"email": EMAIL, "role": "ADMIN", "permissions": ["FINANCE"]}}

    revoked = await asyncio.to_thread(cli.run, "tokens", "revoke", "--email", EMAIL)
    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout == ""
    status, body = await viewer_status(cli, token)
    assert status == 401
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_tokens_create_for_an_unknown_email_fails_cleanly(cli, results) -> None:
    assert_one_clean_line(results["token for unknown email"], "nobody@x.nl")
    assert rows(
        cli,
        "SELECT COUNT(*) FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE u.email = 'nobody@x.nl'",
    ) == [(0,)]


def test_a_long_error_message_stays_on_one_line(results) -> None:
    # Scripts and logs read stderr line by line; the terminal width must not break the message.
    assert_one_clean_line(results["token for long unknown email"], LONG_EMAIL)


def test_export_schema_prints_the_repository_schema(results) -> None:
    result = results["export schema"]
    assert result.returncode == 0, result.stderr
    assert result.stdout == (REPO / "schema.graphql").read_text(encoding="utf-8"), (
        "schema.graphql is out of date: run `relgraph export-schema > schema.graphql`"
    )


def test_db_upgrade_against_an_unreachable_postgresql_fails_with_one_clean_line(results) -> None:
    line = assert_one_clean_line(results["unreachable postgres"])
    assert line.startswith("error:")


@pytest.mark.parametrize(
    ("setting", "value", "fragment"),
    [
        ("RELGRAPH_CORS_ORIGINS", "https://crm.example.com/app", "is not an origin"),
        ("RELGRAPH_CORS_ORIGINS", "*", "is not an origin"),
        ("RELGRAPH_LOG_FORMAT", "xml", "must be one of text, json"),
        ("RELGRAPH_SHUTDOWN_TIMEOUT", "soon", "must be an integer"),
        ("RELGRAPH_PG_POOL_SIZE", "0", "must be at least 1"),
        ("RELGRAPH_PG_MAX_OVERFLOW", "-1", "must be at least 0"),
    ],
)
def test_serve_refuses_a_bad_production_setting_in_one_line(
    cli: CLI, setting: str, value: str, fragment: str
) -> None:
    result = cli.run("serve", "--port", "1", env={**cli.env, setting: value})
    assert_one_clean_line(result, setting, fragment)
