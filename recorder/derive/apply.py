"""From kept events to rows: normalise and apply, keep or dead-letter; ``record`` does both.

The replay of the spool and the dead letters is the hook's (``recorder.hook.replay``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from recorder.derive import store
from recorder.derive.compaction import Reader
from recorder.hook import database, keep, spool
from recorder.hook.events import META, NotOurs, RejectedEvent, accepted, normalise
from recorder.schema.queries import split_statements, sql


def apply_payload(conn: sqlite3.Connection, payload: dict) -> None:
    """Record one stamped payload; NotOurs for events we skip, RejectedEvent for junk."""
    apply_event(conn, require(normalise(payload, payload[META]["received_at"])))


def require(event: dict | None) -> dict:
    """The normalised event; NotOurs when normalising said we skip it."""
    if event is None:
        raise NotOurs("not an event agent-runs records")
    return event


def apply_event(conn: sqlite3.Connection, event: dict) -> None:
    """Record one normalised event inside a savepoint, so a failure leaves no trace."""
    conn.execute("SAVEPOINT event")
    try:
        store.apply(conn, event)
    except BaseException:
        conn.execute("ROLLBACK TO event")
        conn.execute("RELEASE event")
        raise
    conn.execute("RELEASE event")


def record(
    conn: sqlite3.Connection,
    payloads: Iterable[dict],
    db: str | None = None,
    source: str = "backfill",
) -> int:
    """Keep stamped payloads and derive them, in one transaction. Return how many were kept.

    A payload the normaliser rejects goes to the dead letters (when ``db`` is known).
    """

    return database.write(conn, lambda conn: keep_and_derive(conn, payloads, db, source))


def keep_and_derive(
    conn: sqlite3.Connection, payloads: Iterable[dict], db: str | None, source: str
) -> int:
    """:func:`record` inside the caller's transaction: keep, then derive all that is pending."""
    kept = keep.append(conn, (p for p in payloads if accept_or_keep(p, db)), source)
    while apply_pending(conn, db):  # again: the transcript reads it kept
        pass
    return kept


def accept_or_keep(payload: dict, db: str | None) -> bool:
    """Whether to keep a payload; one the normaliser rejects becomes a dead letter."""
    try:
        return accepted(payload)
    except RejectedEvent as exc:
        if db is None:
            raise
        spool.dead_letter(db, f"{type(exc).__name__}: {exc}", payload)
        return False


def apply_or_keep(
    conn: sqlite3.Connection, payload: dict, db: str | None, kept_id: int | None = None
) -> bool:
    """Apply a payload; one we cannot handle goes to the dead letters (when ``db`` is known),
    with the id of its kept event (``kept_id``) so that replay derives that one again."""
    try:
        apply_payload(conn, payload)
        return True
    except NotOurs:
        return False
    except Exception as exc:  # our normaliser or store failed on this event: keep it
        unwritable = isinstance(exc, sqlite3.Error) and database.unwritable(exc)
        if unwritable or db is None:
            raise
        if kept_id is not None:
            payload = dict(payload, **{META: dict(payload[META], kept_id=kept_id)})
        spool.dead_letter(db, f"{type(exc).__name__}: {exc}", payload)
        return False


def register(conn: sqlite3.Connection) -> None:
    """Let ``conn`` record every row it inserts into a derived table (temporary triggers)."""
    for statement in split_statements(sql("derive_register")):
        conn.execute(statement)


def apply_pending(conn: sqlite3.Connection, db: str | None, limit: int | None = None) -> int:
    """Apply kept events after the mark, at most ``limit`` (caller holds the transaction).

    An event our code fails on goes to the dead letters (when ``db`` is known) naming its
    kept event, so one bad event never stops the others; the mark moves past it, and
    ``replay`` derives that kept event again (after a fix) instead of keeping it twice.
    Returns how many were applied.
    """
    register(conn)
    mark = conn.execute(sql("derive_mark")).fetchone()[0]
    rows = conn.execute(sql("derive_batch"), {"after": mark, "limit": limit or -1}).fetchall()
    for kept_id, payload in Reader(conn).rows(rows):
        apply_or_keep(conn, payload, db, kept_id)
    if rows:
        conn.execute(sql("derive_set_mark"), {"applied": rows[-1][0]})
    return len(rows)
