"""What the hook records, event by event, through the real hook process."""

from __future__ import annotations

import pytest
from conftest import event, post, pre, query, task_input


def node(db, tool_use_id: str) -> dict:
    rows = query(db, "SELECT * FROM node_executions WHERE tool_use_id = ?", (tool_use_id,))
    assert len(rows) == 1, rows
    return rows[0]


def run_of(db, run_id: int) -> dict:
    return query(db, "SELECT * FROM workflow_runs WHERE id = ?", (run_id,))[0]


@pytest.mark.parametrize("tool", ["Task", "Agent"])
def test_pre_and_post_make_one_complete_node(db, hook, tool):
    hook(pre("toolu_1", tool=tool, tool_input=task_input(model="sonnet")))
    started = node(db, "toolu_1")
    assert started["status"] == "running" and started["outcome"] is None
    hook(post("toolu_1", tool=tool, text="## Summary\nFound 12 endpoints, all documented."))
    n = node(db, "toolu_1")
    assert n["status"] == "completed"
    assert n["outcome"] == "success" and n["outcome_reason"]
    assert n["node_name"] == "Find API endpoints"
    assert n["prompt"] == "List every endpoint"
    assert len(n["prompt_hash"]) == 16
    assert n["agent_type"] == "Explore" and n["model"] == "sonnet"
    assert n["tool_name"] == tool
    assert n["result_text"].startswith("## Summary")
    assert n["duration_ms"] == 48211
    assert (n["token_count"], n["input_tokens"], n["output_tokens"]) == (12450, 8320, 610)
    assert (n["cache_read_tokens"], n["cache_creation_tokens"]) == (2320, 1200)
    assert n["tool_use_count"] == 7 and n["agent_id"] == "agent-toolu_1"
    assert n["started_at"] == started["started_at"]
    assert n["started_at"].endswith("Z") and n["completed_at"].endswith("Z")
    assert n["project"] == "/home/u/proj" and n["session_id"] == "sess-1"
    assert query(db, "SELECT count(*) AS n FROM node_executions")[0]["n"] == 1


def test_post_alone_is_a_complete_row(db, hook):
    hook(post("toolu_2"))
    n = node(db, "toolu_2")
    assert n["status"] == "completed" and n["outcome"] == "success"
    assert n["started_at"] < n["completed_at"]  # derived from totalDurationMs
    assert n["run_id"] is not None and run_of(db, n["run_id"])["status"] == "completed"


def test_duration_from_event_times_without_total_duration(db, hook):
    hook(pre("toolu_3"))
    hook(post("toolu_3", response="plain string result"))
    n = node(db, "toolu_3")
    assert n["result_text"] == "plain string result"
    assert n["duration_ms"] is not None and n["duration_ms"] >= 0


def test_failure_alone_records_the_error(db, hook):
    hook(
        event(
            "PostToolUseFailure",
            tool_name="Agent",
            tool_use_id="toolu_4",
            tool_input=task_input(),
            error="API Error: 529 overloaded",
            is_interrupt=False,
        )
    )
    n = node(db, "toolu_4")
    assert n["status"] == "failed" and n["outcome"] == "failure"
    assert n["error_message"] == "API Error: 529 overloaded" and n["error_type"] == "tool_error"
    assert run_of(db, n["run_id"])["status"] == "failed"


def test_interrupt_is_cancelled(db, hook):
    hook(pre("toolu_5"))
    hook(
        event(
            "PostToolUseFailure",
            tool_name="Task",
            tool_use_id="toolu_5",
            tool_input=task_input(),
            error="User interrupted",
            is_interrupt=True,
        )
    )
    n = node(db, "toolu_5")
    assert n["status"] == "cancelled" and n["outcome"] == "unknown"
    assert n["error_type"] == "interrupt"


def test_reported_failure_in_text_fails_the_node_with_reason(db, hook):
    hook(post("toolu_6", text="I was unable to run the tests: the database is unreachable."))
    n = node(db, "toolu_6")
    assert n["status"] == "failed" and n["outcome"] == "failure"
    assert "reads as blocked" in n["outcome_reason"] and n["failure_kind"] == "blocked"


def test_background_subagent_is_running_until_subagent_stop(db, hook):
    hook(pre("toolu_bg", tool="Agent", tool_input=task_input(run_in_background=True)))
    hook(
        post(
            "toolu_bg",
            tool="Agent",
            response={
                "isAsync": True,
                "status": "async_launched",
                "agentId": "a-bg-1",
                "description": "Find API endpoints",
                "outputFile": "/tmp/claude/tasks/a-bg-1.output",
            },
        )
    )
    n = node(db, "toolu_bg")
    assert n["status"] == "running" and n["outcome"] is None  # never a false failure
    assert n["is_background"] == 1 and n["agent_id"] == "a-bg-1"
    assert n["output_file"] == "/tmp/claude/tasks/a-bg-1.output"
    assert run_of(db, n["run_id"])["status"] == "running"
    hook(event("SubagentStart", agent_id="a-bg-1", agent_type="Explore"))
    hook(
        event(
            "SubagentStop",
            agent_id="a-bg-1",
            agent_type="Explore",
            agent_transcript_path="/x/subagents/agent-a-bg-1.jsonl",
            last_assistant_message="Found 12 endpoints; two lack auth.",
        )
    )
    n = node(db, "toolu_bg")
    assert n["status"] == "completed" and n["outcome"] == "success"
    assert n["result_text"] == "Found 12 endpoints; two lack auth."
    assert n["agent_transcript_path"] == "/x/subagents/agent-a-bg-1.jsonl"
    assert n["duration_ms"] is not None
    assert run_of(db, n["run_id"])["status"] == "completed"


