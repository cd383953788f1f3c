"""Which document a GraphQL request runs: automatic persisted queries and trusted operations.

Automatic persisted queries (Apollo's protocol): a client sends `extensions.persistedQuery
{version: 1, sha256Hash}` without the text; a worker that knows the hash runs the document,
one that does not answers PERSISTED_QUERY_NOT_FOUND (status 200, as Apollo Server does) and
the client sends hash and text, which are checked against each other and kept in a bounded
cache (least recently used out). Registered operations (relgraph.domain.operations) answer a
hash too, from a bounded cache of their own, looked up in the database on a miss and again
once an entry is a minute old, so that `relgraph operations remove` reaches every worker
within a minute.

With RELGRAPH_TRUSTED_OPERATIONS_ONLY=1 only registered operations run, whether sent by hash
or as a text whose hash is registered; ADMIN may still send free text (from GraphiQL) unless
RELGRAPH_TRUSTED_OPERATIONS_ADMIN_FREE_TEXT=0.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

from relgraph.config import Settings
from relgraph.db.models import Role
from relgraph.domain import operations
from relgraph.graphql.core.context import Context

__all__ = [
    "OPERATION_NOT_TRUSTED",
    "PERSISTED_QUERY_HASH_MISMATCH",
    "PERSISTED_QUERY_NOT_FOUND",
    "BoundedCache",
    "OperationRefused",
    "Operations",
]

PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
PERSISTED_QUERY_HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
OPERATION_NOT_TRUSTED = "OPERATION_NOT_TRUSTED"
# How long a worker trusts its memory of a registered operation before asking the database again.
TRUSTED_MAX_AGE_SECONDS = 60.0


class OperationRefused(Exception):
    """A request whose document cannot be found or may not run: the answer to give."""

    def __init__(self, status: int, message: str, code: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or {}


class BoundedCache:
    """A least-recently-used map of at most `size` entries, each kept at most `max_age` seconds."""

    def __init__(self, size: int, max_age: float | None = None) -> None:
        self.size = size
        self.max_age = max_age
        self._entries: OrderedDict[str, tuple[float, str]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> str | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if self.max_age is not None and time.monotonic() - entry[0] > self.max_age:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: str, value: str) -> None:
        if self.size <= 0:
            return
        self._entries[key] = (time.monotonic(), value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)


def _persisted_hash(extensions: dict[str, Any] | None) -> str | None:
    """The hash of `extensions.persistedQuery`, checked; None when the request has none."""
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise OperationRefused(
            400,
            "Unsupported persisted query: send {version: 1, sha256Hash}.",
            "PERSISTED_QUERY_NOT_SUPPORTED",
        )
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not operations.is_sha256(digest.lower()):
        raise OperationRefused(
            400, "`persistedQuery.sha256Hash` must be a SHA-256 in hexadecimal (64 digits).", "BAD_REQUEST"
        )
    return digest.lower()


class Operations:
    """One worker's persisted and registered documents, and the trusted-only rule."""

    def __init__(self, settings: Settings) -> None:
        self.trusted_only = settings.trusted_operations_only
        self.admin_free_text = settings.trusted_operations_admin_free_text
        self.persisted = BoundedCache(settings.persisted_query_cache_size)
        self.trusted = BoundedCache(settings.trusted_operations_cache_size, max_age=TRUSTED_MAX_AGE_SECONDS)

    def _free_text_allowed(self, context: Context) -> bool:
        return not self.trusted_only or (self.admin_free_text and context.viewer.role == Role.ADMIN)

    async def _registered(self, digest: str, context: Context) -> str | None:
        text = self.trusted.get(digest)
        if text is None:
            text = await context.read(operations.get, sha256=digest)
            if text is not None:
                self.trusted.put(digest, text)
        return text

    def _not_trusted(self) -> OperationRefused:
        return OperationRefused(
            403,
            "Only registered operations run on this server: send the hash of an operation "
            "registered with `relgraph operations register`.",
            OPERATION_NOT_TRUSTED,
        )

    async def document(self, params: dict[str, Any], context: Context) -> str:
        """The text to run for a request, or OperationRefused."""
        digest = _persisted_hash(params["extensions"])
        query: str | None = params["query"]
        free_text = self._free_text_allowed(context)
        if query is None:
            if digest is None:
                raise OperationRefused(400, "The request has no `query` string.", "BAD_REQUEST")
            text = self.persisted.get(digest) if free_text else None
            if text is None:
                text = await self._registered(digest, context)
            if text is not None:
                return text
            if not free_text:
                raise self._not_trusted()
            # Apollo's words, which its clients look for before sending the text.
            raise OperationRefused(
                200,
                "PersistedQueryNotFound",
                PERSISTED_QUERY_NOT_FOUND,
                {"Cache-Control": "private, no-cache, must-revalidate"},
            )
        if digest is not None and operations.sha256_of(query) != digest:
            raise OperationRefused(
                400,
                "provided sha does not match query: `persistedQuery.sha256Hash` must be the SHA-256 "
                "of the UTF-8 text of `query`.",
                PERSISTED_QUERY_HASH_MISMATCH,
            )
        if free_text:
            if digest is not None:
                self.persisted.put(digest, query)
            return query
        if await self._registered(digest or operations.sha256_of(query), context) is None:
            raise self._not_trusted()
        return query
