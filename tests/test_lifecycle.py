"""Claude Code 2.1 lifecycles, recorded through the real hook from the fixture streams."""

from __future__ import annotations

import json

import pytest
from claude_code_fixtures import NAMES, feed, stream
from conftest import event, post, pre, query, task_input

from recorder.derive.outcome import classify


def node(db, tool_use_id: str) -> dict:
    rows = query(db, "SELECT * FROM node_executions WHERE tool_use_id = ?", (tool_use_id,))
    assert len(rows) == 1, rows
    return rows[0]


def ending(verdict) -> str:
    """The status a returned report ends its node with: failed when it reads as a failure."""
    return "failed" if verdict.outcome == "failure" else "completed"


def response_of(payloads: list[dict], tool_use_id: str) -> dict:
    """The tool_response of the call's PostToolUse in the stream."""
    (found,) = [
        p["tool_response"]
        for p in payloads
        if p["hook_event_name"] == "PostToolUse" and p["tool_use_id"] == tool_use_id
    ]
    return found


def notification_of(payloads: list[dict]) -> str:
    (found,) = [p["prompt"] for p in payloads if p.get("prompt", "").startswith("<task-n")]
    return found


def tag(xml: str, name: str) -> str:
    return xml.split(f"<{name}>", 1)[1].split(f"</{name}>", 1)[0]


def runs(db) -> list[dict]:
    return query(db, "SELECT * FROM workflow_runs ORDER BY id")


def test_foreground_completes_from_the_tool_response(db, hook):
    payloads = feed(db, "foreground")
    response = response_of(payloads, "toolu_01FG")
    n = node(db, "toolu_01FG")
    # the status follows the text model's verdict on the report (its quality is measured
    # by benchmarks/outcome.py: it misreads this terse answer as a failure)
    verdict = classify(response["content"][0]["text"])
    assert (n["status"], n["outcome"], n["is_background"]) == (ending(verdict), verdict.outcome, 0)
    assert n["model"] == response["resolvedModel"] != "haiku"
    assert n["agent_type"] == response["agentType"]
    assert n["agent_id"] == response["agentId"]
    assert n["duration_ms"] == response["totalDurationMs"]
    assert n["tool_use_count"] == response["totalToolUseCount"]
    assert n["context_tokens"] == n["token_count"] == response["totalTokens"]
    assert n["usage_source"] == "tool_response"
    stats = response["toolStats"]
    assert (n["lines_added"], n["lines_removed"]) == (stats["linesAdded"], stats["linesRemoved"])
    assert json.loads(n["tool_stats_json"]) == stats
    assert n["agent_transcript_path"].endswith("agent-a1f0000000000001.jsonl")
    assert [r["status"] for r in runs(db)] == [ending(verdict)]


def test_background_runs_until_its_notification(db, hook):
    payloads = stream("background_completed")
    for payload in payloads[:5]:  # launch and the turn's Stop, agent in flight
        hook(payload)
    n = node(db, "toolu_02BG")
    assert (n["status"], n["is_background"], n["node_type"]) == ("running", 1, "background")
    assert n["duration_ms"] != 41 and n["token_count"] is None  # not the launch's
    assert n["model"] == "claude-sonnet-4-6"
    for payload in payloads[5:]:
        hook(payload)
    n = node(db, "toolu_02BG")
    note = notification_of(payloads)
    assert (n["status"], n["outcome"]) == ("completed", "success")
    assert n["result_text"] == "All 212 tests pass."
    assert n["duration_ms"] == int(tag(note, "duration_ms"))
    assert n["token_count"] == int(tag(note, "subagent_tokens"))
    assert n["tool_use_count"] == int(tag(note, "tool_uses"))
    assert n["usage_source"] == "notification"
    # the notification opened no run and is no user prompt
    assert len(runs(db)) == 1
    assert "task-notification" not in (runs(db)[0]["workflow_name"] or "")
    session = query(db, "SELECT current_prompt FROM sessions")[0]
    assert session["current_prompt"] == "Run the tests in the background"


def test_background_by_definition_takes_type_from_the_subagent(db, hook):
    feed(db, "background_by_definition")
    n = node(db, "toolu_03DEF")
    assert n["is_background"] == 1 and n["agent_type"] == "build-watcher"
    assert n["status"] == "completed" and n["result_text"].startswith("Build is clean")
    assert n["duration_ms"] == 60000  # SubagentStop minus launch
    assert n["model"] == "claude-haiku-4-5-20251001"


