"""Derivation: the tables follow the kept events, in order of receipt, by this one module.

``sync`` applies every kept event after the high-water mark (``derivation_state``
'applied') through the same normaliser and store as ever, a batch per transaction,
moving the mark in the same transaction: a crash loses nothing and applies nothing
twice, and any number of processes may sync at once (the write lock orders them).

While it derives, a connection registers each row it inserts (``derived_rows``:
table, natural key, id) with temporary triggers, and the insert statements take the
registered id when there is one. So ``rebuild`` can delete exactly the derived rows
(rows no kept event explains, from ELF or an earlier agent-runs, stay as they are)
and re-derive them with the same ids.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from recorder.derive import deferral, judging, outcome
from recorder.derive.apply import apply_pending
from recorder.hook import database
from recorder.schema.queries import split_statements, sql

BATCH = 500


def pending(conn: sqlite3.Connection, until: int | None = None) -> int:
    """How many kept events wait for derivation (of those up to id ``until``)."""
    if until is None:
        return conn.execute(sql("derive_pending")).fetchone()[0]
    return conn.execute(sql("derive_pending_until"), {"last": until}).fetchone()[0]


def kept(conn: sqlite3.Connection) -> int:
    """How many kept events there are."""
    return conn.execute(sql("derive_kept")).fetchone()[0]


def rebuild_requested(conn: sqlite3.Connection) -> bool:
    """Whether a migration (or ``agent-runs rebuild``) asked for a rebuild."""
    return bool(conn.execute(sql("derive_rebuild_requested")).fetchone()[0])


def request_rebuild(conn: sqlite3.Connection) -> None:
    """Ask for a rebuild at the next sync (a migration after a derivation fix calls this)."""
    conn.execute(sql("derive_request_rebuild"))


def sync(
    conn: sqlite3.Connection,
    db: str | None = None,
    progress: Callable[[int], None] | None = None,
    until: int | None = None,
) -> int:
    """Derive everything pending now (a rebuild first if a migration asked for one), or
    only the kept events up to id ``until``.

    ``progress`` is called with the number of events applied after each batch.
    Returns how many events were applied. Triggers a large load that died left deferred
    are restored first (``deferral.recover``).
    """
    deferral.recover(conn, db)
    if rebuild_requested(conn):
        database.write(conn, clear_if_requested)
    total = 0
    while waiting := pending(conn, until):
        done = database.write(conn, lambda c: apply_pending(c, db, min(BATCH, waiting)))
        total += done
        if progress and done:
            progress(done)
    return total


def rebuild(
    conn: sqlite3.Connection, db: str | None = None, progress: Callable[[int], None] | None = None
) -> int:
    """Delete every derived row and derive all kept events again (same rows, same ids),
    with the full-text index and the rollups built once at the end (``deferral``) and,
    for many events, the reports judged ahead by other processes (``judging``)."""
    with deferral.deferred(conn, db):
        database.write(conn, clear)
        processes = judging.workers(pending(conn)) if db else 0
        if not processes:
            return sync(conn, db, progress)
        total = 0
        lent: dict[str, outcome.Verdict] = {}
        mark = conn.execute(sql("derive_mark")).fetchone()[0]
        with outcome.judged(lent):
            for last, verdicts in judging.ahead(conn, db, mark, processes):
                lent.clear()
                lent.update(verdicts)
                total += sync(conn, db, progress, until=last)
        return total + sync(conn, db, progress)  # what was kept meanwhile


def clear_if_requested(conn: sqlite3.Connection) -> None:
    """Clear for a requested rebuild, unless another process (the worker, a command) took
    the request since it was seen: a second clear would undo what that one derived."""
    if rebuild_requested(conn):
        clear(conn)


def clear(conn: sqlite3.Connection) -> None:
    """Delete the rows derivation inserted, reset the mark and any rebuild request."""
    for statement in split_statements(sql("derive_clear")):
        conn.execute(statement)
