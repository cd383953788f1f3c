"""Markers and the scanner of the self-finding leak test (tests/visibility/test_leak_walk.py, issue 18).

Every value seeded into the leak test's world is a marker: a unique string ("zq7hp012x")
or, where a field only takes a formatted value (a phone number, an IBAN, a date, an
amount), a unique value of that format, with the other spellings the service prints it
in. A marker says what a viewer needs to see it (`needs`): R1 (a person hidden from
BUSINESS and READONLY), FINANCE, SENSITIVE, STAFF (INTERNAL notes: ADMIN and TEAM), R2
(documents of an organisation with account managers: ADMIN and those managers) or
ERASED (nobody). Global IDs of hidden objects are markers too.

The scanner finds markers in any text: as they are, case-insensitively (search keys and
cursors hold folded text), inside base64 tokens (cursors, IDs), and global IDs of hidden
objects as whole tokens or as "Type:pk" inside a decoded token.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BASE64_TOKEN",
    "TOKEN_EDGE",
    "Finding",
    "Marker",
    "Markers",
    "Seer",
    "b64",
    "report",
]

TOKEN_EDGE = r"A-Za-z0-9_\-+/="
BASE64_TOKEN = re.compile(r"[A-Za-z0-9_\-+/]{8,}={0,2}")
_TEXT_MARKER = re.compile(r"zq7[a-z]{2}\d{3}x")

# What a marker may need, and who has it.
R1, FINANCE, SENSITIVE, STAFF, R2, ERASED = "R1", "FINANCE", "SENSITIVE", "STAFF", "R2", "ERASED"


def b64(token: str) -> str | None:
    """`token` decoded as (URL-safe or standard) base64 text, or None."""
    stripped = token.rstrip("=")
    padded = stripped + "=" * (-len(stripped) % 4)
    for decode in (base64.urlsafe_b64decode, base64.b64decode):
        try:
            return decode(padded.encode("ascii")).decode("utf-8")
        except (binascii.Error, UnicodeError, ValueError):
            continue
    return None


@dataclass(frozen=True)
class Seer:
    """A viewer of the walk: its role, permissions, and whether it manages the shielded files."""

    label: str
    role: str
    permissions: tuple[str, ...] = ()
    account_manager: bool = False

    def may_see(self, needs: frozenset[str]) -> bool:
        staff = self.role in ("ADMIN", "TEAM")
        has = {
            R1: staff,
            STAFF: staff,
            FINANCE: "FINANCE" in self.permissions,
            SENSITIVE: "SENSITIVE" in self.permissions,
            R2: self.role == "ADMIN" or self.account_manager,
            ERASED: False,
        }
        return all(has[need] for need in needs)


@dataclass(frozen=True)
class Marker:
    text: str  # how it was written (the value, or the global ID)
    needs: frozenset[str]
    where: str  # what it is, for the report: "hidden person: lastName"
    forms: tuple[str, ...] = ()  # other spellings the service prints
    is_id: bool = False

    @property
    def is_text(self) -> bool:
        return bool(_TEXT_MARKER.fullmatch(self.text))

    def describe(self) -> str:
        return f"{self.where} [{'+'.join(sorted(self.needs)) or 'anyone'}] {self.text!r}"


@dataclass
class Markers:
    """The markers of one world, and the scanner that finds them."""

    by_text: dict[str, Marker] = field(default_factory=dict)
    # (earlier, later) objects that got the same global ID: IDs must never be reused.
    reused: list[tuple[Marker, Marker]] = field(default_factory=list)
    _count: int = 0
    _compiled: Any = None

    def text(self, needs: Iterable[str], where: str, tag: str = "mk") -> str:
        """A new text marker that needs `needs`; `tag` (two letters) tells its owner apart."""
        self._count += 1
        value = f"zq7{tag}{self._count:03d}x"
        self._add(Marker(value, frozenset(needs), where))
        return value

    def value(self, value: str, needs: Iterable[str], where: str, forms: Iterable[str] = ()) -> str:
        """A formatted value (phone, IBAN, date, amount) as a marker, with its other spellings."""
        self._add(Marker(value, frozenset(needs), where, tuple(forms)))
        return value

    def global_id(self, global_id: str, needs: Iterable[str], where: str) -> str:
        """The global ID of an object that needs `needs` to be seen (hidden, shielded, erased)."""
        marker = Marker(global_id, frozenset(needs), where, is_id=True)
        if global_id in self.by_text:
            # Reported as a finding; the newer object is the one the ID names now.
            self.reused.append((self.by_text.pop(global_id), marker))
        self._add(marker)
        return global_id

    def _add(self, marker: Marker) -> None:
        assert marker.text not in self.by_text, f"marker {marker.text} twice"
        self.by_text[marker.text] = marker
        self._compiled = None

    def __iter__(self) -> Iterator[Marker]:
        return iter(self.by_text.values())

    # --- scanning ---------------------------------------------------------------------------

    def _compile(self) -> Any:
        if self._compiled is None:
            spellings: dict[str, Marker] = {}
            ids: dict[str, Marker] = {}
            for marker in self:
                if marker.is_id:
                    ids[marker.text] = marker
                    ids[b64(marker.text) or marker.text] = marker  # "Person:12" inside a token
                elif not marker.is_text:
                    for spelling in (marker.text, *marker.forms):
                        spellings[spelling.lower()] = marker
            # A value is found whole: "40.27" not inside "59340.27", a phone number not
            # inside a longer one.
            values = "|".join(
                rf"(?<![0-9]){re.escape(v)}(?![0-9])" for v in sorted(spellings, key=len, reverse=True)
            )
            whole = "|".join(map(re.escape, sorted((i for i in ids if ":" not in i), key=len, reverse=True)))
            typed = "|".join(map(re.escape, sorted((i for i in ids if ":" in i), key=len, reverse=True)))
            self._compiled = (
                spellings,
                re.compile(values) if values else None,
                ids,
                re.compile(rf"(?<![{TOKEN_EDGE}])(?:{whole})(?![{TOKEN_EDGE}])") if whole else None,
                re.compile(rf"\b(?:{typed})(?!\d)") if typed else None,
            )
        return self._compiled

    def find(self, text: str) -> set[Marker]:
        """Every marker in `text`, also inside base64 tokens."""
        spellings, values, ids, whole_ids, typed_ids = self._compile()
        found: set[Marker] = set()

        def plain(part: str) -> None:
            lowered = part.lower()
            found.update(self.by_text[m] for m in _TEXT_MARKER.findall(lowered) if m in self.by_text)
            if values is not None:
                found.update(spellings[m.group(0)] for m in values.finditer(lowered))
            if typed_ids is not None:
                found.update(ids[m.group(0)] for m in typed_ids.finditer(part))

        plain(text)
        if whole_ids is not None:
            found.update(ids[m.group(0)] for m in whole_ids.finditer(text))
        for token in set(BASE64_TOKEN.findall(text)):
            decoded = b64(token)
            if decoded and decoded.isprintable():
                plain(decoded)
        return found

    def in_json(self, value: Any, path: str = "") -> Iterator[tuple[str, Marker]]:
        """(JSON path, marker) for every marker in a decoded JSON document, keys included."""
        if isinstance(value, dict):
            for key, item in value.items():
                for marker in self.find(str(key)):
                    yield f"{path}.{key}(key)", marker
                yield from self.in_json(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                yield from self.in_json(item, f"{path}[{index}]")
        elif isinstance(value, str):
            for marker in self.find(value):
                yield path, marker
        elif value is not None and not isinstance(value, bool):
            for marker in self.find(json.dumps(value)):
                yield path, marker


# --- findings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """Something a viewer should not have got: a marker, a count, a different answer."""

    kind: str  # LEAK, SEARCH, COUNT, MUTATION, LOG, EXPORT, ERROR
    viewer: str
    what: str  # the marker's description, or what differs
    where: str  # the request and the path inside the answer


_INDEX = re.compile(r"\[\d+\]")
_CONNECTION = re.compile(r"\.edges\[\]\.node|(?<!^\.data)\.nodes\[\]")
_VARIANT = re.compile(r"__\w+")  # an alias of a field asked with other arguments (leakwalk)
_FRAGMENT = re.compile(r"(?<=\.)[A-Z]\w*?_(?=[a-z])")  # a field aliased inside a fragment
_COUNT = re.compile(r" x\d+\)")


def _shape(where: str) -> str:
    request, _, path = where.partition(" @ ")
    path = _FRAGMENT.sub("", _VARIANT.sub("", _CONNECTION.sub("[]", _INDEX.sub("[]", f".{path}"))))
    return f"{_COUNT.sub(')', request)} @ {path[1:]}" if path != "." else _COUNT.sub(")", request)


def report(findings: Iterable[Finding], limit: int = 60) -> str:
    """Findings grouped by kind and where (the request and the path in its answer, list
    indexes, connection wrappers and argument variants folded), then by who saw them."""
    groups: dict[tuple[str, str], dict[frozenset[str], set[str]]] = defaultdict(lambda: defaultdict(set))
    viewers: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for f in findings:
        viewers[(f.kind, _shape(f.where), f.what)].add(f.viewer)
    for (kind, shape, what), seen in viewers.items():
        groups[(kind, shape)][frozenset(seen)].add(what)
    lines = []
    for (kind, shape), by_viewers in sorted(groups.items()):
        lines.append(f"{kind} at {shape}")
        for seen, whats in sorted(by_viewers.items(), key=lambda item: sorted(item[0])):
            lines.append(f"    to {', '.join(sorted(seen))}:")
            lines.extend(f"        {what}" for what in sorted(whats))
    more = f"\n... and {len(groups) - limit} more places" if len(groups) > limit else ""
    shown = []
    for line in lines:
        if not line.startswith(" ") and len([x for x in shown if not x.startswith(" ")]) >= limit:
            break
        shown.append(line)
    return f"{len(groups)} places with findings:\n" + "\n".join(shown) + more
