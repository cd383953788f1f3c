"""Strawberry's execution context, without the reference cycle graphql-core leaves per query.

graphql-core 3.3's executor keeps its own bound methods in `async_helpers` (what resolvers
may use to gather or track work): executor -> helpers -> bound method -> executor, a cycle
per request that waits for the (rare, see relgraph/gc_tuning.py) cyclic collection with
everything the request's objects refer to. Here the helpers reach the executor through a
weak reference; the executor is alive for as long as its operation runs.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Sequence
from typing import Any

from graphql.type.definition import GraphQLResolveInfoHelpers
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

__all__ = ["AcyclicExecutionContext"]


class AcyclicExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context whose resolver helpers hold it weakly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        executor = weakref.ref(self)

        def gather(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
            return _alive(executor).gather_async_work(values)

        def track(values: Sequence[Any]) -> None:
            _alive(executor).track_async_work(values)

        self.async_helpers = GraphQLResolveInfoHelpers(gather=gather, track=track)


def _alive(executor: weakref.ref[AcyclicExecutionContext]) -> AcyclicExecutionContext:
    found = executor()
    assert found is not None, "a resolver helper used after its operation ended"
    return found
