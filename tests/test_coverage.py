"""Capture coverage: transcripts with executions the hook never saw, and why."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import completed_response, post, pre, query, run_cli, task_input
from test_backfill import Transcript
from timed import record

from recorder.hook import clock, database, spool
from recorder.sources.transcripts import iso_utc

QUERIES = Path(__file__).resolve().parent.parent / "canned_queries"
DAY = 86400


@pytest.fixture
def world(tmp_path: Path, db: Path) -> dict:
    """Two sessions' transcripts; the hook recorded only T1, with clues for the others."""
    begin = clock.iso((time.time() - 3 * DAY) // DAY * DAY + 9 * 3600)
    root = tmp_path / "projects"
    a = Transcript(root, "sess-a", start=begin)
    a.prompt("Refactor the shop")
    times = {}
    for tool_use_id in ("T1", "T2", "T3"):
        times[tool_use_id] = a.task(tool_use_id, description=f"task {tool_use_id}")["timestamp"]
        a.done(tool_use_id, "Done.")
        a.now(3600)  # an hour apart, so each log line is near one execution only
    a.prompt("And the docs, tomorrow")
    times["T4"] = a.task("T4", at=clock.iso(clock.epoch(begin) + DAY), description="docs")[
        "timestamp"
    ]
    a.done("T4", "Docs done.")
    a.write()
    b = Transcript(root, "sess-b", start=begin)
    b.prompt("Another session, no hook")
    times["T5"] = b.task("T5", description="explore")["timestamp"]
    b.done("T5", "Found it.")
    b.write()
    # the hook recorded session A's start and T1 (at their own times)
    t1 = clock.epoch(times["T1"]) - clock.epoch(begin)
    tool_input = task_input(description="task T1")
    record(
        db,
        (0, {"session_id": "sess-a", "hook_event_name": "SessionStart", "cwd": "/home/u/shop"}),
        (t1, pre("T1", session="sess-a", tool_input=tool_input)),
        (
            t1 + 1,
            post(
                "T1",
                session="sess-a",
                tool_input=tool_input,
                response=completed_response("Done.", "ag-T1"),
            ),
        ),
        base=begin,
    )
    # T2's PostToolUse was dead-lettered; the hook logged errors when T3 ran
    spool.dead_letter(str(db), "ValueError: boom", pre("T2", session="sess-a"))
    log = db.parent / "agent-runs.log"
    log.write_text(f"{iso_utc(times['T3'])} agent-runs: database is locked\n")
    return {"root": root, "times": times, "begin": begin}


def test_doctor_coverage_counts_per_day_and_says_why(db, world):
    result = run_cli("doctor", "--coverage", "--db", str(db), str(world["root"]))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    first_day, second_day = world["begin"][:10], world["times"]["T4"][:10]
    day1 = next(line for line in lines if line.startswith(first_day))
    assert day1.split()[1:4] == ["4", "1", "3"]  # T1, T2, T3, T5: one seen by the hook
    assert "1 dead-lettered" in day1 and "1 hook failing" in day1
    assert "1 hook not installed" in day1
    day2 = next(line for line in lines if line.startswith(second_day))
    assert day2.split()[1:4] == ["1", "0", "1"] and "1 unknown" in day2
    assert lines[-1] == "coverage: 1 of 5 executions seen by the hook (20.0%)"
    gaps = {r["tool_use_id"]: r["reason"] for r in query(db, "SELECT * FROM capture_gaps")}
    assert gaps == {
        "T2": "dead-lettered",
        "T3": "hook failing",
        "T4": "unknown",
        "T5": "hook not installed",
    }


def test_backfilled_executions_say_who_recorded_them_and_list_as_gaps(db, world):
    assert run_cli("doctor", "--coverage", "--db", str(db), str(world["root"])).returncode == 0
    assert run_cli("backfill", "--db", str(db), str(world["root"])).returncode == 0
    by = {r["tool_use_id"]: r["recorded_by"] for r in query(db, "SELECT * FROM node_executions")}
    assert by == {
        "T1": "hook",
        "T2": "backfill",
        "T3": "backfill",
        "T4": "backfill",
        "T5": "backfill",
    }
    sql = (QUERIES / "capture-gaps.sql").read_text()
    rows = query(db, sql, {"days": "30"})
    assert {r["tool_use_id"]: r["reason"] for r in rows} == {
        "T2": "dead-lettered",
        "T3": "hook failing",
        "T4": "unknown",
        "T5": "hook not installed",
    }
    # after a backfill, doctor still counts them as missed by the hook
    again = run_cli("doctor", "--coverage", "--db", str(db), "--since", "30d", str(world["root"]))
    assert again.stdout.splitlines()[-1] == "coverage: 1 of 5 executions seen by the hook (20.0%)"


def test_doctor_coverage_refuses_bad_input(db, world):
    bad = run_cli("doctor", "--coverage", "--db", str(db), "--since", "someday")
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    stray = run_cli("doctor", "--db", str(db), "--since", "7d")
    assert stray.returncode != 0 and "Traceback" not in stray.stderr


@pytest.mark.parametrize(
    ("name", "index"),
    [
        ("agent-versions", "idx_node_exec_agent_definition"),
        ("rework", "idx_node_exec_retries"),
        ("capture-gaps", "idx_node_exec_not_by_hook"),
    ],
)
def test_the_new_queries_read_their_indexes(tmp_path, name, index):
    conn = database.connect(str(tmp_path / "plan.db"))
    try:
        sql = (QUERIES / f"{name}.sql").read_text()
        params = {"days": "", "project": "", "agent_type": ""}
        steps = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
    finally:
        conn.close()
    assert any(index in step for step in steps), steps
    assert not [s for s in steps if s in ("SCAN n", "SCAN r", "SCAN node_executions")], steps
