"""The GraphQL documents: `relgraph export-schema` and the trusted operations (`relgraph operations`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from relgraph.cli.common import (
    app,
    clean_errors,
    counted,
    err,
    in_session,
    run,
    sub_app,
)

operations_app = sub_app("operations", "Trusted operations: the GraphQL documents registered by hash.")


@app.command("export-schema")
@clean_errors
def export_schema() -> None:
    """Print the GraphQL schema (SDL)."""
    from relgraph.graphql.schema import schema_sdl

    sys.stdout.write(schema_sdl())


def _checked_documents(files: list[Path]) -> tuple[dict[str, str], dict[str, str]]:
    """{hash: text} and {hash: operation names} of the files; each document must validate."""
    from graphql import GraphQLError, OperationDefinitionNode, parse, validate

    from relgraph.domain import operations
    from relgraph.graphql.schema import build_schema

    found = operations.documents_in(files)
    schema = build_schema()._schema
    names = {}
    for digest, text in found.items():
        try:
            errors = validate(schema, document := parse(text))
        except GraphQLError as error:
            errors = [error]
        if errors:
            raise ValueError(f"the document {digest[:12]}... does not validate: {errors[0].message}")
        names[digest] = " ".join(
            d.name.value if d.name else "(anonymous)"
            for d in document.definitions
            if isinstance(d, OperationDefinitionNode)
        )
    return found, names


@operations_app.command("register")
@clean_errors
def operations_register(
    files: Annotated[
        list[Path],
        typer.Argument(
            help=".graphql files (one document each, hashed as written) or JSON manifests of "
            "persisted documents ({hash: text} as Relay and GraphQL Code Generator write, or "
            "Apollo's persisted query manifest)."
        ),
    ],
) -> None:
    """Register operations by their SHA-256; prints each hash and its operation names."""
    from relgraph.domain import operations

    found, names = _checked_documents(files)
    registered = run(in_session, operations.register, documents=found, names=names)
    for digest in sorted(found):
        typer.echo(f"{digest}  {names[digest]}")
    known = f" ({len(registered.known)} already registered)" if registered.known else ""
    err.print(f"registered {counted(len(registered.added), 'operation')}{known}", highlight=False)


@operations_app.command("list")
@clean_errors
def operations_list() -> None:
    """List the registered operations: hash, registration time and operation names."""
    from relgraph.domain import operations

    for row in run(in_session, operations.list_all):
        typer.echo(f"{row.sha256}  {row.created_at:%Y-%m-%d %H:%M}  {row.names}")


@operations_app.command("remove")
@clean_errors
def operations_remove(
    hashes: Annotated[list[str], typer.Argument(help="Hashes, or their first 8 or more hex digits.")],
) -> None:
    """Unregister operations (each worker forgets them within a minute)."""
    from relgraph.domain import operations

    removed = run(in_session, operations.remove, hashes=hashes)
    err.print(f"removed {counted(removed, 'operation')}", highlight=False)
