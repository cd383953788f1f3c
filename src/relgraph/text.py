"""Text keys for searching and sorting: case- and accent-insensitive."""

from __future__ import annotations

import re
import unicodedata

from relgraph.errors import InvalidInput

__all__ = ["MAX_SEARCH_LENGTH", "fold", "like_pattern", "search_key"]

_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_SEARCH_LENGTH = 500


def fold(value: str | None) -> str:
    """Lower-case `value`, strip accents and squeeze whitespace ("Société " -> "societe")."""
    if not value:
        return ""
    if value.isascii():  # the common case, and no accents to strip: skip the per-character pass
        # str.split() splits at what \s matches and drops the ends: the squeeze and strip in one.
        return " ".join(value.lower().split())
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def search_key(*parts: str | None) -> str:
    """Join the folded, non-empty `parts` into one text that search matches against."""
    return " | ".join(f for f in (fold(p) for p in parts) if f)


def like_pattern(term: str) -> str:
    """A LIKE pattern that finds folded `term` anywhere; '\\' escapes LIKE's wildcards.

    Raises InvalidInput for a term no stored text can contain: one longer than any
    searched value (SQLite refuses LIKE patterns over 50,000 bytes outright) or with
    control characters (PostgreSQL refuses a NUL in any text).
    """
    if len(term) > MAX_SEARCH_LENGTH:
        raise InvalidInput.at("search", f"Search for at most {MAX_SEARCH_LENGTH} characters.")
    if _CONTROL.search(term):
        raise InvalidInput.at("search", "Search text cannot contain control characters.")
    escaped = fold(term).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
