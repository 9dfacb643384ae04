"""The derivation worker the hook starts: derive until nothing is pending, then exit.

Run as ``python -c ... recorder.derive.worker.main()`` with the database path as its last
argument (see ``recorder.hook.deriver.start``). It stays a moment after the last event
(``LINGER_SECONDS``), so a burst of hook runs is derived by one worker; before it lets
go, it compacts the kept events of quiet sessions (``recorder.derive.compaction``).
It opens the database as every writer does, so it runs the migrations an older database
needs (the hook leaves them to it and spools its events meanwhile), then keeps what the
spool holds (``keep_spooled``).
"""

from __future__ import annotations

import sqlite3
import sys
import time

from recorder.derive import compaction
from recorder.derive import sync as derive
from recorder.hook import database, deriver, paths, replay, spool
from recorder.plugins import calls as plugin_calls

LINGER_SECONDS = 1.0
SPOOL_BATCH = 2000  # spooled events kept per transaction (about half a second)
POLL_SECONDS = 0.02
COMPACT_SECONDS = 0.5  # then derive again: a new event waits at most this long


def main(argv: list[str] | None = None) -> None:
    """Entry point: derive the database named by the last argument."""
    db = (sys.argv if argv is None else argv)[-1]
    plugin_calls.report_to(lambda message: spool.log(db, message))  # no stderr when detached
    try:
        work(db)
    except Exception as exc:  # nothing is lost: the events wait for the next worker or sync
        spool.log(db, f"derivation worker stopped: {type(exc).__name__}: {exc}")


def work(db: str) -> None:
    """Hold the lock and derive; after letting go, look once more (see ``hook.deriver``)."""
    lock = deriver.try_lock(db)
    if lock is None:
        return
    conn = database.connect(db)
    try:
        keep_spooled(conn, db)
        while lock is not None:
            derive_while_busy(conn, db)
            compaction.compact(conn, seconds=COMPACT_SECONDS)
            lock.close()
            lock = deriver.try_lock(db) if derive.pending(conn) else None
    finally:
        if lock is not None:
            lock.close()
        conn.close()


def keep_spooled(conn: sqlite3.Connection, db: str) -> None:
    """Keep the events the hook spooled (``hook.replay``), a batch per transaction so hooks
    are not kept waiting: those of a database whose schema was older than the hook's (it
    leaves the migration to this process), or that could not be written then. A failure is
    logged and leaves them to the next hook run (which replays the spool before its event)."""
    try:  # ``conn`` is at this code's schema: database.connect migrated it or refused it
        while paths.pending(db, paths.SPOOL):
            done = replay.replay(conn, db, limit=SPOOL_BATCH, dead_letters=False)
            if not done.left_for_later:
                return
    except (sqlite3.Error, OSError) as exc:
        spool.log(db, f"derivation worker left the spool for later: {type(exc).__name__}: {exc}")


def derive_while_busy(conn, db: str) -> None:
    """Sync until no event has come for ``LINGER_SECONDS``."""
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < LINGER_SECONDS:
        if derive.sync(conn, db):
            quiet_since = time.monotonic()
        else:
            time.sleep(POLL_SECONDS)
