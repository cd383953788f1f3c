"""The custom scalars with the specification each follows (`@specifiedBy`), for clients and codegen."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal

from strawberry.file_uploads import Upload
from strawberry.file_uploads.scalars import UploadDefinition
from strawberry.schema.types.base_scalars import DateDefinition, DateTimeDefinition, DecimalDefinition
from strawberry.types.scalar import ScalarDefinition

__all__ = ["SCALARS"]

# Strawberry's own parsing and serialising, with a description and a specification added.
SCALARS: dict[object, ScalarDefinition] = {
    dt.date: dataclasses.replace(
        DateDefinition,
        description="A calendar date as an RFC 3339 full-date: YYYY-MM-DD, e.g. 2026-12-07.",
        specified_by_url="https://www.rfc-editor.org/rfc/rfc3339#section-5.6",
    ),
    dt.datetime: dataclasses.replace(
        DateTimeDefinition,
        description=(
            "A moment as an RFC 3339 date-time with its offset, e.g. 2026-12-07T09:15:00+00:00; "
            "relgraph answers in UTC."
        ),
        specified_by_url="https://www.rfc-editor.org/rfc/rfc3339#section-5.6",
    ),
    decimal.Decimal: dataclasses.replace(
        DecimalDefinition,
        description=(
            'An exact decimal number as a string, e.g. "1250.50" (a decimal string of the General '
            "Decimal Arithmetic specification), never a binary float."
        ),
        specified_by_url="https://speleotrove.com/decimal/daconvs.html#refnumsyn",
    ),
    Upload: dataclasses.replace(
        UploadDefinition,
        description=(
            "A file sent as a part of a multipart/form-data request, by the GraphQL multipart request "
            "specification; in variables it is null, and `map` says which part fills it."
        ),
        specified_by_url="https://github.com/jaydenseric/graphql-multipart-request-spec",
    ),
}
