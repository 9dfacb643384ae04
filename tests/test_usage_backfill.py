"""Backfill reads subagent transcripts through the same code as the hook: same numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import completed_response, event, query, run_hook, sync, task_input
from test_backfill import Transcript, run
from usage_transcripts import HAIKU, AgentTranscript, typical

COLUMNS = (
    "tool_use_id, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, "
    "token_count, api_calls, model, cost_usd, usage_source, usage_complete, parent_agent_id"
)


def session_with_nested_agents(root: Path) -> tuple[Transcript, AgentTranscript, AgentTranscript]:
    """A main transcript whose foreground agent launched a nested agent."""
    t = Transcript(root)
    subagents = t.path.parent / t.session / "subagents"
    outer = typical(subagents / "agent-outer1.jsonl", "outer1", t.session)
    inner = AgentTranscript(subagents / "agent-inner1.jsonl", "inner1", t.session)
    inner.finish(HAIKU, "inner done", input=7, output=70, cache_read=100, w5m=900)
    nested = {
        "status": "completed",
        "agentId": "inner1",
        "content": [{"type": "text", "text": "x"}],
    }
    outer.tool(HAIKU, "toolu_inner", "Agent", task_input(description="Nested"), input=3, output=30)
    outer.result("toolu_inner", response=dict(nested, totalTokens=5, totalToolUseCount=0))
    outer.finish(HAIKU, "outer done", input=1, output=10)
    outer.write()
    inner.write()
    t.prompt("Refactor the shop")
    t.task("toolu_outer", "Agent")
    t.done("toolu_outer", "outer done", agent_id="outer1")
    t.say("Done.")
    t.write()
    return t, outer, inner


def hook_stream(t: Transcript) -> list[dict]:
    """What the hook would have received for the same executions."""
    path = str(t.path)

    def ev(name: str, **fields) -> dict:
        return dict(event(name, t.session, transcript_path=path, cwd="/home/u/shop"), **fields)

    response = completed_response("outer done", "outer1")
    nested = dict(completed_response("x", "inner1"), totalTokens=5, totalToolUseCount=0)
    return [
        ev("UserPromptSubmit", prompt="Refactor the shop"),
        ev("PreToolUse", tool_name="Agent", tool_use_id="toolu_outer", tool_input=task_input()),
        ev(
            "PreToolUse",
            tool_name="Agent",
            tool_use_id="toolu_inner",
            agent_id="outer1",
            tool_input=task_input(description="Nested"),
        ),
        ev(
            "PostToolUse",
            tool_name="Agent",
            tool_use_id="toolu_inner",
            agent_id="outer1",
            tool_input=task_input(description="Nested"),
            tool_response=nested,
        ),
        ev(
            "PostToolUse",
            tool_name="Agent",
            tool_use_id="toolu_outer",
            tool_input=task_input(),
            tool_response=response,
        ),
        ev("Stop"),
    ]


def usage_rows(db: Path) -> dict:
    return {
        "nodes": query(db, f"SELECT {COLUMNS} FROM node_executions ORDER BY tool_use_id"),
        "tools": query(
            db,
            "SELECT n.tool_use_id, t.tool_name, t.calls, t.errors FROM node_tools t "
            "JOIN node_executions n ON n.id = t.node_id ORDER BY 1, 2",
        ),
        "touches": query(
            db,
            "SELECT f.tool_use_id, f.file_path, f.access, n.tool_use_id AS node "
            "FROM file_touches f JOIN node_executions n ON n.id = f.node_id ORDER BY 1",
        ),
        # backfill puts a nested agent read from its parent's file in a run of its own
        # (run grouping is the lifecycle issue's); the sums over runs must agree
        "runs": query(
            db,
            "SELECT round(sum(cost_usd), 6) AS cost_usd, sum(total_tokens) AS total_tokens "
            "FROM workflow_runs",
        ),
    }


def test_backfill_gives_the_hooks_numbers_and_keeps_nested_spend_apart(tmp_path):
    t, outer, inner = session_with_nested_agents(tmp_path / "projects")
    backfilled = tmp_path / "b.db"
    run(backfilled, tmp_path / "projects")
    hooked = tmp_path / "h.db"
    for payload in hook_stream(t):
        assert run_hook(hooked, payload).returncode == 0
    sync(hooked)
    found = usage_rows(backfilled)
    assert found == usage_rows(hooked)
    nodes = {n["tool_use_id"]: n for n in found["nodes"]}
    for tool_use_id, transcript in (("toolu_outer", outer), ("toolu_inner", inner)):
        row = nodes[tool_use_id]
        assert row["token_count"] == transcript.token_count
        assert row["api_calls"] == transcript.calls
        assert row["cost_usd"] == pytest.approx(transcript.cost, abs=1e-6)
        assert row["usage_source"] == "transcript"
    assert nodes["toolu_inner"]["parent_agent_id"] == "outer1"
    total = found["runs"][0]
    assert total["total_tokens"] == outer.token_count + inner.token_count
    assert total["cost_usd"] == pytest.approx(outer.cost + inner.cost, abs=1e-6)
    assert [(x["file_path"], x["access"], x["node"]) for x in found["touches"]] == [
        ("/home/u/proj/a.py", "read", "toolu_outer"),
        ("/home/u/proj/b.py", "write", "toolu_outer"),
    ]


def test_backfill_again_changes_nothing(tmp_path):
    session_with_nested_agents(tmp_path / "projects")
    db = tmp_path / "b.db"
    run(db, tmp_path / "projects")
    first = usage_rows(db)
    run(db, tmp_path / "projects")
    assert usage_rows(db) == first


def test_backfill_without_the_agent_transcript_falls_back(tmp_path):
    t = Transcript(tmp_path / "projects")
    t.prompt("Refactor the shop")
    t.task("toolu_gone", "Agent")
    t.done("toolu_gone", "done", agent_id="gone1")
    t.write()
    db = tmp_path / "b.db"
    run(db, tmp_path / "projects")
    row = query(db, f"SELECT {COLUMNS}, cost_note FROM node_executions")[0]
    assert row["usage_source"] == "tool_response" and row["token_count"] == 12450
    assert row["cost_usd"] is None and row["cost_note"].startswith("no readable")


def test_backfill_reads_a_growing_transcript_again(tmp_path):
    t, outer, _ = session_with_nested_agents(tmp_path / "projects")
    full = outer.path.read_text()
    outer.write(upto=len(outer.lines) - 8)  # the agent is still working
    db = tmp_path / "b.db"
    run(db, tmp_path / "projects")
    early = query(db, f"SELECT {COLUMNS} FROM node_executions WHERE tool_use_id = 'toolu_outer'")
    assert early[0]["usage_complete"] == 0 and early[0]["api_calls"] < outer.calls
    outer.path.write_text(full)
    run(db, tmp_path / "projects")
    row = query(db, f"SELECT {COLUMNS} FROM node_executions WHERE tool_use_id = 'toolu_outer'")[0]
    assert (row["token_count"], row["api_calls"]) == (outer.token_count, outer.calls)
    assert row["cost_usd"] == pytest.approx(outer.cost, abs=1e-6)
    assert row["usage_complete"] == 1


def test_backfill_finds_the_agent_of_a_failed_call_as_the_hook_does(db, tmp_path):
    t = Transcript(tmp_path / "projects")
    subagents = t.path.parent / t.session / "subagents"
    agent = typical(subagents / "agent-f1.jsonl", "f1", t.session)  # sidecar: toolu_f1
    agent.write()
    t.prompt("Map the routes")
    t.task("toolu_f1", "Agent")
    t.tool_result("toolu_f1", "API Error: 529 overloaded", is_error=True)
    t.say("The agent failed.")
    t.write()
    run(db, tmp_path / "projects")
    [row] = query(db, "SELECT * FROM node_executions")
    assert row["status"] == "failed" and row["agent_id"] == "f1"
    assert (row["token_count"], row["api_calls"]) == (agent.token_count, agent.calls)
    assert row["cost_usd"] == pytest.approx(agent.cost, abs=1e-6)
    assert row["usage_source"] == "transcript"
