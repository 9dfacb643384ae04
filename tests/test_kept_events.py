"""Kept events are the truth and the tables are derived: worker, sync, rebuild, portability."""

from __future__ import annotations

import json
import sqlite3
import time

from conftest import event, post, pre, query, run_cli, run_hook, settle

from recorder.derive import apply as ingest
from recorder.derive import sync as derive
from recorder.hook import codec, database, deriver, keep

OFF = {"AGENT_RUNS_DERIVE": "off"}
DERIVED = ["sessions", "workflow_runs", "node_executions", "subagents", "learnings", "file_touches"]


def raw(db, sql: str) -> list[tuple]:
    """Rows read straight from the file, without deriving first."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def wait_for_node(db, tool_use_id: str, seconds: float = 15) -> float:
    """Seconds until the node is in node_executions, read without syncing."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if raw(db, f"SELECT 1 FROM node_executions WHERE tool_use_id = '{tool_use_id}'"):
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError(f"{tool_use_id} not derived within {seconds}s")


def story(n: int) -> list[dict]:
    """A session with a prompt, n subagents (one failing, one with a learning), a stop."""
    events = [event("SessionStart", source="startup"), event("UserPromptSubmit", prompt="Go")]
    for i in range(n):
        events.append(pre(f"toolu_{i}"))
        text = "Done.\nLEARNED: cache the token" if i == 1 else f"Found {i} endpoints."
        if i == 2:
            events.append(
                event("PostToolUseFailure", tool_name="Task", tool_use_id="toolu_2", error="boom")
            )
        else:
            events.append(post(f"toolu_{i}", text=text))
    events.append(
        event("SubagentStop", agent_id="agent-toolu_0", agent_transcript_path="/t/a.jsonl")
    )
    events.append(event("Stop"))
    return events


def keep_from_2020(db, payloads: list[dict]) -> int:
    """Keep payloads received in 2020 (as backfill keeps old transcripts' events: the hook
    always stamps its own receipt time); return how many."""
    old = [keep.stamp(p, f"2020-01-01T00:00:{i:02d}.000Z") for i, p in enumerate(payloads)]
    conn = database.connect(str(db))
    try:
        return ingest.record(conn, old, str(db), source="backfill")
    finally:
        conn.close()


def snapshot(db) -> dict:
    """Every row of every derived table, ids included, and what full-text search finds."""
    tables = {t: raw(db, f"SELECT * FROM {t} ORDER BY rowid") for t in DERIVED}
    tables["fts"] = raw(
        db, "SELECT rowid FROM node_executions_fts WHERE node_executions_fts MATCH 'endpoints'"
    )
    return tables


def test_the_hook_keeps_the_event_compressed_and_a_worker_derives_it(db):
    for payload in (pre("toolu_a"), post("toolu_a")):
        result = run_hook(db, payload)
        assert (result.returncode, result.stdout) == (0, b"")
    assert wait_for_node(db, "toolu_a") < 15
    rows = raw(db, "SELECT source, received_at, subject, event FROM kept_events ORDER BY id")
    assert [(r[0], r[2]) for r in rows] == [("hook", "toolu_a"), ("hook", "toolu_a")]
    assert rows[0][1].endswith("Z")
    assert b'"hook_event_name":"PostToolUse"' in codec.inflate(rows[1][3])
    deadline = time.monotonic() + 15
    while raw(db, "SELECT status FROM node_executions") != [("completed",)]:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_the_worker_keeps_none_of_the_hooks_output_open(db):
    """Claude Code reads the hook's stdout and stderr to their end: a worker holding them
    would make the session wait out its linger."""
    result = run_hook(db, pre("toolu_o"))  # returns once both pipes have reached their end
    assert (result.returncode, result.stdout) == (0, b"")
    wait_for_node(db, "toolu_o")  # derived: the worker lingers a second before it exits
    assert deriver.running(str(db))  # so the pipes ended while it still ran


