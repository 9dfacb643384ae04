"""``agent-runs prune``: delete old runs with their nodes, sessions and child rows.

What "older than" means: a run is older than the cutoff when its last activity is —
the latest of its own updated, completed, started and created times and of its nodes'
updated, completed and started times (so a run is kept while any of its subagents is
still being heard from). Runs are deleted whole, with their nodes and every row that
belongs to them (``sql/prune_delete.sql`` lists the tables); a session that stays has its
cost summed again without them. A session goes when its
own last activity (last event, end, start) is older than the cutoff and none of its
runs or nodes is left. Kept events go with what derives from them (a block holding any
of them is taken apart first: ``compaction.loosen``). ``keep_failures`` keeps every run
with a failed node, and with it its nodes and session. The full-text index follows
through its triggers.

Deletion runs in batches of runs, one transaction each (a hook waiting on the lock
waits for one batch only), and each batch checks again, inside its transaction, that its
runs are still old (and, with ``keep_failures``, still without a failure): a run heard
from after it was chosen is kept; then the full-text index is merged (FTS5 keeps deleted
entries until then), and ``VACUUM`` and a WAL checkpoint give the space back to the
file system. A dry run opens the file read-only and counts the same rows.

    with Pruning(db, "90d", keep_failures=True) as pruning:
        print(pruning.total_runs)
        report = pruning.run(progress=bar.update)
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable
from datetime import datetime, timezone

import sqlite_utils

from recorder.derive import compaction, sync
from recorder.hook import database
from recorder.schema import migrations
from recorder.schema.queries import split_statements, sql
from recorder.timespan import iso_z, parse_since

BATCH_RUNS = 200
_TABLE = re.compile(r"^\s*DELETE\s+FROM\s+([A-Za-z_][A-Za-z0-9_]*)\s", re.IGNORECASE)


def cutoff(older_than: str | datetime, now: datetime | None = None) -> str:
    """The cutoff time for ``--older-than`` (90d, 12h, an ISO time); ValueError if bad."""
    now = now or datetime.now(timezone.utc)
    moment = parse_since(older_than, now, option="--older-than")
    if moment is None:
        raise ValueError("--older-than needs a duration (like 90d, 12h) or an ISO 8601 time")
    if moment >= iso_z(now):
        raise ValueError(f"--older-than {older_than!r} is not in the past: it would delete all")
    return moment


def delete_statements() -> list[tuple[str, str]]:
    """(table, statement) for each statement of prune_delete.sql, children first."""
    found = []
    for statement in split_statements(sql("prune_delete")):
        body = "\n".join(
            line for line in statement.splitlines() if not line.lstrip().startswith("--")
        )
        match = _TABLE.match(body)
        if match is None:
            raise ValueError(f"prune_delete.sql: not a DELETE FROM statement: {body[:60]}")
        found.append((match.group(1), body))
    return found


def blocks_of(conn: sqlite3.Connection, statement: str) -> list[int]:
    """The blocks holding kept events that the kept_events DELETE ``statement`` deletes."""
    select = _TABLE.sub("SELECT DISTINCT block_id FROM kept_events ", statement, count=1)
    return [block_id for (block_id,) in conn.execute(select) if block_id is not None]


class PruneReport:
    """What a prune deleted (or, dry, would delete): rows per table, file size."""

    def __init__(self, cutoff: str, dry_run: bool) -> None:
        self.cutoff = cutoff
        self.dry_run = dry_run
        self.counts: dict[str, int] = {}
        self.size_before = 0
        self.size_after = 0
        self.waiting = 0  # kept events not derived yet (a dry run counts without them)

    def add(self, table: str, count: int) -> None:
        self.counts[table] = self.counts.get(table, 0) + max(count, 0)

    def __str__(self) -> str:
        main = ("sessions", "workflow_runs", "node_executions")
        rows = [(t, self.counts.get(t, 0)) for t in main]
        rows += sorted((t, n) for t, n in self.counts.items() if t not in main and n)
        what = ", ".join(f"{n} {t}" for t, n in rows)
        if self.dry_run:
            waiting = (
                f"; {self.waiting:,} kept events wait for derivation and are not counted "
                "(`agent-runs sync` derives them)"
                if self.waiting
                else ""
            )
            return (
                f"would delete {what} (last activity before {self.cutoff}); nothing changed"
                + waiting
            )
        return (
            f"deleted {what} (last activity before {self.cutoff}); "
            f"file {self.size_before:,} -> {self.size_after:,} bytes"
        )


def file_size(db: str) -> int:
    """Bytes of the database file and its WAL."""
    return sum(os.path.getsize(p) for p in (db, db + "-wal") if os.path.exists(p))


class Pruning:
    """One prune: the old runs are found when it opens; ``run`` deletes (or counts) them."""

    def __init__(
        self,
        db: str,
        older_than: str | datetime,
        *,
        keep_failures: bool = False,
        dry_run: bool = False,
        now: datetime | None = None,
    ) -> None:
        if not os.path.exists(db):
            raise ValueError(f"{db} does not exist")
        self.db = db
        self.report = PruneReport(cutoff(older_than, now), dry_run)
        self.params = {"cutoff": self.report.cutoff, "keep_failures": int(keep_failures)}
        self.conn = self._open(dry_run)
        try:
            for statement in split_statements(sql("prune_tables")):
                self.conn.execute(statement)
            self.conn.execute(sql("prune_find_runs"), self.params)
            self.run_ids = [row[0] for row in self.conn.execute(sql("prune_candidate_ids"))]
        except BaseException:
            self.conn.close()
            raise

    def _open(self, dry_run: bool) -> sqlite3.Connection:
        if not dry_run:
            return database.connect(self.db)
        conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, isolation_level=None)
        if migrations.schema_version(conn) < migrations.LATEST:
            conn.close()
            raise ValueError(
                f"{self.db} has an older schema; run `agent-runs init` first "
                "(a dry run changes nothing, not even the schema)"
            )
        self.report.waiting = sync.pending(conn)
        return conn

    @property
    def total_runs(self) -> int:
        return len(self.run_ids)

    def __enter__(self) -> Pruning:
        return self

    def __exit__(self, *exc: object) -> None:
        self.conn.close()

    def run(self, progress: Callable[[int], None] | None = None) -> PruneReport:
        """Delete (or count) the old runs batch by batch, then the old sessions; reclaim space."""
        report = self.report
        report.size_before = file_size(self.db)
        statements = self._statements()
        if report.dry_run:  # everything at once, counted, on a read-only connection
            self._batch(statements, self.run_ids, sessions=True)
            if progress is not None:
                progress(len(self.run_ids))
        else:
            for start in range(0, len(self.run_ids), BATCH_RUNS):
                batch = self.run_ids[start : start + BATCH_RUNS]
                self._batch(statements, batch, sessions=False)
                if progress is not None:
                    progress(len(batch))
            self._batch(statements, [], sessions=True)
            if any(report.counts.values()):
                db = sqlite_utils.Database(self.conn, recursive_triggers=False)
                database.write(self.conn, lambda conn: optimize_search_indexes(db))
                db.vacuum()
                self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        report.size_after = file_size(self.db)
        return report

    def _statements(self) -> list[tuple[str, str]]:
        """The delete statements for the tables this database has (dry: as counts)."""
        tables = set(sqlite_utils.Database(self.conn, recursive_triggers=False).table_names())
        found = []
        for table, statement in delete_statements():
            if table in tables:
                if self.report.dry_run:
                    statement = _TABLE.sub(f"SELECT count(*) FROM {table} ", statement, count=1)
                found.append((table, statement))
        return found

    def _batch(self, statements: list[tuple[str, str]], run_ids: list[int], sessions: bool):
        """Fill the batch tables with these runs (and the old sessions), then delete or count."""

        def work(conn: sqlite3.Connection) -> None:
            for statement in split_statements(sql("prune_clear_batch")):
                conn.execute(statement)
            conn.executemany(sql("prune_batch_runs"), [(i,) for i in run_ids])
            for statement in split_statements(sql("prune_recheck_batch")):
                conn.execute(statement, self.params)
            conn.execute(sql("prune_batch_nodes"))
            if sessions:
                conn.execute(sql("prune_find_sessions"), self.params)
            touched = [row[0] for row in conn.execute(sql("prune_touched_sessions"))]
            for table, statement in statements:
                if table == "kept_events" and not self.report.dry_run:
                    compaction.loosen(conn, blocks_of(conn, statement))
                cursor = conn.execute(statement)
                count = cursor.fetchone()[0] if self.report.dry_run else cursor.rowcount
                self.report.add(table, count)
            if not self.report.dry_run:  # the sessions that stay spent less now
                conn.executemany(sql("refresh_session_cost"), [{"session_id": s} for s in touched])

        if self.report.dry_run:
            work(self.conn)
        else:
            database.write(self.conn, work)


def prune(
    db: str,
    older_than: str | datetime,
    *,
    keep_failures: bool = False,
    dry_run: bool = False,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> PruneReport:
    """Delete (or with ``dry_run`` count) what is older than ``older_than``; see the module."""
    with Pruning(db, older_than, keep_failures=keep_failures, dry_run=dry_run, now=now) as pruning:
        return pruning.run(progress)


def optimize_search_indexes(db: sqlite_utils.Database) -> None:
    """Merge the segments of every full-text index (nodes, learnings), dropping the entries
    of deleted rows: until then FTS5 keeps them beside delete markers, and VACUUM cannot
    free them."""
    for table in db.tables:
        table.optimize()
