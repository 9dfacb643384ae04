"""Canned queries: each .sql file in canned_queries/ returns the rows a known database implies.

Every database here is recorded through the real path (``ingest.record`` of stamped hook
payloads, with explicit receipt times relative to now), and every query is run straight
from its file with sqlite3, with its named parameters given as Datasette gives them
(empty strings for "not set").
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from pathlib import Path

import pytest
import yaml
from conftest import event, pre, run_cli, task_input

from recorder.derive import apply as ingest
from recorder.hook import clock, database, keep
from recorder.schema import rollups

ROOT = Path(__file__).resolve().parent.parent
QUERY_DIR = ROOT / "canned_queries"
METADATA = ROOT / "metadata.yml"

REQUIRED = {
    "failed-tasks-this-week",
    "recent-runs",
    "slowest-tasks",
    "token-hogs",
    "agent-type-leaderboard",
    "daily-activity",
    "stuck-tasks",
    "retried-prompts",
    "failure-reasons",
    "search-tasks",
    "session-summary",
    "project-summary",
}
# Issue 6: what subagents learned, and the files they touched.
LEARNING_QUERIES = {"learnings-by-domain", "hotspots"}
# Issue 12: what subagents cost (known answers in test_cost_queries.py).
COST_QUERIES = {"cost-by-agent-type", "cost-per-day", "expensive-failures"}

SUCCESS_TEXT = "## Summary\nFound 12 endpoints, all documented."
FAILURE_TEXT = "I was unable to run the tests: the database is unreachable."

# Whole seconds, so every stamp has .000 milliseconds and durations come out exact.
NOW = float(int(time.time()))


def within(exact: float):
    """A percentile read from the rollups' duration buckets: within their stated error."""
    return pytest.approx(exact, rel=rollups.ERROR, abs=1)


def ago(*, days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0) -> float:
    return NOW - days * 86400 - hours * 3600 - minutes * 60 - seconds


def iso(epoch: float) -> str:
    return clock.iso(epoch)


# -- running the queries ----------------------------------------------------------------


def sql_of(name: str) -> str:
    return (QUERY_DIR / f"{name}.sql").read_text(encoding="utf-8")


def parameters(conn: sqlite3.Connection, sql: str) -> set[str]:
    """The named parameters of ``sql``, found the way Datasette finds them (EXPLAIN)."""
    names = set()
    for row in conn.execute("EXPLAIN " + sql, dict.fromkeys(re.findall(r":(\w+)", sql))):
        if row[1] == "Variable" and row[5]:
            names.add(row[5].lstrip(":"))
    return names


