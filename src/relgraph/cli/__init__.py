"""The `relgraph` command: serve, migrate, seed demo data, manage users, tokens, documents
and trusted operations, import and export CSV. One module per command group; importing a
module registers its commands on the application (common.app)."""

from __future__ import annotations

from relgraph.cli import database, demo, documents, operations, serve, staff, transfer
from relgraph.cli.common import app
from relgraph.cli.demo import DEMO_USERS

__all__ = ["DEMO_USERS", "app", "main"]

# The command groups, in the order `relgraph --help` lists them.
COMMAND_MODULES = (database, demo, staff, documents, operations, transfer, serve)


def main() -> None:
    app()
