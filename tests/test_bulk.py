"""The bulk path writes exactly what the hook writes, full-text index included."""

from __future__ import annotations

import os
import sqlite3
import time

import pytest
from conftest import event, query, run_cli, run_hook, sync

from recorder.derive import outcome
from recorder.hook import spool
from recorder.hook.events import META
from recorder.sources import bulk, demo

SECRET = "sk-ant-api03-" + "Zq7Xw2Lk9Vb4Nm1Pq8Rs3Tu6Yx0Ab5Cd" * 3 + "-AA"

# Columns filled from the wall clock by a DEFAULT, not from the events.
CLOCK_COLUMNS = {"sessions": {"created_at"}, "subagents": {"created_at"}}
TABLES = ("sessions", "workflow_runs", "node_executions", "subagents")
SEARCHES = ("checkout", "failed", "tests", "endpoints", "REDACTED", "traceback")


def payloads() -> list[dict]:
    """Six demo sessions (parallel and background subagents, failures, interrupts)."""
    generator = demo.Generator(seed=7)
    start = time.time() - 3 * 86400
    for i in range(6):
        generator.session(start + i * 3600, open_ended=i == 5)
    events = generator.ordered()
    pre = next(p for p in events if p["hook_event_name"] == "PreToolUse")
    pre["tool_input"]["prompt"] += f" Use the key {SECRET} for the staging API."
    junk = event("PreToolUse", tool_name="Task", tool_use_id=None)  # rejected: a dead letter
    junk[META] = {"received_at": pre[META]["received_at"]}
    return events + [junk]


def table(db, name: str) -> list[dict]:
    rows = query(db, f"SELECT * FROM {name} ORDER BY rowid")
    for row in rows:
        for column in CLOCK_COLUMNS.get(name, ()):
            del row[column]
    return rows


def search(db, term: str) -> list[int]:
    found = query(
        db,
        "SELECT rowid FROM node_executions_fts WHERE node_executions_fts MATCH ? ORDER BY rowid",
        (f'"{term}"',),
    )
    return [r["rowid"] for r in found]


@pytest.fixture(scope="module")
def events() -> list[dict]:
    return payloads()


@pytest.fixture(scope="module")
def written(tmp_path_factory, events):
    """The same payloads through the hook's recorder and through bulk.

    The hook stamps its own receipt time (a payload cannot supply one), so the payloads,
    stamped with their demo times, go where the hook keeps what it could not write yet:
    the spool, which `agent-runs replay` records with the hook's own code.
    """
    by_hook = tmp_path_factory.mktemp("hook") / "index.db"
    for payload in events:
        spool.spool(str(by_hook), payload)
    replayed = run_cli("replay", "--db", str(by_hook))
    assert replayed.returncode == 0, replayed.stderr
    by_bulk = tmp_path_factory.mktemp("bulk") / "index.db"
    counts = bulk.write_database(str(by_bulk), [events[:40], events[40:]])
    return by_hook, by_bulk, counts


def test_bulk_rows_equal_hook_rows(written):
    by_hook, by_bulk, counts = written
    assert counts["nodes"] >= 10 and counts["sessions"] == 6
    for name in TABLES:
        assert table(by_bulk, name) == table(by_hook, name), name
    statuses = {r["status"] for r in query(by_bulk, "SELECT status FROM node_executions")}
    assert {"completed", "running"} <= statuses


def test_secrets_are_redacted_and_junk_kept_as_a_dead_letter(written):
    by_hook, by_bulk, _ = written
    assert SECRET.encode() not in by_bulk.read_bytes()
    assert search(by_bulk, "REDACTED") and search(by_bulk, "REDACTED") == search(
        by_hook, "REDACTED"
    )
    for path in (by_hook, by_bulk):
        letters = [n for n in os.listdir(path.parent) if "dead" in n]
        assert letters, f"no dead letter beside {path}"


def test_full_text_index_is_complete_and_searches_alike(written):
    by_hook, by_bulk, _ = written
    conn = sqlite3.connect(by_bulk)
    try:
        conn.execute(
            "INSERT INTO node_executions_fts(node_executions_fts) VALUES ('integrity-check')"
        )
        triggers = {
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        }
    finally:
        conn.close()
    assert {
        "node_executions_fts_ai",
        "node_executions_fts_au",
        "node_executions_fts_ad",
    } <= triggers
    hits = 0
    for term in SEARCHES:
        assert search(by_bulk, term) == search(by_hook, term), term
        hits += len(search(by_bulk, term))
    assert hits > 0


def test_hooks_keep_the_index_in_sync_after_a_bulk_build(written, tmp_path):
    _, by_bulk, _ = written
    copy = tmp_path / "index.db"
    copy.write_bytes(by_bulk.read_bytes())
    result = run_hook(
        copy,
        event(
            "PreToolUse",
            tool_name="Agent",
            tool_use_id="toolu_after_bulk",
            tool_input={"description": "Zanzibar audit", "prompt": "Audit the zanzibar module"},
        ),
    )
    assert result.returncode == 0, result.stderr
    sync(copy)
    assert len(search(copy, "zanzibar")) == 1
    conn = sqlite3.connect(copy)
    try:
        conn.execute(
            "INSERT INTO node_executions_fts(node_executions_fts) VALUES ('integrity-check')"
        )
    finally:
        conn.close()


def test_a_failed_build_leaves_the_existing_file_and_no_temporary_files(tmp_path):
    path = tmp_path / "index.db"
    path.write_bytes(b"the previous database")

    def batches():
        yield payloads()[:10]
        raise RuntimeError("the generator broke")

    with pytest.raises(RuntimeError):
        bulk.write_database(str(path), batches())
    assert path.read_bytes() == b"the previous database"
    assert os.listdir(tmp_path) == ["index.db"]


def test_workers_stamp_and_judge_ahead_into_the_same_rows(written, events, tmp_path):
    """Worker processes redact, stamp and judge the batches ahead: every row, kept event
    and search is what one process writes, in order, however the batches are cut."""
    _, by_bulk, counts = written
    by_workers = tmp_path / "index.db"
    batches = [events[i : i + 7] for i in range(0, len(events), 7)]
    assert bulk.write_database(str(by_workers), batches, workers=2) == counts
    for name in TABLES:
        assert table(by_workers, name) == table(by_bulk, name), name
    kept = "SELECT id, received_at, source, session_id, subject FROM kept_events ORDER BY id"
    assert query(by_workers, kept) == query(by_bulk, kept)
    for term in SEARCHES:
        assert search(by_workers, term) == search(by_bulk, term), term
    assert not any(SECRET in str(row) for row in query(by_workers, "SELECT * FROM node_executions"))


def test_verdicts_judged_ahead_answer_within_their_block():
    report = (
        "I could not finish the migration: the staging database refused the connection"
        " (permission denied for role deploy), so nothing was applied."
    )
    ahead = outcome.judge_ahead([report, None, ""])
    assert list(ahead) == [report] and ahead[report] == outcome.judge_text(report)
    stand_in = outcome.Verdict("success", "judged ahead", None, "ahead")
    with outcome.judged({report: stand_in}):
        assert outcome.classify(report) == stand_in
    assert outcome.classify(report) == ahead[report] != stand_in