def test_no_event_is_left_behind_by_a_worker_that_is_about_to_exit(db):
    """Events sent around the worker's linger time are all derived with no command run."""
    for i in range(12):
        assert run_hook(db, pre(f"toolu_w{i}")).returncode == 0
        time.sleep(0.1 * (i % 4) + (0.95 if i % 5 == 4 else 0))
    wait_for_node(db, "toolu_w11")
    deadline = time.monotonic() + 15
    while raw(db, "SELECT count(*) FROM node_executions") != [(12,)]:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_no_secret_reaches_the_kept_events(db, hook):
    secret = "sk-ant-api03-" + "Q" * 80
    hook(pre("toolu_s", tool_input={"description": "d", "prompt": f"use {secret}"}))
    blobs = [codec.inflate(r[0]) for r in raw(db, "SELECT event FROM kept_events")]
    assert blobs and not any(secret.encode() in b for b in blobs)


def test_sync_applies_what_is_pending_and_commands_that_read_sync_first(db):
    for payload in story(3):
        run_hook(db, payload, env=OFF)
    assert raw(db, "SELECT count(*) FROM node_executions") == [(0,)]
    assert "events derived" in run_cli("sync", "--db", str(db)).stdout
    assert raw(db, "SELECT count(*) FROM node_executions") == [(3,)]
    run_hook(db, pre("toolu_late"), env=OFF)
    assert "nodes" in run_cli("stats", "--db", str(db)).stdout.lower()
    assert raw(db, "SELECT count(*) FROM node_executions") == [(4,)]


def test_sync_keeps_what_was_spooled_while_the_database_could_not_be_written(db):
    run_hook(db, pre("toolu_before"), env=OFF)
    spool = db.parent / "agent-runs-spool.ndjson"
    spool.write_text("".join(json.dumps(p) + "\n" for p in (pre("toolu_s"), post("toolu_s"))))
    result = run_cli("sync", "--db", str(db))
    assert result.returncode == 0 and "2 spooled events kept first" in result.stdout
    assert raw(db, "SELECT tool_use_id, status FROM node_executions ORDER BY id") == [
        ("toolu_before", "running"),
        ("toolu_s", "completed"),
    ]
    assert not spool.exists()


