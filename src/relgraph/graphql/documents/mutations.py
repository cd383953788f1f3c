"""Upload and delete documents (TEAM and ADMIN)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.file_uploads import Upload

from relgraph.domain import documents
from relgraph.errors import ErrorCode, FieldError
from relgraph.graphql.core.context import Info
from relgraph.graphql.core.errors import STORAGE_UNAVAILABLE, PublicError, UserError, user_errors
from relgraph.graphql.core.ids import parse_id, parse_party_id
from relgraph.graphql.core.inputs import INPUT
from relgraph.graphql.core.payloads import DeletePayload, perform
from relgraph.graphql.documents.types import Document
from relgraph.policy import Write, can_write
from relgraph.storage import CHUNK, StorageUnavailable, TooLarge

__all__ = ["DocumentMutations"]

logger = logging.getLogger("relgraph.storage")


@strawberry.input(description="A file for a party, sent as a GraphQL multipart request.")
class UploadDocumentInput:
    party_id: strawberry.ID = strawberry.field(description="The organisation or person.")
    file: Upload = strawberry.field(
        description="The file (multipart part); at most the configured size (25 MB by default)."
    )
    description: str | None = strawberry.field(default=None, description="What the document is.")


@strawberry.input(description="Delete one document.")
class DeleteDocumentInput:
    id: strawberry.ID = strawberry.field(description="The document.")


@strawberry.type(description="Result of uploadDocument.")
class DocumentPayload:
    document: Document | None = strawberry.field(default=None, description="The new document.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description="Empty on success.")


async def _chunks(upload: Any) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK):
        yield chunk


@strawberry.type
class DocumentMutations:
    @strawberry.mutation(
        description=(
            "Attach a file to a party (GraphQL multipart request). The file is stored, content "
            "addressed, before the document row is committed. Shielded parties (with account "
            "managers) take uploads only from those account managers and ADMIN."
        )
    )
    async def upload_document(
        self, info: Info, input: Annotated[UploadDocumentInput, strawberry.argument(description=INPUT)]
    ) -> DocumentPayload:
        context = info.context
        if not can_write(context.viewer, Write.DOCUMENT):
            # Checked before the upload is stored, so a refused file costs no disk.
            return await perform(info, DocumentPayload, Write.DOCUMENT, _never)
        if not hasattr(input.file, "read"):
            error = FieldError(
                ("file",), "Send the file as a multipart part, not as a value.", ErrorCode.INVALID
            )
            return DocumentPayload(user_errors=user_errors([error]))
        store = context.store
        try:
            stored = await store.put(_chunks(input.file))
        except TooLarge:
            limit = store.max_bytes / (1024 * 1024)
            error = FieldError(("file",), f"The file is larger than {limit:g} MB.", ErrorCode.INVALID)
            return DocumentPayload(user_errors=user_errors([error]))
        except StorageUnavailable as failure:
            # The operator's to fix (the log says where); the client hears it is no fault of its own.
            logger.error("request %s: cannot store an upload: %s", context.request_id, failure)
            raise PublicError(
                f"Files cannot be stored at the moment (request id {context.request_id}); nothing was saved.",
                STORAGE_UNAVAILABLE,
            ) from None

        async def change(session: AsyncSession) -> dict[str, Any]:
            row = await documents.add(
                session,
                actor=context.viewer,
                party=parse_party_id(input.party_id, "partyId"),
                stored=stored,
                filename=getattr(input.file, "filename", None),
                content_type=getattr(input.file, "content_type", None),
                description=input.description,
            )
            return {"document": Document.from_row(row)}

        # A refused row leaves an unreferenced file; `relgraph documents cleanup` takes it.
        return await perform(info, DocumentPayload, Write.DOCUMENT, change)

    @strawberry.mutation(
        description="Delete a document you can see; its file is removed by the next `relgraph documents cleanup`."
    )
    async def delete_document(
        self, info: Info, input: Annotated[DeleteDocumentInput, strawberry.argument(description=INPUT)]
    ) -> DeletePayload:
        async def change(session: AsyncSession) -> dict[str, Any]:
            await documents.delete(
                session, actor=info.context.viewer, id=parse_id(input.id, "Document", "id")
            )
            return {"deleted_id": input.id}

        return await perform(info, DeletePayload, Write.DOCUMENT, change)


async def _never(session: AsyncSession) -> dict[str, Any]:
    raise AssertionError("perform refuses before calling this")