@pytest.mark.parametrize(
    ("name", "tool_use_id", "status", "outcome"),
    [
        ("background_failed", "toolu_04FAILED", "failed", "failure"),
        ("background_killed", "toolu_04KILLED", "cancelled", "unknown"),
        ("background_stopped", "toolu_04STOPPED", "cancelled", "unknown"),
    ],
)
def test_background_end_follows_the_notification(db, hook, name, tool_use_id, status, outcome):
    payloads = stream(name)
    for payload in payloads[:-1]:
        hook(payload)
    before = node(db, tool_use_id)
    # a message-less SubagentStop (a killed agent's clean-up) finishes nothing by itself;
    # one with the agent's last message ends it as that message reads
    said = [
        p.get("last_assistant_message") for p in payloads if p["hook_event_name"] == "SubagentStop"
    ]
    assert before["status"] == (ending(classify(said[-1])) if said[-1] else "running")
    hook(payloads[-1])
    n = node(db, tool_use_id)
    note = notification_of(payloads)
    assert (n["status"], n["outcome"]) == (status, outcome)
    assert n["error_message"] == tag(note, "summary")
    assert n["duration_ms"] == int(tag(note, "duration_ms"))
    assert n["token_count"] == int(tag(note, "subagent_tokens"))
    assert runs(db)[0]["status"] == ("failed" if status == "failed" else "cancelled")


def test_denied_call_is_cancelled_at_stop(db, hook):
    feed(db, "denied")
    n = node(db, "toolu_07DENY")
    assert (n["status"], n["outcome"], n["error_type"]) == ("cancelled", "unknown", "not_started")
    assert runs(db)[0]["status"] == "cancelled"


def test_permission_denied_is_cancelled_with_its_reason(db, hook):
    payloads = feed(db, "permission_denied")
    n = node(db, "toolu_08PD")
    reason = [p for p in payloads if p["hook_event_name"] == "PermissionDenied"][0]["reason"]
    assert n["status"] == "cancelled" and n["error_type"] == "permission_denied"
    assert reason in n["outcome_reason"] and n["outcome_reason"].startswith("permission denied")


def test_stop_failure_fails_running_foreground_nodes(db, hook):
    feed(db, "stop_failure")
    n = node(db, "toolu_09SF")
    assert (n["status"], n["outcome"], n["error_type"]) == ("failed", "failure", "api_error")
    assert "rate_limit" in n["error_message"]
    assert runs(db)[0]["status"] == "failed"


def test_nested_agent_has_its_parent(db, hook):
    payloads = feed(db, "nested")
    parent, child = node(db, "toolu_10PARENT"), node(db, "toolu_10CHILD")
    assert child["parent_agent_id"] == parent["agent_id"] == "aparent00000000a"
    assert parent["parent_agent_id"] is None
    # each ends as its report reads ("4 of 6 auth paths tested." reads as incomplete)
    for n, tool_use_id in ((parent, "toolu_10PARENT"), (child, "toolu_10CHILD")):
        report = response_of(payloads, tool_use_id)["content"][0]["text"]
        assert n["status"] == ending(classify(report))
    assert parent["model"] == "claude-opus-4-6" and parent["lines_added"] == 18


def test_old_task_name_with_a_plain_string(db, hook):
    feed(db, "task_plain_string")
    n = node(db, "toolu_11TASK")
    assert n["tool_name"] == "Task" and n["status"] == "completed"
    assert n["result_text"] == "The README explains install, usage and licence."
    assert n["duration_ms"] == 12000


def test_mixed_session(db, hook):
    payloads = feed(db, "mixed")
    rows = {
        r["tool_use_id"]: r["status"]
        for r in query(db, "SELECT tool_use_id, status FROM node_executions")
    }
    report = response_of(payloads, "toolu_01FG")["content"][0]["text"]
    assert rows == {
        "toolu_01FG": ending(classify(report)),
        "toolu_02BG": "completed",
        "toolu_07DENY": "cancelled",
        "toolu_04KILLED": "cancelled",
    }
    assert len(runs(db)) == 4  # one per user prompt, none for the notifications
    assert query(db, "SELECT count(DISTINCT session_id) AS n FROM node_executions")[0]["n"] == 1


# The fields of Claude Code's payloads the recorder reads, per event (dotted into objects).
READ_FIELDS = {
    "PreToolUse": ["tool_name", "tool_use_id", "tool_input.description", "tool_input.prompt"],
    "SubagentStart": ["agent_id", "agent_type"],
    "SubagentStop": ["agent_id", "agent_transcript_path"],
    "PermissionDenied": ["tool_use_id", "reason"],
    "StopFailure": ["error"],
    "Stop": ["background_tasks"],
}
COMPLETED_FIELDS = ["resolvedModel", "agentType", "totalDurationMs", "totalTokens"]
COMPLETED_FIELDS += ["totalToolUseCount", "usage", "toolStats.linesAdded", "toolStats.linesRemoved"]
NOTIFICATION_TAGS = ["task-id", "tool-use-id", "status", "summary", "subagent_tokens"]
NOTIFICATION_TAGS += ["tool_uses", "duration_ms"]


def dig(payload: dict, dotted: str) -> object:
    for key in dotted.split("."):
        assert isinstance(payload, dict) and key in payload, dotted
        payload = payload[key]
    return payload


