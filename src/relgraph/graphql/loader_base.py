"""The machinery of the per-request DataLoaders (see loaders.py for the loaders)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from strawberry.dataloader import DataLoader

if TYPE_CHECKING:
    from relgraph.graphql.core.context import Context

__all__ = ["LoaderBase", "grouped"]

V = TypeVar("V")


async def grouped(
    keys: Sequence[tuple[Any, ...]],
    fetch: Callable[[list[Any], tuple[Any, ...]], Awaitable[dict[Any, V]]],
) -> list[V]:
    """Batch keys of the form (id, *arguments): one fetch per distinct set of arguments.

    Sibling fields with the same arguments (the common case: every subsidiary asks
    `memberships(first: 20)`) share one query.
    """
    by_arguments: dict[tuple[Any, ...], list[Any]] = {}
    for key in keys:
        by_arguments.setdefault(key[1:], []).append(key[0])
    results: dict[tuple[Any, ...], V] = {}
    for arguments, ids in by_arguments.items():
        found = await fetch(list(dict.fromkeys(ids)), arguments)
        for id_ in ids:
            results[(id_, *arguments)] = found[id_]
    return [results[key] for key in keys]


class LoaderBase:
    """Builds loaders that read through the request's session (Context.read)."""

    def __init__(self, context: Context) -> None:
        self.context = context

    def forget(self) -> None:
        """Empty every loader's cache when the request ends.

        The loaders' functions refer back to this object and their last batch holds its
        results: without this, a request's rows (a thousand for a big card) would wait for
        the garbage collector instead of going with the request.
        """
        for value in vars(self).values():
            loaders = value.values() if isinstance(value, dict) else (value,)
            for loader in loaders:
                if isinstance(loader, DataLoader):
                    loader.clear_all()
        # A loader still held by a late field then fails in Context.read ("the request
        # has finished"), as before.
        for name in [n for n in vars(self) if n != "context"]:
            del vars(self)[name]

    def _loader(self, fn: Callable[..., Awaitable[list[Any]]], *args: Any) -> DataLoader[Any, Any]:
        async def load(keys: list[Any]) -> list[Any]:
            return await self.context.read(fn, *args, keys)

        return DataLoader(load_fn=load)

    def _grouped(self, fetch: Callable[..., Awaitable[dict[Any, Any]]]) -> DataLoader[Any, Any]:
        """A loader whose keys are (id, *arguments), batched per distinct arguments."""

        async def load(keys: list[tuple[Any, ...]]) -> list[Any]:
            async def fetch_group(ids: list[Any], arguments: tuple[Any, ...]) -> dict[Any, Any]:
                return await self.context.read(fetch, ids, *arguments)

            return await grouped(keys, fetch_group)

        return DataLoader(load_fn=load)