def run(db: Path | str, name: str, **given: object) -> list[dict]:
    """Rows of canned query ``name``; parameters not given are empty, as in Datasette."""
    sql = sql_of(name)
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        params = dict.fromkeys(parameters(conn, sql), "")
        unknown = set(given) - set(params)
        assert not unknown, f"{name} has no parameters {unknown}"
        params.update({k: str(v) for k, v in given.items()})
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def plan(db: Path | str, name: str) -> list[str]:
    sql = sql_of(name)
    conn = sqlite3.connect(db)
    try:
        params = dict.fromkeys(parameters(conn, sql), "")
        return [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
    finally:
        conn.close()


# -- recording a known database ---------------------------------------------------------


class Recorder:
    """Feeds hook payloads through ``ingest.record`` with chosen receipt times."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self.conn = database.connect(self.path)

    def send(self, payload: dict, at: float) -> None:
        ingest.record(self.conn, [keep.stamp(payload, received_at=iso(at))], db=self.path)

    def task(
        self,
        tool_use_id: str,
        *,
        start: float,
        seconds: float = 30,
        kind: str = "completed",
        session: str = "sess-1",
        cwd: str = "/home/u/proj",
        agent: str = "Explore",
        description: str = "Find API endpoints",
        prompt: str = "List every endpoint",
        text: str | None = None,
        tokens: int | None = 1000,
        error: str = "API Error: 529 overloaded",
        **fields: object,
    ) -> dict:
        """One subagent task; ``kind`` is completed, reported_failure, tool_error,
        interrupt or running. Returns its stored row."""
        tool_input = task_input(description=description, prompt=prompt, subagent_type=agent)
        common = dict(session=session, cwd=cwd, tool_input=tool_input, **fields)
        self.send(pre(tool_use_id, **common), start)
        end = start + seconds
        if kind in ("completed", "reported_failure"):
            response = {
                "status": "completed",
                "agentId": f"agent-{tool_use_id}",
                "content": [
                    {
                        "type": "text",
                        "text": text or (SUCCESS_TEXT if kind == "completed" else FAILURE_TEXT),
                    }
                ],
                "totalDurationMs": round(seconds * 1000),
                "totalToolUseCount": 3,
            }
            if tokens is not None:
                response["totalTokens"] = tokens
                response["usage"] = {
                    "input_tokens": tokens // 2,
                    "output_tokens": tokens // 4,
                    "cache_read_input_tokens": tokens // 8,
                    "cache_creation_input_tokens": tokens // 8,
                }
            payload = event(
                "PostToolUse",
                session,
                tool_name="Task",
                tool_use_id=tool_use_id,
                tool_response=response,
                **{k: v for k, v in common.items() if k != "session"},
            )
            self.send(payload, end)
        elif kind in ("tool_error", "interrupt"):
            payload = event(
                "PostToolUseFailure",
                session,
                tool_name="Task",
                tool_use_id=tool_use_id,
                error="User interrupted" if kind == "interrupt" else error,
                is_interrupt=kind == "interrupt",
                duration_ms=round(seconds * 1000),
                **{k: v for k, v in common.items() if k != "session"},
            )
            self.send(payload, end)
        else:
            assert kind == "running", kind
        row = self.node(tool_use_id)
        expected = {
            "completed": "completed",
            "reported_failure": "failed",
            "tool_error": "failed",
            "interrupt": "cancelled",
            "running": "running",
        }[kind]
        assert row["status"] == expected, row
        return row

    def node(self, tool_use_id: str) -> dict:
        row = self.conn.execute(
            "SELECT * FROM node_executions WHERE tool_use_id = ?", (tool_use_id,)
        ).fetchone()
        return dict(row)


@pytest.fixture
def rec(tmp_path: Path):
    recorder = Recorder(tmp_path / "memory" / "index.db")
    yield recorder
    recorder.conn.close()


def ids(rows: list[dict], key: str = "node_execution_id") -> list:
    return [r[key] for r in rows]


# -- metadata and files -----------------------------------------------------------------


def query_metadata() -> dict:
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    for database_meta in (metadata.get("databases") or {}).values():
        assert "queries" not in (database_meta or {}), "Datasette must not see the queries"
    return metadata["plugins"]["agent-runs"]["queries"]


def test_every_query_file_has_metadata_and_every_entry_a_file(tmp_path):
    files = {p.stem for p in QUERY_DIR.glob("*.sql")}
    meta = query_metadata()
    assert files >= REQUIRED
    assert files == set(meta)
    conn = database.connect(str(tmp_path / "x.db"))
    try:
        for name, entry in meta.items():
            assert entry.get("title", "").strip(), name
            assert entry.get("description", "").strip(), name
            declared = entry.get("params", [])
            assert set(declared) == parameters(conn, sql_of(name)), name
            help_texts = entry.get("param_help", {})
            assert set(help_texts) == set(declared), name
            assert all(str(text).strip() for text in help_texts.values()), name
    finally:
        conn.close()


def test_every_listing_query_has_a_limit():
    for path in QUERY_DIR.glob("*.sql"):
        assert re.search(r"\bLIMIT\s+\d+\s*$", path.read_text(), re.IGNORECASE), path.name


# -- failed-tasks-this-week --------------------------------------------------------------


def test_failed_tasks_this_week(rec):
    recent = rec.task(
        "t-recent",
        start=ago(days=2),
        seconds=40,
        kind="reported_failure",
        agent="Explore",
        description="Run the test suite",
    )
    tool = rec.task(
        "t-tool", start=ago(days=1), seconds=5, kind="tool_error", agent="Plan", cwd="/home/u/other"
    )
    rec.task("t-old", start=ago(days=9), kind="reported_failure")
    rec.task("t-ok", start=ago(days=1, hours=2), kind="completed")
    rec.task("t-cancel", start=ago(hours=5), kind="interrupt")
    rec.task("t-running", start=ago(hours=1), kind="running")

    rows = run(rec.path, "failed-tasks-this-week")
    assert ids(rows) == [tool["id"], recent["id"]]  # newest first, the 9-day-old one left out
    first, second = rows
    assert second["node_name"] == "Run the test suite" and second["agent_type"] == "Explore"
    assert second["error_type"] == "subagent_failure" and second["status"] == "failed"
    assert second["outcome_reason"].startswith("reads as blocked")
    assert second["duration_ms"] == 40000 and second["token_count"] == 1000
    assert second["started_at"] == iso(ago(days=2))
    assert (second["run_id"], second["session_id"], second["project"]) == (
        recent["run_id"],
        "sess-1",
        "/home/u/proj",
    )
    assert first["error_type"] == "tool_error" and first["agent_type"] == "Plan"
    assert first["error_message"] == "API Error: 529 overloaded"

    assert ids(run(rec.path, "failed-tasks-this-week", days=10)) == [
        tool["id"],
        recent["id"],
        rec.node("t-old")["id"],
    ]
    assert ids(run(rec.path, "failed-tasks-this-week", project="other")) == [tool["id"]]
    assert ids(run(rec.path, "failed-tasks-this-week", agent_type="Explore")) == [recent["id"]]


# -- recent-runs --------------------------------------------------------------------------


def test_recent_runs(rec):
    rec.send(
        event(
            "UserPromptSubmit", "s-a", prompt="Review the auth module\nin depth", prompt_id="p-1"
        ),
        ago(hours=3),
    )
    for i, kind in enumerate(["completed", "completed", "reported_failure"]):
        rec.task(
            f"t-a{i}",
            start=ago(hours=3) + 10 + i,
            seconds=60,
            kind=kind,
            session="s-a",
            prompt_id="p-1",
            tokens=1000 * (i + 1),
        )
    rec.send(event("Stop", "s-a", prompt_id="p-1"), ago(hours=2))
    rec.send(
        event(
            "UserPromptSubmit",
            "s-b",
            prompt="Add billing tests",
            prompt_id="p-2",
            cwd="/home/u/billing",
        ),
        ago(hours=1),
    )
    running = rec.task(
        "t-b0",
        start=ago(minutes=50),
        kind="running",
        session="s-b",
        prompt_id="p-2",
        cwd="/home/u/billing",
    )

    rows = run(rec.path, "recent-runs")
    assert [r["workflow_name"] for r in rows] == ["Add billing tests", "Review the auth module"]
    newest, older = rows
    assert newest["run_id"] == running["run_id"] and newest["status"] == "running"
    assert (newest["tasks"], newest["running"], newest["duration_ms"]) == (1, 1, None)
    assert older["status"] == "failed" and older["grouping"] == "prompt"
    assert (older["tasks"], older["completed"], older["failed"], older["cancelled"]) == (3, 2, 1, 0)
    assert older["tokens"] == 6000
    assert older["started_at"] == iso(ago(hours=3))
    assert older["duration_ms"] == 3600 * 1000  # prompt to Stop
    assert "unable" in older["error_message"]
    assert [r["workflow_name"] for r in run(rec.path, "recent-runs", status="failed")] == [
        "Review the auth module"
    ]
    assert [r["session_id"] for r in run(rec.path, "recent-runs", project="billing")] == ["s-b"]


# -- slowest-tasks and token-hogs -------------------------------------------------------


def test_slowest_tasks(rec):
    slow = rec.task("t-slow", start=ago(days=3), seconds=900, tokens=100)
    failed = rec.task("t-failed", start=ago(days=2), seconds=300, kind="reported_failure")
    fast = rec.task("t-fast", start=ago(days=1), seconds=10, agent="Plan")
    rec.task("t-cancelled", start=ago(hours=20), seconds=5000, kind="interrupt")
    rec.task("t-old", start=ago(days=8), seconds=9000)
    rec.task("t-running", start=ago(hours=30), kind="running")

    rows = run(rec.path, "slowest-tasks")
    assert ids(rows) == [slow["id"], failed["id"], fast["id"]]
    assert [r["duration_ms"] for r in rows] == [900000, 300000, 10000]
    assert ids(run(rec.path, "slowest-tasks", agent_type="Plan")) == [fast["id"]]
    assert ids(run(rec.path, "slowest-tasks", days=9))[0] == rec.node("t-old")["id"]


def test_token_hogs(rec):
    big = rec.task("t-big", start=ago(days=1), tokens=6000)
    mid = rec.task("t-mid", start=ago(days=2), tokens=3000, agent="Plan")
    small = rec.task("t-small", start=ago(days=3), tokens=1000)
    rec.task("t-none", start=ago(days=1), tokens=None)
    rec.task("t-old", start=ago(days=10), tokens=50000)

    rows = run(rec.path, "token-hogs")
    assert ids(rows) == [big["id"], mid["id"], small["id"]]
    assert [r["token_count"] for r in rows] == [6000, 3000, 1000]
    assert [r["pct_of_window_tokens"] for r in rows] == [60.0, 30.0, 10.0]
    assert (rows[0]["input_tokens"], rows[0]["output_tokens"]) == (3000, 1500)
    assert (rows[0]["cache_read_tokens"], rows[0]["cache_creation_tokens"]) == (750, 750)
    plan_only = run(rec.path, "token-hogs", agent_type="Plan")
    assert ids(plan_only) == [mid["id"]] and plan_only[0]["pct_of_window_tokens"] == 100.0


# -- agent-type-leaderboard -------------------------------------------------------------


def test_agent_type_leaderboard_numbers(rec):
    # Explore: four completed (10..40 s) and one failed (100 s), one still running.
    for i, secs in enumerate([10, 20, 30, 40]):
        rec.task(
            f"e{i}",
            start=ago(days=1, hours=i),
            seconds=secs,
            agent="Explore",
            tokens=1000 * (i + 1),
        )
    rec.task(
        "e-fail",
        start=ago(days=2),
        seconds=100,
        agent="Explore",
        kind="reported_failure",
        tokens=5000,
    )
    rec.task("e-run", start=ago(hours=2), agent="Explore", kind="running")
    rec.task("e-old", start=ago(days=40), seconds=9999, agent="Explore", kind="reported_failure")
    # Plan: four completed (1..4 s), one interrupt with a long duration (left out of durations).
    for i, secs in enumerate([4, 1, 3, 2]):
        rec.task(f"p{i}", start=ago(days=3, hours=i), seconds=secs, agent="Plan", tokens=300)
    rec.task("p-int", start=ago(days=3, hours=6), seconds=5000, agent="Plan", kind="interrupt")
    # general-purpose: 1..20 s, the 20th slowest is a tool error.
    for i in range(1, 21):
        rec.task(
            f"g{i}",
            start=ago(days=5, minutes=i),
            seconds=i,
            agent="general-purpose",
            kind="tool_error" if i == 20 else "completed",
            tokens=None if i == 20 else i,
        )

    rows = {r["agent_type"]: r for r in run(rec.path, "agent-type-leaderboard")}
    assert list(rows) == ["general-purpose", "Explore", "Plan"]  # most tasks first
    explore, plan_, gp = rows["Explore"], rows["Plan"], rows["general-purpose"]

    assert (explore["tasks"], explore["completed"], explore["failures"]) == (6, 4, 1)
    assert (explore["running"], explore["cancelled"]) == (1, 0)
    assert explore["failure_rate_pct"] == 20.0  # 1 of 5 finished
    assert explore["median_duration_ms"] == within(30000)  # of 10, 20, 30, 40, 100 s
    assert explore["p95_duration_ms"] == within(100000)  # rank ceil(0.95 * 5) = 5
    assert explore["avg_tokens_per_task"] == 3000  # (1000 + ... + 5000) / 5
    assert explore["total_tokens"] == 15000

    assert (plan_["tasks"], plan_["failures"], plan_["cancelled"]) == (5, 0, 1)
    assert plan_["failure_rate_pct"] == 0.0
    assert plan_["median_duration_ms"] == within(2500)  # mean of 2 s and 3 s
    assert plan_["p95_duration_ms"] == within(4000)  # rank ceil(0.95 * 4) = 4
    assert plan_["avg_tokens_per_task"] == 300

    assert (gp["tasks"], gp["failures"], gp["failure_rate_pct"]) == (20, 1, 5.0)
    assert gp["median_duration_ms"] == within(10500)  # mean of 10 s and 11 s
    assert gp["p95_duration_ms"] == within(19000)  # rank ceil(0.95 * 20) = 19
    assert gp["avg_tokens_per_task"] == 10  # round(mean of 1..19) = round(10.0)

    with_old = {r["agent_type"]: r for r in run(rec.path, "agent-type-leaderboard", days=45)}
    assert with_old["Explore"]["tasks"] == 7 and with_old["Explore"]["failures"] == 2
    only = run(rec.path, "agent-type-leaderboard", project="nowhere")
    assert only == []


# -- daily-activity ---------------------------------------------------------------------


def test_daily_activity(rec):
    tasks = [
        rec.task("d2a", start=ago(days=2), tokens=100),
        rec.task("d2b", start=ago(days=2, minutes=5), tokens=200, kind="reported_failure"),
        rec.task("d2c", start=ago(days=2, minutes=9), kind="interrupt", tokens=None),
        rec.task("d5a", start=ago(days=5), seconds=45, tokens=400),
        rec.task("d0", start=ago(minutes=30), kind="running"),
    ]
    rec.task("d40", start=ago(days=40), tokens=999)

    rows = run(rec.path, "daily-activity")
    conn = sqlite3.connect(rec.path)
    today = conn.execute("SELECT date('now')").fetchone()[0]
    conn.close()
    days = [r["day"] for r in rows]
    assert len(rows) == 30 and len(set(days)) == 30
    assert days[0] == today and days == sorted(days, reverse=True)

    expected: dict[str, dict] = {}
    for t in tasks:  # what each UTC day must show, from the stored rows themselves
        day = expected.setdefault(
            t["started_at"][:10],
            {
                "tasks": 0,
                "completed": 0,
                "failed": 0,
                "cancelled": 0,
                "running": 0,
                "failures": 0,
                "tokens": 0,
                "duration_ms": 0,
                "runs": set(),
            },
        )
        day["tasks"] += 1
        day[t["status"]] += 1
        day["failures"] += t["outcome"] == "failure"
        day["tokens"] += t["token_count"] or 0
        day["duration_ms"] += t["duration_ms"] or 0
        day["runs"].add(t["run_id"])
    by_day = {r["day"]: r for r in rows}
    for day, want in expected.items():
        got = by_day[day]
        assert {k: got[k] for k in want if k != "runs"} == {
            k: v for k, v in want.items() if k != "runs"
        }, day
        assert got["runs"] == len(want["runs"]) and got["abandoned"] == 0
    assert sum(r["tasks"] for r in rows) == 5  # the 40-day-old task is outside
    assert sum(r["tokens"] for r in rows) == 700
    assert sum(r["failures"] for r in rows) == 1 and sum(r["cancelled"] for r in rows) == 1
    assert all(r["tasks"] == 0 and r["tokens"] == 0 for r in rows if r["day"] not in expected)

    assert [r["day"] for r in run(rec.path, "daily-activity", days=1)] == [today]
    assert len(run(rec.path, "daily-activity", days=7)) == 7
    assert sum(r["tasks"] for r in run(rec.path, "daily-activity", days=45)) == 6


# -- stuck-tasks -----------------------------------------------------------------------


def test_stuck_tasks(rec):
    stuck = rec.task(
        "t-stuck",
        start=ago(hours=3),
        kind="running",
        agent="debugger",
        description="Investigate flaky test",
    )
    young = rec.task("t-young", start=ago(minutes=5), kind="running")
    rec.task("t-done", start=ago(hours=4), seconds=60)
    rec.task("t-failed", start=ago(hours=5), kind="tool_error")

    rows = run(rec.path, "stuck-tasks")
    assert ids(rows) == [stuck["id"]]
    (row,) = rows
    late = (time.time() - NOW) / 60  # NOW is fixed when the module loads; the query's now is not
    assert 179 <= row["running_minutes"] <= 181 + late
    assert row["node_name"] == "Investigate flaky test" and row["agent_type"] == "debugger"
    assert row["session_id"] == "sess-1" and row["session_ended_at"] is None
    assert row["session_last_event_at"] == iso(ago(minutes=5))

    assert ids(run(rec.path, "stuck-tasks", minutes=2)) == [stuck["id"], young["id"]]
    assert run(rec.path, "stuck-tasks", minutes=240) == []


# -- retried-prompts -------------------------------------------------------------------


def test_retried_prompts(rec):
    fix = "Fix the flaky checkout test"
    rec.task("r1", start=ago(hours=6), prompt=fix, kind="reported_failure")
    rec.task("r2", start=ago(hours=5), prompt=fix, kind="tool_error")
    last_fix = rec.task("r3", start=ago(hours=4), prompt=fix, kind="completed")
    docs = "Update the docs"
    rec.task("d1", start=ago(days=2), prompt=docs)
    rec.task("d2", start=ago(days=1), prompt=docs, session="sess-2")
    lint = "Fix lint"
    rec.task("l1", start=ago(hours=10), prompt=lint)
    rec.task("l2", start=ago(hours=2), prompt=lint, kind="reported_failure")
    rec.task("once", start=ago(hours=1), prompt="Only once")
    rec.task("old1", start=ago(days=50), prompt=docs)

    rows = run(rec.path, "retried-prompts")
    assert [r["prompt"] for r in rows] == [lint, fix, docs]  # latest attempt first
    by_prompt = {r["prompt"]: r for r in rows}

    f = by_prompt[fix]
    assert (f["attempts"], f["failures"], f["successes"], f["recovered"]) == (3, 2, 1, 1)
    assert (f["first_status"], f["last_status"], f["last_outcome"]) == (
        "failed",
        "completed",
        "success",
    )
    assert f["node_execution_id"] == last_fix["id"]
    assert f["first_started_at"] == iso(ago(hours=6))
    assert f["last_started_at"] == iso(ago(hours=4))
    assert f["prompt_hash"] == last_fix["prompt_hash"]

    d = by_prompt[docs]
    assert (d["attempts"], d["failures"], d["successes"], d["recovered"]) == (2, 0, 2, 0)
    assert d["sessions"] == 2

    lint_row = by_prompt[lint]
    assert (lint_row["attempts"], lint_row["recovered"], lint_row["last_outcome"]) == (
        2,
        0,
        "failure",
    )

    assert run(rec.path, "retried-prompts", days=60)[-1]["attempts"] == 3  # docs, with old1


# -- failure-reasons -------------------------------------------------------------------


def test_failure_reasons(rec):
    a = rec.task(
        "f1",
        start=ago(days=3),
        kind="tool_error",
        agent="Explore",
        error="API Error: 529 overloaded",
    )
    rec.task(
        "f2",
        start=ago(days=1),
        kind="tool_error",
        agent="Plan",
        error="API Error: 529 overloaded",
        session="sess-2",
    )
    b = rec.task("f3", start=ago(days=2), kind="reported_failure", agent="Explore")
    rec.task("f-old", start=ago(days=40), kind="tool_error", error="API Error: 529 overloaded")
    rec.task("ok", start=ago(days=1))
    rec.task("cancel", start=ago(days=1), kind="interrupt")

    rows = run(rec.path, "failure-reasons")
    assert len(rows) == 2
    overloaded, reported = rows  # most frequent first
    assert overloaded["reason"] == a["outcome_reason"] and overloaded["error_type"] == "tool_error"
    assert (overloaded["tasks"], overloaded["sessions"]) == (2, 2)
    assert set(overloaded["agent_types"].split(",")) == {"Explore", "Plan"}
    assert overloaded["first_seen"] == iso(ago(days=3))
    assert overloaded["last_seen"] == iso(ago(days=1))
    assert reported["reason"] == b["outcome_reason"] and reported["tasks"] == 1
    assert reported["error_type"] == "subagent_failure"

    assert run(rec.path, "failure-reasons", days=60)[0]["tasks"] == 3
    assert [r["tasks"] for r in run(rec.path, "failure-reasons", agent_type="Plan")] == [1]


# -- search-tasks ----------------------------------------------------------------------


@pytest.fixture
def searchable(rec):
    best = rec.task(
        "s-best",
        start=ago(hours=3),
        description="Audit checkout for secrets",
        prompt="Check the checkout service for hard-coded credentials.",
        text="No secrets found in checkout.",
        agent="security-auditor",
    )
    other = rec.task(
        "s-other",
        start=ago(hours=2),
        description="Tidy imports",
        prompt="Sort the imports in every module of the repository. Leave generated code "
        "alone, keep the formatting the team uses, do not touch vendored packages, and "
        "mention any module that needs a closer look, such as checkout.",
        text="Sorted imports in 31 modules.",
    )
    rec.task(
        "s-none",
        start=ago(hours=1),
        description="Plan billing refactor",
        prompt="Propose a plan to split billing into modules.",
    )
    for i, area in enumerate(["auth", "search", "reports", "webhooks", "the CLI", "migrations"]):
        rec.task(
            f"s-filler{i}",
            start=ago(hours=1, minutes=i + 1),
            description=f"Review {area}",
            prompt=f"Review the {area} code for races and missing tests.",
        )
    return rec, best, other


def test_search_tasks_ranks_and_highlights(searchable):
    rec, best, other = searchable
    rows = run(rec.path, "search-tasks", q="checkout")
    assert ids(rows) == [best["id"], other["id"]]
    assert rows[0]["relevance"] > rows[1]["relevance"]
    assert all("<mark>checkout</mark>" in r["snippet"].lower() for r in rows)
    assert rows[0]["node_name"] == "Audit checkout for secrets"

    assert ids(run(rec.path, "search-tasks", q="checkout secrets")) == [best["id"]]
    assert ids(run(rec.path, "search-tasks", q="CHECKOUT   Secrets ")) == [best["id"]]
    assert set(ids(run(rec.path, "search-tasks", q="check*"))) == {best["id"], other["id"]}
    assert ids(run(rec.path, "search-tasks", q="check")) == [best["id"]]
    assert ids(run(rec.path, "search-tasks", q="checkout", agent_type="Explore")) == [other["id"]]
    assert ids(run(rec.path, "search-tasks", q="billing", status="completed")) == [
        rec.node("s-none")["id"]
    ]


@pytest.mark.parametrize(
    "q",
    [
        "",
        "   ",
        '"',
        'checkout"',
        "checkout OR",
        "NEAR(checkout",
        "node_name:checkout",
        "-checkout",
        "check**",
        "*",
        "'; DROP TABLE node_executions; --",
        "(checkout",
        "^x",
    ],
)
def test_search_tasks_takes_any_text(searchable, q):
    rec, best, _ = searchable
    rows = run(rec.path, "search-tasks", q=q)  # never an FTS5 syntax error
    if not q.strip() or q.strip("*") == "":
        assert rows == []


def test_datasette_search_box_uses_the_full_text_index(searchable):
    from datasette.app import Datasette

    rec, best, other = searchable

    async def fetch():
        ds = Datasette([rec.path])
        response = await ds.client.get(
            "/index/node_executions.json?_search=checkout&_shape=array&_col=node_name"
        )
        assert response.status_code == 200, response.text
        return response.json()

    rows = asyncio.run(fetch())
    assert {r["id"] for r in rows} == {best["id"], other["id"]}


# -- session-summary and project-summary -----------------------------------------------


def test_session_summary(rec):
    rec.send(event("SessionStart", "s-a", source="startup"), ago(hours=3))
    rec.send(
        event("UserPromptSubmit", "s-a", prompt="Review auth", prompt_id="p-1"), ago(hours=3) + 1
    )
    for i, kind in enumerate(["completed", "completed", "reported_failure"]):
        rec.task(
            f"a{i}",
            start=ago(hours=3) + 10 + i,
            seconds=60,
            kind=kind,
            session="s-a",
            prompt_id="p-1",
            tokens=1000,
            agent="Explore" if i else "Plan",
        )
    rec.send(event("UserPromptSubmit", "s-a", prompt="Now fix it", prompt_id="p-2"), ago(hours=2))
    rec.task("a3", start=ago(hours=2) + 5, seconds=30, session="s-a", prompt_id="p-2", tokens=500)
    rec.send(event("SessionEnd", "s-a", reason="logout"), ago(hours=1))
    rec.send(event("SessionStart", "s-b", source="startup", cwd="/home/u/billing"), ago(minutes=30))
    rec.task("b0", start=ago(minutes=20), kind="running", session="s-b", cwd="/home/u/billing")
    rec.send(event("SessionStart", "s-empty", source="startup"), ago(minutes=10))
    rec.send(event("SessionStart", "s-old", source="startup"), ago(days=10))
    rec.task("old", start=ago(days=10) + 5, session="s-old")

    rows = run(rec.path, "session-summary")
    assert ids(rows, "session_id") == ["s-empty", "s-b", "s-a"]
    empty, b, a = rows
    assert (empty["runs"], empty["tasks"], empty["tokens"]) == (0, 0, None)
    assert (b["project"], b["tasks"], b["running"], b["ended_at"]) == (
        "/home/u/billing",
        1,
        1,
        None,
    )
    assert a["project"] == "/home/u/proj"
    assert (a["started_at"], a["ended_at"], a["end_reason"]) == (
        iso(ago(hours=3)),
        iso(ago(hours=1)),
        "logout",
    )
    assert (a["runs"], a["tasks"], a["completed"], a["failures"]) == (2, 4, 3, 1)
    assert a["tokens"] == 3500 and a["duration_ms"] == 210000
    assert set(a["agent_types"].split(",")) == {"Explore", "Plan"}
    assert ids(run(rec.path, "session-summary", project="billing"), "session_id") == ["s-b"]
    assert ids(run(rec.path, "session-summary", days=11), "session_id")[-1] == "s-old"
    # no transcripts here: the four finished tasks of s-a have no known cost
    assert (a["cost_usd"], a["subagent_cost_pct"], a["unpriced_tasks"]) == (None, None, 4)
    conn = sqlite3.connect(rec.path)
    with conn:  # as derivation leaves a session whose transcripts were read
        conn.execute(
            "UPDATE sessions SET main_cost_usd = 0.75, subagent_cost_usd = 0.25, "
            "cost_usd = 1.0, unpriced_nodes = 0 WHERE id = 's-a'"
        )
    conn.close()
    a = run(rec.path, "session-summary")[2]
    assert (a["cost_usd"], a["main_cost_usd"], a["subagent_cost_usd"]) == (1.0, 0.75, 0.25)
    assert (a["subagent_cost_pct"], a["unpriced_tasks"]) == (25.0, 0)


def test_project_summary(rec):
    web = "/home/u/webshop"
    for i, kind in enumerate(["completed", "completed", "reported_failure"]):
        rec.task(
            f"w{i}",
            start=ago(days=i + 1),
            seconds=60,
            kind=kind,
            cwd=web,
            session=f"w-{i % 2}",
            agent=["Explore", "Plan", "Explore"][i],
            tokens=1000,
        )
    infra = "/home/u/infra"
    rec.task("i0", start=ago(days=4), seconds=30, cwd=infra, session="i", tokens=3000)
    rec.task("i1", start=ago(hours=1), kind="running", cwd=infra, session="i")
    rec.task("i-old", start=ago(days=40), cwd=infra, session="i-old", tokens=50)

    rows = run(rec.path, "project-summary")
    assert [r["project"] for r in rows] == [web, infra]
    w, i = rows
    assert (w["sessions"], w["runs"], w["tasks"], w["completed"], w["failures"]) == (2, 3, 3, 2, 1)
    assert w["failure_rate_pct"] == 33.3 and w["tokens"] == 3000
    assert w["avg_tokens_per_task"] == 1000 and w["duration_ms"] == 180000
    assert w["agent_types"] == 2
    assert (w["first_started_at"], w["last_started_at"]) == (iso(ago(days=3)), iso(ago(days=1)))
    assert (i["tasks"], i["running"], i["failures"], i["failure_rate_pct"]) == (2, 1, 0, 0.0)
    assert i["tokens"] == 3000
    assert [r["tasks"] for r in run(rec.path, "project-summary", days=45)] == [3, 3]


# -- the demo database: every query runs, uses the indexes, and runs in Datasette -------


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "index.db"
    result = run_cli("demo", "--db", str(path))
    assert result.returncode == 0, result.stderr
    return path


SAMPLE_PARAMS = {
    "days": "14",
    "project": "webshop",
    "agent_type": "Explore",
    "status": "failed",
    "minutes": "5",
    "q": "checkout tests",
}


@pytest.mark.parametrize("name", sorted(REQUIRED | LEARNING_QUERIES | COST_QUERIES))
def test_each_query_runs_on_the_demo_database(demo_db, name):
    rows = run(demo_db, name, **({"q": "checkout"} if name == "search-tasks" else {}))
    assert rows, f"{name} found nothing in the demo database"
    conn = sqlite3.connect(demo_db)
    given = {k: v for k, v in SAMPLE_PARAMS.items() if k in parameters(conn, sql_of(name))}
    conn.close()
    run(demo_db, name, **given)
    # Whatever a user types into the form, the query answers (possibly nothing), never fails.
    for junk in ("abc", "-3", "1e9", "'; --", '"', "%"):
        run(demo_db, name, **dict.fromkeys(given, junk))


# Time-filtered queries must reach node_executions through an index, never a full scan.
EXPECTED_INDEXES = {
    "failed-tasks-this-week": {"idx_node_exec_status_started", "idx_node_exec_started"},
    "slowest-tasks": {"idx_node_exec_status_started", "idx_node_exec_started"},
    "token-hogs": {"idx_node_exec_started"},
    "agent-type-leaderboard": {"idx_node_exec_started"},
    "daily-activity": {"idx_node_exec_started"},
    "stuck-tasks": {"idx_node_exec_status_started", "idx_node_exec_running"},
    "retried-prompts": {"idx_node_exec_repeated"},
    "failure-reasons": {"idx_node_exec_status_started", "idx_node_exec_started"},
    "project-summary": {"idx_node_exec_started"},
    "session-summary": {"idx_sessions_started"},
    "recent-runs": {"idx_runs_started"},
    "search-tasks": {"VIRTUAL TABLE"},
    "learnings-by-domain": {"idx_learnings_created_at"},
    "hotspots": {"idx_file_touches_touched"},
    "cost-by-agent-type": {"idx_node_exec_started"},
    "cost-per-day": {"idx_node_exec_started"},
    "expensive-failures": {"idx_node_exec_started"},
}
FULL_SCAN = re.compile(r"^SCAN (n|r|t|l|node_executions|workflow_runs|sessions)$")


@pytest.mark.parametrize("name", sorted(REQUIRED | LEARNING_QUERIES | COST_QUERIES))
def test_queries_use_the_indexes(demo_db, name):
    steps = plan(demo_db, name)
    text = "\n".join(steps)
    assert any(index in text for index in EXPECTED_INDEXES[name]), text
    assert not [s for s in steps if FULL_SCAN.match(s)], text


def test_queries_run_through_datasette_with_blank_parameters(demo_db):
    """Datasette passes every declared parameter, blank when not set: each query copes."""
    from datasette.app import Datasette

    meta = query_metadata()
    queries = {
        name: {"sql": sql_of(name), "title": m["title"], "params": m.get("params", [])}
        for name, m in meta.items()
    }

    async def fetch_all():
        ds = Datasette([str(demo_db)], metadata={"databases": {"index": {"queries": queries}}})
        results = {}
        for name in queries:
            response = await ds.client.get(f"/index/{name}.json?_shape=array")
            assert response.status_code == 200, (name, response.text)
            results[name] = response.json()
        response = await ds.client.get("/index/search-tasks.json?_shape=array&q=checkout")
        results["search-tasks"] = response.json()
        return results

    results = asyncio.run(fetch_all())
    assert all(results[name] for name in queries), [n for n in queries if not results[n]]
