"""What every `relgraph` command shares: the application, one-line errors, running a coroutine in a session."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import typer
from rich.console import Console

from relgraph.config import get_settings
from relgraph.errors import DomainError

# Each command imports what it needs inside its function (the engine, the schema, the demo
# data, uvicorn): `relgraph --help` and the small commands start without loading the rest.
# tests/layout/test_import_graph.py allows those imports in this package only.

__all__ = [
    "app",
    "clean_errors",
    "counted",
    "err",
    "fail",
    "in_session",
    "run",
    "sub_app",
    "upgrade_database",
]

T = TypeVar("T")


def sub_app(name: str, help: str) -> typer.Typer:
    """A command group `relgraph NAME ...`, added to the application."""
    # Plain help (Click's): Typer's rich help prints `<bool>` beside every flag, --help
    # included, and reads "[default: ...]" in a help text as markup and drops it.
    group = typer.Typer(help=help, no_args_is_help=True, rich_markup_mode=None)
    app.add_typer(group, name=name)
    return group


app = typer.Typer(
    help="relgraph: a GraphQL service over a CRM's relationship graph.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
# soft_wrap: a message is one line however narrow the terminal (scripts parse them).
err = Console(stderr=True, soft_wrap=True)


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """`number` and the noun in the number it needs: "1 organisation", "2 organisations"."""
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def fail(message: str) -> None:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(1)


def clean_errors(fn: Callable[..., T]) -> Callable[..., T]:
    """Turn every failure of a command into one clear line and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except DomainError as error:
            fail("; ".join(e.message for e in error.errors))
        except Exception as error:  # the contract: never a traceback on the terminal
            logging.getLogger("relgraph.cli").debug("command failed", exc_info=True)
            fail(f"{type(error).__name__}: {_first_line(error)}")
        raise AssertionError("unreachable")

    return wrapper


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or repr(error)
    return text.splitlines()[0]


def run(coro_fn: Callable[..., Coroutine[Any, Any, T]], *args: Any, **kwargs: Any) -> T:
    return asyncio.run(coro_fn(*args, **kwargs))


async def in_session(fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
    """Run `fn(session, ...)` in one committed transaction on the configured database."""
    from relgraph.db.engine import create_engine, make_sessionmaker

    engine = create_engine(get_settings().database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            result = await fn(session, *args, **kwargs)
            await session.commit()
            return result
    finally:
        await engine.dispose()


def upgrade_database() -> None:
    from relgraph.db.migrate import upgrade

    upgrade(get_settings().database_url)