def test_background_stop_before_launch_ack_still_completes(db, hook):
    hook(pre("toolu_race", tool_input=task_input(run_in_background=True)))
    hook(
        event(
            "SubagentStop",
            agent_id="a-race",
            agent_type="Explore",
            last_assistant_message="BLOCKED: no credentials for the staging cluster.",
        )
    )
    hook(
        post(
            "toolu_race",
            response={"isAsync": True, "status": "async_launched", "agentId": "a-race"},
        )
    )
    n = node(db, "toolu_race")
    assert n["status"] == "failed" and n["outcome"] == "failure"
    assert n["result_text"].startswith("BLOCKED")


def test_late_pre_tool_use_never_reopens_a_finished_node(db, hook):
    hook(post("toolu_7"))
    hook(pre("toolu_7"))
    assert node(db, "toolu_7")["status"] == "completed"


def test_same_event_twice_changes_nothing(db, hook):
    hook(pre("toolu_8"))
    payload = post("toolu_8")
    hook(payload)
    before = (query(db, "SELECT * FROM node_executions"), query(db, "SELECT * FROM workflow_runs"))
    hook(payload)
    after = (query(db, "SELECT * FROM node_executions"), query(db, "SELECT * FROM workflow_runs"))
    assert before == after


def test_nodes_of_one_prompt_share_a_run_by_prompt_id(db, hook):
    hook(event("UserPromptSubmit", prompt="Review the auth module", prompt_id="p-1"))
    for i in range(3):
        hook(pre(f"toolu_p{i}", prompt_id="p-1"))
    for i in range(3):
        hook(
            post(
                f"toolu_p{i}",
                prompt_id="p-1",
                text="I could not complete the review: files missing." if i == 2 else "ok",
            )
        )
    run_ids = {node(db, f"toolu_p{i}")["run_id"] for i in range(3)}
    assert len(run_ids) == 1
    run = run_of(db, run_ids.pop())
    assert run["prompt_id"] == "p-1" and run["grouping"] == "prompt"
    assert '"Review the auth module"' in run["input_json"]
    assert (run["total_nodes"], run["completed_nodes"], run["failed_nodes"]) == (3, 2, 1)
    assert run["status"] == "running"  # the turn is open until Stop
    hook(event("Stop", prompt_id="p-1", stop_hook_active=False))
    run = run_of(db, run["id"])
    assert run["status"] == "failed" and run["completed_at"] and run["error_message"]


def test_nodes_group_by_turn_without_prompt_id(db, hook):
    hook(event("UserPromptSubmit", prompt="First prompt"))
    hook(post("toolu_t1"))
    hook(post("toolu_t2"))
    hook(event("Stop"))
    hook(event("UserPromptSubmit", prompt="Second prompt"))
    hook(post("toolu_t3"))
    first, second, third = (node(db, t)["run_id"] for t in ("toolu_t1", "toolu_t2", "toolu_t3"))
    assert first == second != third
    assert run_of(db, first)["grouping"] == "turn" and run_of(db, first)["status"] == "completed"
    assert run_of(db, first)["workflow_name"] == "First prompt"
    assert run_of(db, third)["workflow_name"] == "Second prompt"


def test_one_run_per_task_without_any_prompt(db, hook):
    hook(post("toolu_a"))
    hook(post("toolu_b"))
    a, b = node(db, "toolu_a"), node(db, "toolu_b")
    assert a["run_id"] != b["run_id"]
    assert run_of(db, a["run_id"])["grouping"] == "task"


def test_sessions_get_their_rows(db, hook):
    hook(event("SessionStart", source="startup", model="claude-opus-4-6"))
    hook(post("toolu_s"))
    hook(event("SessionEnd", reason="prompt_input_exit"))
    (session,) = query(db, "SELECT * FROM sessions")
    assert session["id"] == "sess-1" and session["project"] == "/home/u/proj"
    assert session["source"] == "startup" and session["model"] == "claude-opus-4-6"
    assert session["end_reason"] == "prompt_input_exit"
    assert session["started_at"] <= session["ended_at"]


def test_session_end_abandons_running_subagents(db, hook):
    hook(pre("toolu_x"))
    hook(event("SessionEnd", reason="other"))
    n = node(db, "toolu_x")
    assert n["status"] == "abandoned" and n["outcome"] == "unknown"
    assert run_of(db, n["run_id"])["status"] == "cancelled"


def test_unknown_fields_and_other_tools_are_ignored(db, hook):
    hook(post("toolu_u", future_field={"nested": [1, 2]}, effort={"level": "high"}))
    hook(
        event(
            "PreToolUse", tool_name="Bash", tool_use_id="toolu_bash", tool_input={"command": "ls"}
        )
    )
    hook(event("Notification", message="Claude needs input"))
    assert [r["tool_use_id"] for r in query(db, "SELECT tool_use_id FROM node_executions")] == [
        "toolu_u"
    ]


def test_secrets_are_redacted_before_writing(db, hook):
    secret = "sk-ant-api03-" + "A1b2C3d4E5" * 9
    hook(post("toolu_sec", text=f"Used ANTHROPIC_API_KEY={secret} to call the API."))
    assert secret not in node(db, "toolu_sec")["result_text"]
    assert secret.encode() not in db.read_bytes()


def test_search_index_follows_the_rows(db, hook):
    hook(pre("toolu_f", tool_input=task_input(prompt="Investigate the flaky checkout test")))
    hook(post("toolu_f", text="The flaky test depended on wall-clock time."))
    hits = query(
        db, "SELECT rowid FROM node_executions_fts WHERE node_executions_fts MATCH 'flaky'"
    )
    assert [h["rowid"] for h in hits] == [node(db, "toolu_f")["id"]]
    assert (
        query(db, "SELECT rowid FROM node_executions_fts WHERE node_executions_fts MATCH 'wall'")
        == hits
    )
