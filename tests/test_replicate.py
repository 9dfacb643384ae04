"""benchmarks/replicate.py (``scale.py --copies``): copies of a database's history moved to
the periods before it are whole (every table, every link between them) and the index and
rollups count them."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest
from conftest import run_cli
from test_rollups import assert_rollups_match_rows

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from replicate import COLUMNS, replicate  # noqa: E402

DAYS = 10


@pytest.fixture(scope="module")
def copied(tmp_path_factory) -> tuple[dict, sqlite3.Connection]:
    path = tmp_path_factory.mktemp("replicate") / "index.db"
    result = run_cli("demo", "--db", str(path), "--days", str(DAYS))
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(path)
    before = {table: count(conn, table) for table in COLUMNS}
    before["error"] = matches(conn, "error")
    before["span"] = conn.execute(
        "SELECT julianday(max(started_at)) - julianday(min(started_at)) FROM node_executions"
    ).fetchone()[0]
    conn.close()
    replicate(str(path), 3, DAYS)
    conn = sqlite3.connect(path)
    yield before, conn
    conn.close()


def count(conn: sqlite3.Connection, table: str) -> int:
    return conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]


def matches(conn: sqlite3.Connection, word: str) -> int:
    return conn.execute(
        "SELECT count(*) FROM node_executions_fts WHERE node_executions_fts MATCH ?", (word,)
    ).fetchone()[0]


def test_every_table_holds_three_times_its_rows(copied):
    before, conn = copied
    for table in COLUMNS:
        assert count(conn, table) == 3 * before[table], table
    assert before["node_executions"] > 100 and before["kept_events"] > 1000


def test_the_copies_are_earlier_periods_of_their_own_sessions_and_runs(copied):
    before, conn = copied
    span = conn.execute(
        "SELECT julianday(max(started_at)) - julianday(min(started_at)) FROM node_executions"
    ).fetchone()[0]
    assert span == pytest.approx(before["span"] + 2 * DAYS, abs=0.01)
    orphans = {
        "node without its run": "SELECT count(*) FROM node_executions AS n "
        "WHERE NOT EXISTS (SELECT 1 FROM workflow_runs AS r WHERE r.id = n.run_id)",
        "node without its session": "SELECT count(*) FROM node_executions AS n "
        "WHERE NOT EXISTS (SELECT 1 FROM sessions AS s WHERE s.id = n.session_id)",
        "touch of another copy's node": "SELECT count(*) FROM file_touches AS t "
        "JOIN node_executions AS n ON n.id = t.node_id WHERE n.session_id IS NOT t.session_id",
        "kept event without its block": "SELECT count(*) FROM kept_events AS e "
        "WHERE e.block_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM kept_blocks AS b WHERE b.id = e.block_id)",
        "run of another copy's session": "SELECT count(*) FROM node_executions AS n "
        "JOIN workflow_runs AS r ON r.id = n.run_id WHERE r.session_id IS NOT n.session_id",
    }
    orphans["kept event waiting to be derived"] = (
        "SELECT count(*) FROM kept_events "
        "WHERE id > (SELECT value FROM derivation_state WHERE name = 'applied')"
    )
    for what, query in orphans.items():
        assert conn.execute(query).fetchone()[0] == 0, what
    prompts = "SELECT count(DISTINCT prompt_hash) FROM node_executions"
    originals = prompts + " WHERE instr(prompt_hash, '~') = 0"
    assert conn.execute(prompts).fetchone()[0] == 3 * conn.execute(originals).fetchone()[0]


def test_the_index_and_the_rollups_count_the_copies(copied):
    before, conn = copied
    assert before["error"] > 0
    assert matches(conn, "error") == 3 * before["error"]
    assert_rollups_match_rows(conn)
