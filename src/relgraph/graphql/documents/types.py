"""Documents as the API shows them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import strawberry

from relgraph.db.pagination import PageRequest
from relgraph.graphql.core.connections import Connection, connection, loaded_page
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.ids import encode_id
from relgraph.graphql.core.node import Node, owning_party, register_loaded
from relgraph.graphql.documents.loaders import document_by_id, documents_count, documents_page
from relgraph.graphql.users.types import staff_user

if TYPE_CHECKING:
    from relgraph.db import models

__all__ = ["Document", "documents_connection"]


@strawberry.type(
    description=(
        "A file on a party (document). Once the party has account managers, its documents "
        "are shown only to them and to ADMIN (need-to-know)."
    )
)
class Document(Node):
    pk: strawberry.Private[int]
    party_id: strawberry.Private[int]
    uploaded_by_id: strawberry.Private[int | None]
    filename: str = strawberry.field(description="The file's name as uploaded.")
    content_type: str = strawberry.field(description="Media type, e.g. application/pdf.")
    size: int = strawberry.field(description="Size in bytes.")
    sha256: str = strawberry.field(description="SHA-256 of the content, hex: to check a download.")
    description: str | None = strawberry.field(description="What the document is.")
    uploaded_at: dt.datetime = strawberry.field(description="When it was uploaded.")
    download_url: str = strawberry.field(
        description=(
            "Where to GET the file, with the same bearer token (relative to the API's host). It "
            "names the content too (`?sha256=`), so it never serves another document's file."
        )
    )

    @classmethod
    def from_row(cls, row: models.Document) -> Document:
        global_id = encode_id("Document", row.id)
        return cls(
            pk=row.id,
            id=strawberry.ID(global_id),
            party_id=row.party_id,
            uploaded_by_id=row.uploaded_by_id,
            filename=row.filename,
            content_type=row.content_type,
            size=row.size,
            sha256=row.sha256,
            description=row.description,
            uploaded_at=row.uploaded_at,
            download_url=f"/documents/{global_id}?sha256={row.sha256}",
        )

    uploaded_by = staff_user("uploaded_by_id", "Who uploaded it, when known.")

    party = owning_party("The party the document belongs to.")


async def documents_connection(info: Info, party_id: int, page: PageRequest) -> Connection[Document]:
    """One page of a party's documents that the viewer may see (`Party.documents`)."""
    rows, total = await loaded_page(info, documents_page, documents_count, (party_id,), page)
    return connection(rows, Document.from_row, total)


register_loaded(Document, document_by_id)
