"""Opening the database and writing to it in transactions (standard library only)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable

from . import migrations


def connect(db: str, timeout: float = 5.0, *, migrate: bool = True) -> sqlite3.Connection:
    """Open (creating if needed) the database at ``db``, upgraded to the latest schema.

    ``timeout`` bounds every wait for another writer's lock, in seconds.
    """
    directory = os.path.dirname(db)
    if directory:
        os.makedirs(directory, exist_ok=True)
    conn = sqlite3.connect(db, timeout=timeout, isolation_level=None)
    try:
        conn.row_factory = sqlite3.Row
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        if migrate:
            migrations.migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def write(conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], object]) -> object:
    """Run ``work`` in one immediate (write-locked) transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = work(conn)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return result
