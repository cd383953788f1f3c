"""Alembic, driven from code: the migrations ship inside the package."""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

__all__ = ["alembic_config", "head_revision", "known_revisions", "script_revisions", "upgrade"]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("version_path_separator", "os")
    # ConfigParser interpolation would choke on a '%' in a password.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database at `database_url` to `revision`; call outside an event loop."""
    command.upgrade(alembic_config(database_url), revision)


@functools.cache
def script_revisions() -> tuple[str, frozenset[str]]:
    """The head revision of the migrations shipped with this code, and every revision they know."""
    scripts = ScriptDirectory.from_config(alembic_config(""))
    heads = scripts.get_heads()
    assert len(heads) == 1, f"the migrations have several heads: {heads}"
    return heads[0], frozenset(script.revision for script in scripts.walk_revisions())


def head_revision() -> str:
    """The migration this code brings a database to."""
    return script_revisions()[0]


def known_revisions() -> frozenset[str]:
    """Every migration this code knows (a database at one of them can be upgraded)."""
    return script_revisions()[1]
