"""The SQLite library relgraph runs on: sqlean.py's build of a current SQLite.

Python's own sqlite3 uses the system's SQLite, which can be years old: Debian 12 ships
3.40, whose parser stack (a fixed 100 entries) refuses a compiled read nested five lists
deep, such as the organisation card. SQLite 3.46 and later grow that stack as needed, and
3.45 and later read and build JSON several times faster. sqlean.py is the standard sqlite3
module built with such a SQLite and extensions of its own, which stay off but one: crypto,
for its base64 (`encode(x, 'base64')`), in which compiled reads write global IDs
(graphql/compiled/dialect_sqlite.py) three times faster than a Python function could. Everything in relgraph that
opens a database file uses this module: two copies of SQLite in one process must not
share a file (their POSIX locks would not see each other).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite3 as sqlite  # sqlean has no type hints; its interface is sqlite3's
else:
    import sqlean as sqlite

    # Read by each new connection; turns the others off (SQLEAN_ENABLE=1 would turn on all,
    # file access among them).
    sqlite.extensions.enable("crypto")

__all__ = ["sqlite"]
