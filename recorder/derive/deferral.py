"""Deferred indexing: a large load builds the full-text index, the rollups and the indexes
only pages read once, at its end.

Keeping the nodes' full-text index, the rollups and a dozen page indexes row by row is
most of what a large backfill or a rebuild spends in SQLite. ``deferred`` drops their
triggers and those indexes for the load and, when it ends, recreates them as they were
(an index by one sort) and rebuilds the full-text index and the rollups from the rows, in
one transaction. Other processes may derive meanwhile (their rows are in the rebuild);
until the load ends, readers see the index and the rollups without its rows, and pages
read without the page indexes.

Nothing is lost if the loader dies: the SQL of what it dropped is kept in
``deferred_triggers`` in the transaction that drops it, and the loader holds a lock file
(``<db>-load.lock``) throughout. A sync that finds something deferred while that lock is
free restores it (``recover``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from recorder.hook import database, deriver
from recorder.schema import rollups
from recorder.schema.queries import sql

FTS_TRIGGERS = ("node_executions_fts_ai", "node_executions_fts_ad", "node_executions_fts_au")
# Indexes only pages read (derivation never looks rows up through them, no query names
# them in INDEXED BY): built once at the end, by sorting, rather than entry by entry.
PAGE_INDEXES = (
    "idx_node_exec_status",
    "idx_node_exec_created",
    "idx_node_exec_started",
    "idx_node_exec_status_started",
    "idx_node_exec_agent_type",
    "idx_node_exec_outcome",
    "idx_node_exec_agent_type_status",
    "idx_node_exec_failure_kind",
    "idx_node_exec_started_tokens",
    "idx_node_exec_retries",
    "idx_node_exec_not_by_hook",
    "idx_runs_status",
    "idx_runs_created",
    "idx_runs_started",
    "idx_runs_project",
)
DEFERRED = FTS_TRIGGERS + rollups.TRIGGERS + PAGE_INDEXES
# A load of transcripts adds about a node per BYTES_PER_NODE (subagent transcripts
# included); below SMALLEST bytes it keeps the triggers.
BYTES_PER_NODE = 300_000
SMALLEST = 8 << 20


def lock_path(db: str) -> str:
    """The lock file a loader holds while the triggers of ``db`` are deferred."""
    return db + "-load.lock"


def worth(conn: sqlite3.Connection, load_bytes: int) -> bool:
    """Whether deferring pays for a load of ``load_bytes`` of transcripts: the load is not
    small and the database holds fewer than half the nodes it may add (rebuilding the
    index costs about as much per node held as keeping it row by row per node added)."""
    if load_bytes < SMALLEST:
        return False
    held = conn.execute(sql("deferral_nodes")).fetchone()[0]
    return 2 * held * BYTES_PER_NODE < load_bytes


def pending(conn: sqlite3.Connection) -> bool:
    """Whether some trigger is deferred (by a load running now, or one that died)."""
    return bool(conn.execute(sql("deferral_pending")).fetchone()[0])


def drop(conn: sqlite3.Connection) -> None:
    """Keep the SQL of the deferred triggers and indexes and drop them (in the caller's
    transaction)."""
    found = conn.execute(sql("deferral_triggers"), {"names": json.dumps(DEFERRED)}).fetchall()
    for kind, name, statement in found:
        conn.execute(sql("deferral_keep"), {"name": name, "sql": statement})
        conn.execute(f"DROP {kind.upper()} [{name}]")  # a name of DEFERRED


def restore(conn: sqlite3.Connection) -> None:
    """Recreate the deferred triggers and indexes and rebuild the full-text index and the
    rollups from the rows (in the caller's transaction)."""
    kept = conn.execute(sql("deferral_kept")).fetchall()
    if not kept:
        return
    for _name, statement, present in kept:
        if not present:
            conn.execute(statement)
    conn.execute(sql("fts_rebuild"))
    conn.execute(sql("fts_optimize"))
    rollups.recompute(conn)
    conn.execute(sql("deferral_clear"))


@contextmanager
def deferred(conn: sqlite3.Connection, db: str | None, wanted: bool = True) -> Iterator[bool]:
    """Within: the triggers deferred (yields True), unless not ``wanted``, ``db`` has no
    file or another load holds the lock (yields False: the load keeps them row by row)."""
    held = deriver.hold(lock_path(db)) if wanted and db else None
    if held is None:
        yield False
        return
    try:
        database.write(conn, restore)  # what a loader that died left deferred
        database.write(conn, drop)
        try:
            yield True
        finally:
            database.write(conn, restore)
    finally:
        held.close()


def recover(conn: sqlite3.Connection, db: str | None) -> bool:
    """Restore the triggers a loader that died left deferred; whether it did."""
    if not db or not pending(conn):
        return False
    held = deriver.hold(lock_path(db))
    if held is None:  # the load still runs
        return False
    try:
        database.write(conn, restore)
    finally:
        held.close()
    return True
