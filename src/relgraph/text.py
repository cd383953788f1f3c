"""Text keys for searching and sorting: case- and accent-insensitive."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold", "like_pattern", "search_key"]

_SPACES = re.compile(r"\s+")


def fold(value: str | None) -> str:
    """Lower-case `value`, strip accents and squeeze whitespace ("Société " -> "societe")."""
    if not value:
        return ""
    if value.isascii():  # the common case, and no accents to strip: skip the per-character pass
        return _SPACES.sub(" ", value.lower()).strip()
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def search_key(*parts: str | None) -> str:
    """Join the folded, non-empty `parts` into one text that search matches against."""
    return " | ".join(f for f in (fold(p) for p in parts) if f)


def like_pattern(term: str) -> str:
    """A LIKE pattern that finds folded `term` anywhere; '\\' escapes LIKE's wildcards."""
    escaped = fold(term).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
