"""The derivation worker the hook starts: derive until nothing is pending, then exit.

Run as ``python -c ... recorder.derive.worker.main()`` with the database path as its last
argument (see ``recorder.hook.deriver.start``). It stays a moment after the last event
(``LINGER_SECONDS``), so a burst of hook runs is derived by one worker; before it lets
go, it compacts the kept events of quiet sessions (``recorder.derive.compaction``).
It opens the database as every writer does, so it runs the migrations an older database
needs (the hook leaves them to it and spools its events meanwhile), and each sync keeps
the spooled events first.
"""

from __future__ import annotations

import sys
import time

from recorder.derive import compaction
from recorder.derive import sync as derive
from recorder.hook import database, deriver, paths, spool
from recorder.plugins import calls as plugin_calls

LINGER_SECONDS = 1.0
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
        while lock is not None:
            derive_while_busy(conn, db)
            compaction.compact(conn, seconds=COMPACT_SECONDS)
            lock.close()
            waiting = derive.pending(conn) or paths.pending(db, paths.SPOOL)
            lock = deriver.try_lock(db) if waiting else None
    finally:
        if lock is not None:
            lock.close()
        conn.close()


def derive_while_busy(conn, db: str) -> None:
    """Sync until no event has come for ``LINGER_SECONDS``."""
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < LINGER_SECONDS:
        if derive.sync(conn, db):
            quiet_since = time.monotonic()
        else:
            time.sleep(POLL_SECONDS)
