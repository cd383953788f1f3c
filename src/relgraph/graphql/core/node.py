"""The Relay Node interface."""

from __future__ import annotations

import strawberry

__all__ = ["Node"]


@strawberry.interface(description="An object with a globally unique ID, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(
        description="Globally unique, opaque ID. Stable: store it, pass it to `node(id:)`."
    )
