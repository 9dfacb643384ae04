"""The demo database is realistic and recorded through the hook code path."""

from __future__ import annotations

import pytest
from conftest import query, run_cli


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("demo")
    result = run_cli("demo", cwd=cwd)
    assert result.returncode == 0, result.stderr
    return cwd / "memory" / "index.db"  # the default path, relative to the current directory


def one(db, sql: str):
    return next(iter(query(db, sql)[0].values()))


def test_span_projects_and_volume(demo):
    assert (
        one(
            demo,
            "SELECT julianday(max(started_at)) - julianday(min(started_at)) FROM node_executions",
        )
        >= 30
    )
    assert one(demo, "SELECT count(DISTINCT project) FROM sessions") >= 4
    assert one(demo, "SELECT count(*) FROM sessions") >= 100
    assert one(demo, "SELECT count(*) FROM node_executions") >= 2000
    assert one(demo, "SELECT count(DISTINCT agent_type) FROM node_executions") >= 6
    assert one(demo, "SELECT count(DISTINCT tool_name) FROM node_executions") == 2


def test_every_kind_of_status_and_failure(demo):
    statuses = {r["status"] for r in query(demo, "SELECT DISTINCT status FROM node_executions")}
    assert statuses == {"running", "completed", "failed", "cancelled", "abandoned"}
    kinds = {
        r["error_type"]
        for r in query(
            demo, "SELECT DISTINCT error_type FROM node_executions WHERE error_type IS NOT NULL"
        )
    }
    assert kinds == {
        "tool_error",
        "subagent_failure",
        "interrupt",
        "killed",
        "not_started",
    }
    reasons = " ".join(
        r["outcome_reason"]
        for r in query(
            demo, "SELECT DISTINCT outcome_reason FROM node_executions WHERE outcome = 'failure'"
        )
    )
    assert "traceback" in reasons and "unable" in reasons and "tool call failed" in reasons
    assert one(demo, "SELECT count(*) FROM node_executions WHERE is_background = 1") > 50
    groupings = {r["grouping"] for r in query(demo, "SELECT DISTINCT grouping FROM workflow_runs")}
    assert groupings == {"prompt", "turn", "task"}


def test_parallel_subagents_overlap_within_a_run(demo):
    overlapping = one(
        demo,
        """
        SELECT count(*) FROM node_executions a JOIN node_executions b
          ON a.run_id = b.run_id AND a.id < b.id
         AND a.started_at < b.completed_at AND b.started_at < a.completed_at""",
    )
    assert overlapping > 100


def test_every_finished_task_ends_when_its_duration_says(demo):
    """No turn of the demo starts while the last one's subagents still run (an interrupt
    ends the turn when its last subagent does), so no Stop closes a running node early."""
    late = one(
        demo,
        """
        SELECT count(*) FROM node_executions
        WHERE completed_at IS NOT NULL AND started_at IS NOT NULL AND duration_ms IS NOT NULL
          AND abs((julianday(completed_at) - julianday(started_at)) * 86400000 - duration_ms)
              > 1000""",
    )
    assert late == 0


def test_distributions_look_real(demo):
    median, p95 = (
        one(
            demo,
            f"""SELECT duration_ms FROM node_executions
        WHERE duration_ms IS NOT NULL ORDER BY duration_ms
        LIMIT 1 OFFSET (SELECT count(duration_ms) * {q} / 100 FROM node_executions)""",
        )
        for q in (50, 95)
    )
    assert 10_000 < median < 200_000 and p95 > 2 * median
    # a task's tokens are every API call's (each re-reads the growing context), as its
    # transcript tells: far more than the last request alone
    tokens = one(demo, "SELECT avg(token_count) FROM node_executions")
    assert 30_000 < tokens < 1_000_000
    last_request = one(
        demo, "SELECT avg(json_extract(result_json, '$.totalTokens')) FROM node_executions"
    )
    assert tokens > 2 * last_request
    # and every task whose transcript was read has its cost, as has each ended session
    assert (
        one(
            demo,
            "SELECT count(*) FROM node_executions "
            "WHERE usage_source = 'transcript' AND cost_usd IS NULL",
        )
        == 0
    )
    assert (
        one(demo, "SELECT count(*) FROM node_executions WHERE usage_source = 'transcript'") > 1000
    )
    assert one(demo, "SELECT count(*) FROM sessions WHERE main_cost_usd > 0") > 100
    assert (
        one(
            demo,
            "SELECT count(*) FROM workflow_runs WHERE total_nodes <> "
            "(SELECT count(*) FROM node_executions n WHERE n.run_id = workflow_runs.id)",
        )
        == 0
    )


def test_learnings_and_file_touches(demo):
    assert one(demo, "SELECT count(*) FROM learnings") >= 300
    kinds = {r["kind"] for r in query(demo, "SELECT DISTINCT kind FROM learnings")}
    assert kinds == {"heuristic", "observation"}
    assert one(demo, "SELECT count(DISTINCT domain) FROM learnings") >= 8
    assert one(demo, "SELECT count(*) FROM file_touches WHERE node_id IS NOT NULL") >= 3000
    assert one(demo, "SELECT count(*) FROM node_executions WHERE files_modified != '[]'") >= 300
    # Hotspots include files that failing tasks touched.
    assert (
        one(
            demo,
            "SELECT count(DISTINCT t.file_path) FROM file_touches AS t "
            "JOIN node_executions AS n ON n.id = t.node_id WHERE n.status = 'failed'",
        )
        >= 10
    )


def test_demo_uses_claude_code_2_1_shapes(demo):
    """Nested and denied agents, background by definition, notifications, model ids."""
    assert one(demo, "SELECT count(*) FROM node_executions WHERE parent_agent_id IS NOT NULL") > 5
    assert one(demo, "SELECT count(*) FROM node_executions WHERE error_type = 'not_started'") > 5
    assert one(demo, "SELECT count(*) FROM node_executions WHERE error_type = 'killed'") > 0
    assert (
        one(demo, "SELECT count(*) FROM node_executions WHERE is_background AND agent_type IS NULL")
        == 0
    )
    assert one(demo, "SELECT count(*) FROM node_executions WHERE usage_source = 'notification'") > 0
    assert one(demo, "SELECT count(*) FROM node_executions WHERE lines_added > 0") > 100
    known = "status = 'completed' AND tool_name = 'Agent'"  # Claude Code told the model id
    assert one(
        demo, f"SELECT count(*) FROM node_executions WHERE {known} AND model LIKE 'claude-%'"
    )
    assert (
        one(
            demo,
            f"SELECT count(*) FROM node_executions WHERE {known} AND model IN ('haiku', 'opus')",
        )
        == 0
    )
    assert (
        one(demo, "SELECT count(*) FROM workflow_runs WHERE workflow_name LIKE '<task-notif%'") == 0
    )
