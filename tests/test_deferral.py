"""Deferred indexing: a large load keeps the full-text index and the rollups at its end,
with the rows, index and rollups of a load that kept them row by row; a loader that dies
leaves nothing wrong once the next sync has run."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from claude_code_fixtures import NAMES
from fixture_transcripts import write_transcripts
from test_backfill_parity import DERIVED, KEPT
from test_rollups import assert_rollups_match_rows, snapshot

from recorder.derive import deferral
from recorder.derive import sync as derive
from recorder.hook import database
from recorder.sources import backfill

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("failed", "review", "tests", "migration")  # each found in some fixture's tasks


@pytest.fixture(scope="module")
def projects(tmp_path_factory) -> Path:
    """Every fixture's transcripts, in one folder."""
    root = tmp_path_factory.mktemp("transcripts") / "projects"
    for name in NAMES:
        write_transcripts(name, root)
    return root


def load(db: Path, projects: Path, defer: bool, monkeypatch) -> sqlite3.Connection:
    """Backfill ``projects`` into ``db``, deferring the triggers or keeping them row by row."""
    monkeypatch.setattr(deferral, "SMALLEST", 0 if defer else 1 << 62)
    conn = database.connect(str(db))
    backfill.backfill(conn, backfill.transcript_files([str(projects)]), db=str(db))
    return conn


def everything(conn: sqlite3.Connection) -> dict:
    """The kept events, the derived rows, what the index finds and the rollups."""
    found = {"kept": conn.execute(KEPT).fetchall()}
    for table in DERIVED:
        found[table] = [tuple(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY rowid")]
    for word in WORDS:
        found[word] = conn.execute(
            "SELECT rowid FROM node_executions_fts WHERE node_executions_fts MATCH ? "
            "ORDER BY rowid",
            (word,),
        ).fetchall()
    found["rollups"] = snapshot(conn)
    return found


def triggers(conn: sqlite3.Connection) -> set[str]:
    """The names of the triggers and indexes (what deferral drops and restores)."""
    return {
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('trigger', 'index')")
    }


def test_a_deferred_load_gives_what_a_row_by_row_one_gives(tmp_path, projects, monkeypatch):
    row_by_row = load(tmp_path / "rows.db", projects, False, monkeypatch)
    deferred = load(tmp_path / "deferred.db", projects, True, monkeypatch)
    kept_row_by_row = everything(row_by_row)
    assert kept_row_by_row["node_executions"]
    assert sum(bool(kept_row_by_row[word]) for word in WORDS) >= 2  # the index finds rows
    assert everything(deferred) == kept_row_by_row
    assert triggers(deferred) == triggers(row_by_row) >= set(deferral.DEFERRED)
    assert not deferral.pending(deferred)
    assert_rollups_match_rows(deferred)


def test_the_deferred_indexes_exist_and_no_query_names_them(tmp_path):
    """A page index renamed would silently stay row by row; one named in INDEXED BY would
    make its query fail while a load runs."""
    conn = database.connect(str(tmp_path / "index.db"))
    assert set(deferral.PAGE_INDEXES) <= triggers(conn)
    named = set()
    for pattern in ("canned_queries/*.sql", "datasette_plugins/**/*.sql", "recorder/**/*.sql"):
        for path in ROOT.glob(pattern):
            named |= set(re.findall(r"INDEXED BY\s+(\w+)", path.read_text(), re.IGNORECASE))
    assert named  # the pattern finds what the queries name
    assert not named & set(deferral.PAGE_INDEXES)


def test_a_small_load_or_a_full_database_keeps_the_triggers(tmp_path, monkeypatch):
    conn = database.connect(str(tmp_path / "index.db"))
    assert not deferral.worth(conn, deferral.SMALLEST - 1)
    assert deferral.worth(conn, deferral.SMALLEST)
    conn.execute(
        "INSERT INTO node_executions (run_id, node_id, tool_use_id, node_name, status) "
        "VALUES (1, 'n', 't', 'x', 'running')"
    )
    monkeypatch.setattr(deferral, "SMALLEST", 0)
    assert not deferral.worth(conn, 2 * deferral.BYTES_PER_NODE)  # may add twice what it holds
    assert deferral.worth(conn, 2 * deferral.BYTES_PER_NODE + 1)


DIES = """
import os, sys
from recorder.derive import deferral
from recorder.hook import database
from recorder.sources import backfill

db, projects = sys.argv[1], sys.argv[2]
conn = database.connect(db)
with deferral.deferred(conn, db) as deferring:
    assert deferring
    backfill.backfill(conn, backfill.transcript_files([projects]), db=db, workers=0)
    os._exit(3)  # killed before the triggers are restored
"""


def test_a_loader_that_dies_is_made_good_by_the_next_sync(tmp_path, projects, monkeypatch):
    db = tmp_path / "index.db"
    died = subprocess.run(
        [sys.executable, "-c", DIES, str(db), str(projects)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert died.returncode == 3, died.stderr
    conn = database.connect(str(db))
    assert deferral.pending(conn)
    assert not triggers(conn) & set(deferral.DEFERRED)
    assert conn.execute("SELECT count(*) FROM node_executions").fetchone()[0]
    assert not conn.execute("SELECT count(*) FROM node_executions_fts_docsize").fetchone()[0]

    derive.sync(conn, str(db))  # what the worker and every reading command run first

    assert not deferral.pending(conn)
    assert triggers(conn) >= set(deferral.DEFERRED)
    assert_rollups_match_rows(conn)
    row_by_row = load(tmp_path / "rows.db", projects, False, monkeypatch)
    query = "SELECT rowid FROM node_executions_fts WHERE node_executions_fts MATCH ?"
    for word in WORDS:
        assert (
            conn.execute(query, (word,)).fetchall() == row_by_row.execute(query, (word,)).fetchall()
        )


def test_a_running_load_keeps_its_triggers_deferred(tmp_path):
    db = str(tmp_path / "index.db")
    conn = database.connect(db)
    with deferral.deferred(conn, db) as deferring:
        assert deferring
        other = database.connect(db)
        assert not deferral.recover(other, db)  # the loader holds the lock: not dead
        assert deferral.pending(other)
        with deferral.deferred(other, db) as again:
            assert not again  # one load defers at a time
    assert not deferral.pending(conn)
    assert triggers(conn) >= set(deferral.DEFERRED)
