"""The per-request registry of DataLoaders, and what every loader is built from.

A loader batches the keys asked for in one tick of the event loop into one domain
query, so the statement count of a request follows the shape of the query, not the
number of rows. Each aggregate defines its loaders in its own loaders.py as functions
named <target>_by_<key> (or <list>_page / <list>_count) that build one from the
registry; `info.context.loaders[organisation_by_id]` is that loader for this request,
made on first use and shared by every field after it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, TypeVar

from strawberry.dataloader import DataLoader

from relgraph.policy import Viewer

__all__ = ["Loaders", "Reader", "grouped"]

V = TypeVar("V")
L = TypeVar("L", bound=DataLoader[Any, Any])


class Reader(Protocol):
    """What loaders need of the request (graphql.core.context.Context): its viewer and its session."""

    viewer: Viewer

    async def read(self, fn: Callable[..., Awaitable[V]], /, *args: Any, **kwargs: Any) -> V: ...


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


class Loaders:
    """The loaders of one request, each made on first use by the function that builds it."""

    def __init__(self, context: Reader) -> None:
        self.context = context
        self._made: dict[Callable[[Loaders], DataLoader[Any, Any]], DataLoader[Any, Any]] = {}

    @property
    def viewer(self) -> Viewer:
        return self.context.viewer

    def __getitem__(self, build: Callable[[Loaders], L]) -> L:
        loader = self._made.get(build)
        if loader is None:
            loader = self._made[build] = build(self)
        return loader  # type: ignore[return-value]  # made by `build`, so of its type

    def forget(self) -> None:
        """Empty every loader's cache when the request ends.

        The loaders' functions refer back to this object and their last batch holds its
        results: without this, a request's rows (a thousand for a big card) would wait for
        the garbage collector instead of going with the request.
        """
        for loader in self._made.values():
            loader.clear_all()
        # A loader still held by a late field then fails in Context.read ("the request
        # has finished"), as before.
        self._made.clear()

    def batch(self, fn: Callable[..., Awaitable[list[Any]]], *args: Any) -> DataLoader[Any, Any]:
        """A loader of one value per key: `fn(session, *args, keys)`, aligned with the keys."""

        async def load(keys: list[Any]) -> list[Any]:
            return await self.context.read(fn, *args, keys)

        return DataLoader(load_fn=load)

    def grouped(self, fetch: Callable[..., Awaitable[dict[Any, Any]]]) -> DataLoader[Any, Any]:
        """A loader whose keys are (id, *arguments), batched per distinct arguments."""

        async def load(keys: list[tuple[Any, ...]]) -> list[Any]:
            async def fetch_group(ids: list[Any], arguments: tuple[Any, ...]) -> dict[Any, Any]:
                return await self.context.read(fetch, ids, *arguments)

            return await grouped(keys, fetch_group)

        return DataLoader(load_fn=load)
