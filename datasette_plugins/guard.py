"""SQL functions no web request may call, on top of what Datasette already refuses.

Datasette's read connections are read-only and its ``?sql=`` accepts one SELECT only,
so no page can write. What a SELECT can still reach is a function: ``fts3_tokenizer``
hands out (and with two arguments takes) a raw C pointer, and the file functions of
SQLite's shell (``readfile``, ``writefile``, ``edit``) or ``load_extension`` would read,
write or run files should a build ever include them. An authorizer on every Datasette
connection denies them, whatever database it serves; the query fails with "not authorized".
"""

from __future__ import annotations

import sqlite3

DENIED_FUNCTIONS = frozenset({"fts3_tokenizer", "load_extension", "readfile", "writefile", "edit"})


def authorizer(action: int, arg1: str | None, arg2: str | None, *_: object) -> int:
    """SQLite authorizer callback: deny calls of DENIED_FUNCTIONS, allow everything else."""
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in DENIED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def protect(conn: sqlite3.Connection) -> None:
    conn.set_authorizer(authorizer)
