"""Compaction: a quiet session's kept events stored together, read and re-derived the same."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from claude_code_fixtures import NAMES, feed
from conftest import event, post, pre, run_cli, sync
from fixture_transcripts import write_transcripts
from test_kept_events import DERIVED, keep_from_2020, raw, story

from recorder.derive import compaction, worker
from recorder.derive.compaction import Reader
from recorder.hook import codec, database

EVERYTHING = "9999"  # later than any receipt time


def kept_payloads(db) -> dict[int, dict]:
    """Every kept event's payload by id, however it is stored."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT id, event, block_id FROM kept_events ORDER BY id").fetchall()
        return dict(Reader(conn).rows(rows))
    finally:
        conn.close()


def compact(db, quiet: str = EVERYTHING) -> int:
    conn = database.connect(str(db))
    try:
        return compaction.compact(conn, quiet, sessions=-1)
    finally:
        conn.close()


def stored_bytes(db) -> int:
    """Bytes of kept-event content as stored: loose events and blocks."""
    loose = raw(db, "SELECT total(length(event)) FROM kept_events")[0][0]
    blocks = raw(db, "SELECT total(length(data)) FROM kept_blocks")[0][0]
    return int(loose + blocks)


def block_texts(db) -> list[bytes]:
    return [codec.inflate(data) for (data,) in raw(db, "SELECT data FROM kept_blocks")]


def tables(db) -> dict:
    """Every row of every derived table (ids included) and what search finds."""
    found = {t: raw(db, f"SELECT * FROM {t} ORDER BY rowid") for t in DERIVED}
    found["node_tools"] = raw(db, "SELECT * FROM node_tools ORDER BY rowid")
    found["fts"] = raw(
        db, "SELECT rowid FROM node_executions_fts WHERE node_executions_fts MATCH 'the'"
    )
    return found


@pytest.fixture
def recorded(tmp_path):
    """Every Claude Code fixture's session with its transcripts (so usage is kept too)."""
    db = tmp_path / "memory" / "index.db"
    projects = tmp_path / "claude"
    for name in NAMES:
        feed(db, name, write_transcripts(name, projects / name / "projects"))
    sync(db)
    return db, projects


def test_compacted_events_read_back_unchanged_and_smaller(recorded):
    db, _ = recorded
    before, size = kept_payloads(db), stored_bytes(db)
    compact(db)
    (blocked,) = raw(db, "SELECT count(*) FROM kept_events WHERE block_id IS NOT NULL")[0]
    assert blocked >= 0.9 * len(before)
    assert raw(db, "SELECT sum(events) FROM kept_blocks") == [(blocked,)]
    assert raw(db, "SELECT count(*) FROM kept_events WHERE block_id AND event != x''") == [(0,)]
    assert kept_payloads(db) == before
    assert stored_bytes(db) < 0.6 * size  # what neighbouring events repeat is stored once
    assert compact(db) == 0  # nothing left to move


def test_rebuild_from_blocks_gives_identical_rows_without_the_transcripts(recorded):
    db, projects = recorded
    before = tables(db)
    compact(db)
    blocked = raw(db, "SELECT count(*) FROM kept_events WHERE source = 'transcript' AND block_id")
    assert blocked[0][0] > 0  # usage read from transcripts is in blocks too
    shutil.rmtree(projects)
    result = run_cli("rebuild", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert tables(db) == before


def test_only_quiet_sessions_are_compacted(db, hook):
    kept = keep_from_2020(db, story(3))
    hook(event("UserPromptSubmit", "sess-now", prompt="Go"))
    hook(pre("t1", session="sess-now"))
    hook(post("t1", session="sess-now"))
    hook(event("Stop", "sess-now"))
    compact(db, quiet="2021-01-01T00:00:00.000Z")
    assert raw(db, "SELECT sum(events) FROM kept_blocks") == [(kept,)]
    loose = raw(db, "SELECT DISTINCT session_id FROM kept_events WHERE block_id IS NULL")
    assert loose == [("sess-now",)]


def test_prune_leaves_nothing_it_deleted_in_a_block(db, hook):
    """One session, an old run and a new one: its block holds both until prune."""
    old = story(2)
    old[3] = post("toolu_1", text="Found the zebracorn endpoints.")
    keep_from_2020(db, old)
    hook(event("UserPromptSubmit", prompt="Again"))
    hook(pre("toolu_new"))
    hook(post("toolu_new", text="Found 9 endpoints."))
    compact(db)
    assert any(b"zebracorn" in text for text in block_texts(db))
    result = run_cli("prune", "--db", str(db), "--older-than", "1d")
    assert result.returncode == 0, result.stderr
    assert not any(b"zebracorn" in text for text in block_texts(db))
    with open(db, "rb") as f:
        assert b"zebracorn" not in f.read()  # nor in its old pages: prune vacuums
    survivors = kept_payloads(db)
    assert any(p.get("tool_use_id") == "toolu_new" for p in survivors.values())
    assert raw(db, "SELECT tool_use_id FROM node_executions") == [("toolu_new",)]
    before = tables(db)
    compact(db)  # the survivors go back into a block
    assert kept_payloads(db) == survivors
    run_cli("rebuild", "--db", str(db))
    assert tables(db) == before


def test_the_worker_compacts_quiet_sessions_when_idle(db, hook):
    kept = keep_from_2020(db, story(3))
    assert raw(db, "SELECT count(*) FROM kept_blocks") == [(0,)]
    worker.work(str(db))
    assert raw(db, "SELECT count(*) FROM kept_events WHERE block_id IS NULL") == [(0,)]
    assert raw(db, "SELECT sum(events) FROM kept_blocks") == [(kept,)]
