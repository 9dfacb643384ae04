"""Which attached databases hold the agent-runs schema (detected once per database)."""

from __future__ import annotations

import os
import weakref

import sqlite_utils

from recorder.schema import migrations

MARKER_TABLES = frozenset({"node_executions", "workflow_runs", "sessions"})

# Database object -> (answer, file mtime when asked). A "no" is asked again when the
# file changes, so a database initialised while Datasette runs is picked up.
_answers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _mtime(db) -> float | None:
    try:
        return os.stat(db.path).st_mtime if db.path else None
    except OSError:
        return None


def has_schema(db) -> bool:
    """True if ``db`` (a Datasette Database) has the tables that mark an agent-runs file."""
    cached = _answers.get(db)
    if cached is not None and (cached[0] or cached[1] == _mtime(db)):
        return cached[0]
    mtime = _mtime(db)
    try:
        conn = db.connect()
        try:
            found = set(sqlite_utils.Database(conn, recursive_triggers=False).table_names())
        finally:
            conn.close()
    except Exception:  # unreadable or not a database: not ours
        found = set()
    answer = found >= MARKER_TABLES
    _answers[db] = (answer, mtime)
    return answer


def agent_runs_databases(datasette) -> list[str]:
    """Names of the attached databases that have the agent-runs schema, in attach order."""
    return [
        name for name, db in datasette.databases.items() if name != "_internal" and has_schema(db)
    ]


def is_agent_runs(datasette, database: str | None) -> bool:
    """True if the database called ``database`` has the agent-runs schema."""
    db = datasette.databases.get(database) if database else None
    return db is not None and has_schema(db)


def plumbing(action: str, resource) -> bool:
    """Whether ``resource`` is one of the changes views (the rollups', the UTC
    conversions'): empty views that exist only for their triggers, never shown."""
    return action == "view-table" and bool(resource) and resource[1] in migrations.PLUMBING_VIEWS
