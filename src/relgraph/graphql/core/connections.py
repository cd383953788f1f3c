"""Relay connections: edges with cursors, page info and a lazily counted total."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Annotated, Any, Generic, TypeVar

import strawberry

from relgraph.db.pagination import Page, PageRequest
from relgraph.errors import DomainError
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.errors import PublicError
from relgraph.graphql.core.loaders import Loaders

__all__ = [
    "After",
    "Before",
    "Connection",
    "Edge",
    "First",
    "Last",
    "PageInfo",
    "connection",
    "loaded_page",
    "page_info_of",
    "page_request",
]

T = TypeVar("T")

# The Relay arguments, described once for every connection field.
First = Annotated[
    int | None, strawberry.argument(description="Page size from the start, 1-100 (default 20).")
]
After = Annotated[str | None, strawberry.argument(description="Continue after this cursor.")]
Last = Annotated[int | None, strawberry.argument(description="Page size from the end, 1-100.")]
Before = Annotated[str | None, strawberry.argument(description="Continue before this cursor.")]


@strawberry.type(description="Where a page sits in its list (Relay PageInfo).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when more items follow this page.")
    has_previous_page: bool = strawberry.field(description="True when items precede this page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first item of the page.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last item of the page.")


@strawberry.type(description="One item of a list, with the cursor to continue from it.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque position of this item; pass as after/before.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list (Relay connection) with its total size.")
class Connection(Generic[T]):
    _nodes: strawberry.Private[list[Any]]
    _page: strawberry.Private[Page[Any]]
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="The items of this page with their cursors.")
    def edges(self) -> list[Edge[T]]:
        # Made when asked: cursors cost an encoding per item, and most pages are read as nodes.
        return [Edge(cursor=c, node=n) for c, n in zip(self._page.cursors, self._nodes, strict=True)]

    @strawberry.field(description="The items of this page, without cursors.")
    def nodes(self) -> list[T]:
        return self._nodes

    @strawberry.field(description="Whether there is more before or after.")
    def page_info(self) -> PageInfo:
        return page_info_of(self._page)

    @strawberry.field(description="How many items the whole list has (all pages together).")
    async def total_count(self) -> int:
        return await self._count()


def page_request(
    first: int | None, after: str | None, last: int | None = None, before: str | None = None
) -> PageRequest:
    """Validate the Relay arguments; a bad size or cursor is a client error, not a crash."""
    try:
        return PageRequest(first=first, after=after, last=last, before=before)
    except DomainError as error:
        raise PublicError(error.errors[0].message, "BAD_USER_INPUT") from None


def page_info_of(page: Page[Any]) -> PageInfo:
    """The PageInfo of a page: the cursors of its first and last item."""
    cursors = page.cursors
    return PageInfo(
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
        start_cursor=cursors[0] if cursors else None,
        end_cursor=cursors[-1] if cursors else None,
    )


def connection(
    page: Page[Any], convert: Callable[[Any], T], count: Callable[[], Awaitable[int]]
) -> Connection[T]:
    """Wrap a page of rows, converting each row to its GraphQL type."""
    return Connection(
        _nodes=[convert(item) for item in page.items],
        _page=page,
        _count=count if page.total is None else _known(page.total),
    )


async def loaded_page(
    info: Info,
    pages: Callable[[Loaders], Any],
    counts: Callable[[Loaders], Any],
    key: tuple[Any, ...],
    page: PageRequest,
    order: Hashable | None = None,
) -> tuple[Page[Any], Callable[[], Awaitable[int]]]:
    """One page of a list through its page loader (`key`, the `order` when the list can be
    sorted several ways, and the page), and the list's total through its count loader
    (`key`: the order changes no total), counted only when totalCount is asked."""
    loaders = info.context.loaders
    rows = await loaders[pages].load((*key, page) if order is None else (*key, order, page))

    async def total() -> int:
        return await loaders[counts].load(key)

    return rows, total


def _known(total: int) -> Callable[[], Awaitable[int]]:
    async def count() -> int:
        return total

    return count
