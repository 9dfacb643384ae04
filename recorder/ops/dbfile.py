"""Whether a path given as ``--db`` is a SQLite database, before any command opens it.

sqlite3 opens anything (and creates a missing file), failing later with "file is not a
database" and no file name, or leaving an empty database behind a mistyped path. The
commands ask here first and stop with one line that names the file.
"""

from __future__ import annotations

import os

SQLITE_HEADER = b"SQLite format 3\x00"


def problem(path: str, *, must_exist: bool) -> str | None:
    """Why ``path`` cannot be used as the database, or None when it can.

    An empty file is a database SQLite has not written yet; a missing one is a problem
    only when ``must_exist``.
    """
    if os.path.isdir(path):
        return f"{path} is a directory, not a SQLite database"
    if not os.path.exists(path):
        if must_exist:
            return f"{path} does not exist (check --db, or run `agent-runs init` or `demo`)"
        return None
    try:
        with open(path, "rb") as f:
            header = f.read(len(SQLITE_HEADER))
    except OSError as exc:
        return f"{path} cannot be read: {exc.strerror or exc}"
    if header and header != SQLITE_HEADER:
        return f"{path} is not a SQLite database"
    return None


def not_agent_runs(path: str) -> str | None:
    """Why the SQLite file ``path`` is not an agent-runs database, or None when it is one."""
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"{path} cannot be read: {exc}"
    if not {"node_executions", "workflow_runs", "sessions"} <= names:
        return f"{path} is not an agent-runs database"
    return None


def demo_contents(path: str) -> tuple[str | None, bool]:
    """(what the agent-runs database ``path`` holds that no demo wrote: events the hook,
    backfill or replay recorded, or ELF's rows, else None; whether a demo wrote to it)."""
    import sqlite3

    from recorder.schema.queries import sql

    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            events, demo_events, nodes = conn.execute(sql("demo_recorded")).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:  # no kept_events table: ELF's file, or an agent-runs before them
        return "rows recorded before kept events", False
    if events:
        return f"{events:,} recorded event{'s' * (events != 1)}", bool(demo_events)
    if nodes and not demo_events:
        return f"{nodes:,} recorded node{'s' * (nodes != 1)}", False
    return None, bool(demo_events)
