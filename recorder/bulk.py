"""Build a new database file in bulk: the hook's own recording code, many events per commit.

Every payload goes through the same path as a hook run (kept as an event of source
``demo``, then derived; ``ingest.stamp`` redacts
and stamps it, ``events.normalise`` flattens it, ``store`` merges it and
``outcome`` classifies results), so the rows are exactly the hook's. What is
different is only how they reach the disk:

- the file is new and private until it is complete: it is written under a
  temporary name beside ``path`` and renamed into place at the end, so a crash
  leaves no half-built database behind, which in turn allows
- no journal on disk and no syncs (``journal_mode = MEMORY``, ``synchronous = OFF``);
- one transaction per batch of events (a batch is whatever the caller yields);
- the full-text index built once at the end (its sync triggers are dropped for
  the load, then recreated exactly as stored, and the index rebuilt), instead
  of being updated for every insert and update of every node.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable

from . import database, ingest
from .queries import sql

FTS_TABLE = "node_executions_fts"


def write_database(
    path: str,
    batches: Iterable[Iterable[dict]],
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Record hook payloads into a new database at ``path``; return its counts.

    ``batches`` yields iterables of raw hook payloads (a payload may carry its
    receipt time under ``events.META``); each batch is one transaction, and
    ``progress`` is called with the number of events recorded after each.
    Payloads the recorder cannot handle go to the dead letters beside ``path``.
    ``path`` is replaced only when the whole build succeeded.
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".bulk-", suffix=".db", dir=directory)
    os.close(fd)
    try:
        conn = database.connect(temporary)
        try:
            counts = load(conn, batches, path, progress)
        finally:
            conn.close()
        os.replace(temporary, path)
    finally:
        for leftover in (temporary, temporary + "-wal", temporary + "-shm", temporary + "-journal"):
            if os.path.exists(leftover):
                os.remove(leftover)
    return counts


def load(
    conn: sqlite3.Connection,
    batches: Iterable[Iterable[dict]],
    db: str,
    progress: Callable[[int], None] | None,
) -> dict:
    """Record every batch into the private database of ``conn``, then index its text."""
    conn.execute("PRAGMA journal_mode = MEMORY")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -200000")  # 200 MB: the indexes being filled stay cached
    triggers = drop_fts_triggers(conn)
    for batch in batches:
        recorded = ingest.record(conn, (ingest.stamp(p) for p in batch), db, source="demo")
        if progress:
            progress(recorded)
    database.write(conn, lambda c: restore_fts(c, triggers))
    counts = dict(conn.execute(sql("counts")).fetchone())
    conn.execute("PRAGMA journal_mode = WAL")  # what every other connection expects
    return counts


def drop_fts_triggers(conn: sqlite3.Connection) -> list[str]:
    """Drop the triggers that keep the full-text index in sync; return their SQL."""
    rows = conn.execute(sql("triggers_mentioning"), {"name": FTS_TABLE}).fetchall()
    for name, _ in rows:
        conn.execute(f"DROP TRIGGER [{name}]")
    return [statement for _, statement in rows]


def restore_fts(conn: sqlite3.Connection, triggers: list[str]) -> None:
    """Recreate the sync triggers as they were and rebuild the index from the table."""
    for statement in triggers:
        conn.execute(statement)
    conn.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
