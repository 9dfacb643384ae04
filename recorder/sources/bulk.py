"""Build a new database file in bulk: the hook's own recording code, many events per commit.

Every payload goes through the same path as a hook run (kept as an event of source
``demo``, then derived; ``keep.stamp`` redacts
and stamps it, ``events.normalise`` flattens it, ``store`` merges it and
``outcome`` classifies results), so the rows are exactly the hook's. What is
different is only how they reach the disk:

- the file is new and private until it is complete: it is written under a
  temporary name beside ``path`` and renamed into place at the end, so a crash
  leaves no half-built database behind, which in turn allows
- no journal on disk and no syncs (``journal_mode = MEMORY``, ``synchronous = OFF``);
- one transaction per batch of events (a batch is whatever the caller yields);
- with ``workers``, the batches are redacted and stamped in that many other processes,
  which also judge their reports with the text model (``outcome.judge_ahead``), while
  this one derives the batch before (a few batches ahead at most, in order);
- the full-text index and the rollups built once at the end (their sync triggers
  are dropped for the load, then recreated exactly as stored, and the index (merged
  into one segment) and rollups rebuilt from the rows), instead of being updated for
  every insert and update of every node;
- every session's kept events compacted into blocks at the end (``compaction``) and
  the file vacuumed, as the derivation worker would compact them over time.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator

from recorder.derive import apply as ingest
from recorder.derive import compaction, deferral, judging, outcome
from recorder.hook import database, keep
from recorder.schema.queries import sql
from recorder.sources.pool import ordered_map

EVERYTHING = "9999"  # later than any receipt time: every session is compacted


def write_database(
    path: str,
    batches: Iterable[Iterable[dict]],
    progress: Callable[[int], None] | None = None,
    workers: int = 0,
) -> dict:
    """Record hook payloads into a new database at ``path``; return its counts.

    ``batches`` yields iterables of raw hook payloads (a payload may carry its
    receipt time under ``events.META``); each batch is one transaction, and
    ``progress`` is called with the number of events recorded after each.
    ``workers`` processes redact and stamp the batches ahead (0: this process does).
    Payloads the recorder cannot handle go to the dead letters beside ``path``.
    ``path`` is replaced only when the whole build succeeded; the old file's WAL and its
    index go first, or SQLite would replay the old file's pages onto the new one.
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, mode=0o700, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".bulk-", suffix=".db", dir=directory)
    os.close(fd)
    try:
        conn = database.connect(temporary)
        try:
            counts = load(conn, stamped(batches, workers), path, progress)
        finally:
            conn.close()
        for stale in (path + "-wal", path + "-shm"):
            if os.path.exists(stale):
                os.remove(stale)
        os.replace(temporary, path)
    finally:
        for leftover in (temporary, temporary + "-wal", temporary + "-shm", temporary + "-journal"):
            if os.path.exists(leftover):
                os.remove(leftover)
    return counts


Prepared = tuple[list[dict], dict[str, outcome.Verdict]]


def stamp_all(batch: Iterable[dict]) -> Prepared:
    """A batch of payloads, each redacted and stamped as the hook keeps it."""
    return [keep.stamp(payload) for payload in batch], {}


def prepare(batch: Iterable[dict]) -> Prepared:
    """A batch stamped, with the text verdicts its derivation will ask for judged ahead."""
    payloads, _ = stamp_all(batch)
    return payloads, outcome.judge_ahead(judging.reports(payloads))


def stamped(batches: Iterable[Iterable[dict]], workers: int) -> Iterator[Prepared]:
    """The batches stamped, in order: by ``workers`` other processes, or by this one."""
    if workers < 1:
        return map(stamp_all, batches)
    return ordered_map(prepare, map(list, batches), workers)


def load(
    conn: sqlite3.Connection,
    batches: Iterable[Prepared],
    db: str,
    progress: Callable[[int], None] | None,
) -> dict:
    """Record every stamped batch into the private database of ``conn``, then index its
    text."""
    conn.execute("PRAGMA journal_mode = MEMORY")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -200000")  # 200 MB: the indexes being filled stay cached
    database.write(conn, deferral.drop)  # a private file: no lock, no other writer
    for batch, verdicts in batches:
        with outcome.judged(verdicts):
            recorded = ingest.record(conn, batch, db, source="demo")
        if progress:
            progress(recorded)
    database.write(conn, deferral.restore)
    compaction.compact(conn, quiet=EVERYTHING, sessions=-1)
    conn.execute("VACUUM")  # the pages the loose copies held
    counts = dict(conn.execute(sql("counts")).fetchone())
    conn.execute("PRAGMA journal_mode = WAL")  # what every other connection expects
    return counts
