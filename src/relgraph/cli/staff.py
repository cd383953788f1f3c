"""`relgraph users` and `relgraph tokens`: staff accounts and their API tokens."""

from __future__ import annotations

from typing import Annotated

import typer

from relgraph.cli.common import (
    clean_errors,
    counted,
    err,
    in_session,
    run,
    sub_app,
)

users_app = sub_app("users", "Staff accounts.")
tokens_app = sub_app("tokens", "API tokens.")


@users_app.command("create")
@clean_errors
def users_create(
    email: Annotated[str, typer.Option(help="Login email (unique).")],
    name: Annotated[str, typer.Option(help="Full name.")],
    role: Annotated[str, typer.Option(help="ADMIN, TEAM, BUSINESS or READONLY.")],
    permission: Annotated[
        list[str] | None, typer.Option(help="FINANCE or SENSITIVE; repeat for both.")
    ] = None,
) -> None:
    """Create a staff account."""
    from relgraph.domain import users

    user = run(in_session, users.create, email=email, name=name, role=role, permissions=permission or [])
    err.print(f"created user {user.email} ({user.role})")


@tokens_app.command("create")
@clean_errors
def tokens_create(email: Annotated[str, typer.Option(help="The user's email.")]) -> None:
    """Create an API token and print it (only here, only once)."""
    from relgraph.domain import users

    token = run(in_session, users.create_token, email=email)
    typer.echo(token)


@tokens_app.command("revoke")
@clean_errors
def tokens_revoke(email: Annotated[str, typer.Option(help="The user's email.")]) -> None:
    """Revoke every token of a user, effective at once."""
    from relgraph.domain import users

    count = run(in_session, users.revoke_tokens, email=email)
    err.print(f"revoked {counted(count, 'token')} of {email}", highlight=False)