@pytest.mark.parametrize("name", NAMES)
def test_fixture_fields_the_recorder_reads_are_present(name):
    """Renaming a field in a fixture (or in Claude Code) must fail here, not pass silently."""
    for payload in stream(name):
        for dotted in READ_FIELDS.get(payload["hook_event_name"], []):
            dig(payload, dotted)
        response = payload.get("tool_response")
        if isinstance(response, dict):
            dig(response, "status")
            dig(response, "agentId")
        if isinstance(response, dict) and response["status"] == "completed":
            for dotted in COMPLETED_FIELDS:
                dig(response, dotted)
        prompt = payload.get("prompt") or ""
        if prompt.startswith("<task-notification>"):
            for name_ in NOTIFICATION_TAGS:
                assert f"<{name_}>" in prompt, name_


def test_run_page_nests_agents_and_marks_background_and_cancelled(db, hook):
    from datasette.app import Datasette
    from test_datasette_helpers import get

    feed(db, "nested")
    feed(db, "background_killed")
    ds = Datasette([str(db)])
    nested_run = node(db, "toolu_10CHILD")["run_id"]
    page = get(ds, f"/-/agent-runs/runs/{nested_run}.json").json()
    order = [(n["node_name"], n["depth"]) for n in page["nodes"]]
    assert order == [("Review auth", 0), ("Audit auth tests", 1)]
    html = get(ds, f"/-/agent-runs/runs/{nested_run}").text
    assert 'class="ar-nested"' in html and "launched by agent aparent00000000a" in html
    killed = node(db, "toolu_04KILLED")
    html = get(ds, f"/-/agent-runs/runs/{killed['run_id']}").text
    assert '<span class="ar-badge ar-cancelled">cancelled</span>' in html
    assert 'class="ar-small ar-background">background</span>' in html
    assert "ar-failed" not in html


# Columns the receipt time decides (the hook stamps its own, replay keeps the stream's).
TIMED = {
    "started_at",
    "completed_at",
    "created_at",
    "updated_at",
    "duration_ms",
    "closed_at",
    "subagent_wall_ms",
    "subagent_ms",
    "critical_path_ms",
}


def untimed(db, table: str) -> list[dict]:
    rows = query(db, f"SELECT * FROM {table} ORDER BY id")
    return [{k: v for k, v in row.items() if k not in TIMED} for row in rows]


@pytest.mark.parametrize("name", NAMES)
def test_the_real_hook_records_every_fixture_alike(tmp_path, hook, db, name):
    """Each stream through the real hook process, one event at a time, gives the rows
    that the timed replay gives, all but the times."""
    for payload in stream(name):
        payload.pop("_agent_runs")
        hook(payload)
    replayed = tmp_path / "replayed" / "index.db"
    feed(replayed, name)
    for table in ("node_executions", "workflow_runs"):
        by_hook = untimed(db, table)
        assert by_hook, (name, table)
        assert by_hook == untimed(replayed, table), (name, table)


def test_a_subagents_own_stop_failure_and_session_start_touch_only_it(db, hook):
    """Claude Code 2.1.337 sends StopFailure and SessionStart (after a compaction) from
    inside a subagent too, with its agent_id: that subagent failed (a background one, whose
    agent id its launch told; a foreground one's PostToolUse tells its end), and the main
    agent's other subagent, its turn and the session's model are untouched."""
    hook(event("SessionStart", source="startup", model="claude-opus-4-6"))
    hook(event("UserPromptSubmit", prompt="Review and test"))
    hook(pre("toolu_SFA", tool_input=task_input(run_in_background=True)))
    launched = {"status": "async_launched", "isAsync": True, "agentId": "agent-SFA"}
    hook(post("toolu_SFA", response=launched, tool_input=task_input(run_in_background=True)))
    hook(pre("toolu_SFB"))
    hook(event("SubagentStart", agent_id="agent-SFB", agent_type="Explore"))
    compacted = dict(agent_id="agent-SFB", agent_type="Explore", model="claude-haiku-4-5")
    hook(event("SessionStart", source="compact", **compacted))
    hook(event("StopFailure", agent_id="agent-SFA", error="rate_limit"))
    hook(event("StopFailure", agent_id="agent-SFB", error="overloaded"))
    failed, running = node(db, "toolu_SFA"), node(db, "toolu_SFB")
    assert (failed["status"], failed["outcome"], failed["error_type"]) == (
        "failed",
        "failure",
        "api_error",
    )
    assert "rate_limit" in failed["error_message"]
    assert running["status"] == "running"
    assert runs(db)[0]["status"] == "running"
    [session] = query(db, "SELECT model, source FROM sessions")
    assert (session["model"], session["source"]) == ("claude-opus-4-6", "startup")
    hook(post("toolu_SFB"))
    assert node(db, "toolu_SFB")["status"] == "completed"
    hook(event("StopFailure", error="overloaded"))  # the main agent's own: its turn ends
    assert runs(db)[0]["status"] == "failed"