def test_rebuild_gives_identical_rows_and_keeps_rows_no_event_explains(db):
    for payload in story(2):
        run_hook(db, payload, env=OFF)
    run_cli("sync", "--db", str(db))
    conn = sqlite3.connect(db)  # as ELF's own Conductor code does, between our events
    conn.execute(
        "INSERT INTO workflow_runs (workflow_name, status) VALUES ('elf run', 'completed')"
    )
    conn.execute(
        "INSERT INTO node_executions (run_id, node_id, node_name, status, result_text) "
        "VALUES (last_insert_rowid(), 'n1', 'elf node', 'completed', 'elf endpoints')"
    )
    conn.commit()
    conn.close()
    for payload in story(5)[4:]:
        run_hook(db, payload, env=OFF)
    run_cli("sync", "--db", str(db))
    before = snapshot(db)
    assert ("elf node",) in raw(db, "SELECT node_name FROM node_executions")
    result = run_cli("rebuild", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert snapshot(db) == before
    assert raw(db, "SELECT count(*) FROM node_executions") == [(6,)]


def test_a_migration_can_ask_for_a_rebuild(db, hook):
    for payload in story(2):
        hook(payload)
    before = snapshot(db)
    conn = database.connect(str(db))
    conn.execute("UPDATE node_executions SET outcome_reason = 'stale classifier'")
    database.write(conn, derive.request_rebuild)
    conn.close()
    result = run_cli("stats", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert snapshot(db) == before


def test_a_rebuild_request_is_taken_once(db, hook):
    """The worker and a command may both see the request; the one that clears second must
    not undo what the first derived (the command returning to empty tables)."""
    for payload in story(2):
        hook(payload)
    before = snapshot(db)
    late, first = database.connect(str(db)), database.connect(str(db))
    try:
        database.write(first, derive.request_rebuild)
        assert derive.rebuild_requested(late)  # seen by both
        derive.sync(first, str(db))  # one takes it: clears and derives everything again
        database.write(late, derive.clear_if_requested)  # the other comes second
    finally:
        late.close()
        first.close()
    assert snapshot(db) == before


def test_prune_removes_kept_events_with_what_derives_from_them(db, hook):
    keep_from_2020(db, story(2))
    hook(pre("toolu_new", session="sess-new"))
    assert len(query(db, "SELECT 1 FROM kept_events WHERE session_id = 'sess-1'")) == 8
    result = run_cli("prune", "--db", str(db), "--older-than", "1d")
    assert result.returncode == 0, result.stderr
    assert [r["session_id"] for r in query(db, "SELECT session_id FROM kept_events")] == [
        "sess-new"
    ]
    assert raw(db, "SELECT tool_use_id FROM node_executions") == [("toolu_new",)]
    run_cli("rebuild", "--db", str(db))
    assert raw(db, "SELECT tool_use_id FROM node_executions") == [("toolu_new",)]


def test_the_hook_runs_without_posix_only_modules_and_calls(db, tmp_path):
    """fcntl, os.getuid, os.fork, os.setsid, os.pread and os.posix_spawn gone, as on Windows."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import os, sys\n"
        "sys.modules['fcntl'] = None\n"
        "for name in ('getuid', 'fork', 'setsid', 'pread', 'posix_spawn'):\n"
        "    if hasattr(os, name):\n"
        "        delattr(os, name)\n"
    )
    env = {"PYTHONPATH": str(site)}
    probe = run_hook(db, b"not json", env)  # the dead-letter path too
    assert (probe.returncode, probe.stdout) == (0, b"")
    for payload in (pre("toolu_p"), post("toolu_p")):
        result = run_hook(db, payload, env)
        assert (result.returncode, result.stdout) == (0, b""), result.stderr
    wait_for_node(db, "toolu_p")  # derived by a worker started under the same restrictions
    assert raw(db, "SELECT count(*) FROM kept_events") == [(2,)]
    import subprocess
    import sys

    check = subprocess.run(
        [sys.executable, "-c", "import fcntl"], env={"PYTHONPATH": str(site)}, capture_output=True
    )
    assert check.returncode != 0  # the restriction really applies


def test_the_dashboard_says_when_events_are_waiting_and_never_derives(db):
    from datasette.app import Datasette
    from test_datasette_helpers import get

    run_hook(db, pre("toolu_d1"), env=OFF)
    run_cli("sync", "--db", str(db))
    run_hook(db, pre("toolu_d2"), env=OFF)
    run_hook(db, pre("toolu_d3"), env=OFF)
    ds = Datasette([str(db)])
    page = get(ds, "/-/agent-runs")
    assert page.status_code == 200
    assert "2 recorded events waiting" in page.text
    assert get(ds, "/-/agent-runs.json").json()["waiting"] == 2
    assert raw(db, "SELECT count(*) FROM node_executions") == [(1,)]  # Datasette wrote nothing
    run_cli("sync", "--db", str(db))
    assert "waiting to be added" not in get(Datasette([str(db)]), "/-/agent-runs").text


def test_an_event_derivation_fails_on_is_kept_and_derived_after_the_fix(db, tmp_path):
    inject = tmp_path / "inject"
    inject.mkdir()
    (inject / "sitecustomize.py").write_text(
        "import recorder.derive.store\n"
        "def broken(conn, event):\n"
        "    raise RuntimeError('injected derivation fault')\n"
        "recorder.derive.store.apply = broken\n"
    )
    result = run_hook(db, pre("toolu_bug"), env={"PYTHONPATH": str(inject)})
    assert (result.returncode, result.stdout) == (0, b"")
    dead = db.parent / "agent-runs-dead-letters.ndjson"
    deadline = time.monotonic() + 15
    # the worker, started with the same bug, fails on it; the file exists a moment before
    # its line is written, so wait for the line
    while not (dead.exists() and b"injected derivation fault" in dead.read_bytes()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert raw(db, "SELECT count(*) FROM kept_events") == [(1,)]
    assert raw(db, "SELECT count(*) FROM node_executions") == [(0,)]
    settle(db)  # the worker with the bug has exited
    result = run_cli("rebuild", "--db", str(db))  # after the fix
    assert result.returncode == 0, result.stderr
    assert raw(db, "SELECT tool_use_id FROM node_executions") == [("toolu_bug",)]
