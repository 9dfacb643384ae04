"""Transcript reads are kept events: rebuild gives the same usage without the files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import event, post, pre, query, run_cli, run_hook
from usage_transcripts import SONNET, AgentTranscript, typical

SESSION = "sess-k1"
OFF = {"AGENT_RUNS_DERIVE": "off"}
USAGE = (
    "id, tool_use_id, token_count, input_tokens, output_tokens, cache_read_tokens, "
    "cache_creation_tokens, api_calls, cost_usd, cost_note, model, usage_source, "
    "usage_complete, context_tokens, files_modified"
)


def agent_path(project: Path, agent_id: str) -> Path:
    return project / SESSION / "subagents" / f"agent-{agent_id}.jsonl"


def with_transcript(payload: dict, project: Path) -> dict:
    return dict(payload, transcript_path=str(project / f"{SESSION}.jsonl"))


def finished(tool_use_id: str, agent_id: str, project: Path) -> dict:
    payload = post(tool_use_id, "Changed b.py.", "Agent", SESSION)
    payload["tool_response"]["agentId"] = agent_id
    payload["tool_response"]["resolvedModel"] = SONNET
    return with_transcript(payload, project)


def raw(db: Path, sql: str) -> list[tuple]:
    """Rows read straight from the file, without deriving first."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def snapshot(db: Path) -> dict:
    """Every node column, the node_tools and file_touches rows."""
    return {
        "nodes": raw(db, "SELECT * FROM node_executions ORDER BY id"),
        "usage": raw(db, f"SELECT {USAGE} FROM node_executions ORDER BY id"),
        "tools": raw(db, "SELECT * FROM node_tools ORDER BY node_id, tool_name"),
        "touches": raw(db, "SELECT * FROM file_touches ORDER BY id"),
        "runs": raw(db, "SELECT id, cost_usd, total_tokens FROM workflow_runs ORDER BY id"),
        "sessions": raw(db, "SELECT * FROM sessions ORDER BY id"),
    }


def transcript_events(db: Path) -> list[tuple]:
    return raw(db, "SELECT subject FROM kept_events WHERE source = 'transcript' ORDER BY id")


def test_rebuild_gives_the_same_usage_after_the_transcripts_are_deleted(db, hook, tmp_path):
    """Two subagents (one transcript still growing when it ends) and the main agent."""
    project = tmp_path / "projects" / "-home-u-proj"
    whole = typical(agent_path(project, "k1"), "k1", SESSION)
    whole.write()
    growing = typical(agent_path(project, "k2"), "k2", SESSION)
    growing.write(upto=len(growing.lines) - 6)  # still waiting for a tool result
    hook(with_transcript(event("SessionStart", SESSION, source="startup"), project))
    hook(with_transcript(event("UserPromptSubmit", SESSION, prompt="Go"), project))
    for tool_use_id, agent_id in (("toolu_k1", "k1"), ("toolu_k2", "k2")):
        hook(with_transcript(pre(tool_use_id, "Agent", SESSION), project))
        hook(finished(tool_use_id, agent_id, project))
    assert query(db, "SELECT usage_complete FROM node_executions WHERE tool_use_id = 'toolu_k2'")[
        0
    ] == {"usage_complete": 0}
    hook(with_transcript(event("Stop", SESSION), project))  # k2 unchanged: nothing new kept
    assert transcript_events(db) == [("toolu_k1",), ("toolu_k2",)]
    growing.write()
    hook(with_transcript(event("UserPromptSubmit", SESSION, prompt="More"), project))
    assert transcript_events(db) == [("toolu_k1",), ("toolu_k2",), ("toolu_k2",)]
    main = AgentTranscript(project / f"{SESSION}.jsonl", "main", SESSION)
    main.lines.clear()
    main.finish(SONNET, "hello", input=1000, output=1000)
    main.lines = [line.replace('"isSidechain":true', '"isSidechain":false') for line in main.lines]
    main.write()
    hook(with_transcript(event("SessionEnd", SESSION, reason="exit"), project))
    before = snapshot(db)
    session = query(db, "SELECT main_cost_usd, main_api_calls, cost_usd FROM sessions")[0]
    assert session["main_cost_usd"] > 0 and session["main_api_calls"] == 1
    k1, k2 = (dict(zip(USAGE.split(", "), row, strict=True)) for row in before["usage"])
    for row, t in ((k1, whole), (k2, growing)):
        assert row["usage_source"] == "transcript" and row["usage_complete"] == 1
        assert row["token_count"] == t.token_count and row["api_calls"] == t.calls
        assert row["cost_usd"] is not None and row["model"] == SONNET
    assert len(before["tools"]) == 8 and before["touches"]
    kept = raw(db, "SELECT count(*) FROM kept_events")

    whole.path.unlink()
    growing.path.unlink()
    main.path.unlink()
    result = run_cli("rebuild", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert snapshot(db) == before
    assert raw(db, "SELECT count(*) FROM kept_events") == kept  # nothing read, nothing kept


def test_the_hook_reads_no_transcript_derivation_keeps_what_it_read(db, tmp_path):
    project = tmp_path / "projects" / "-home-u-proj"
    typical(agent_path(project, "k3"), "k3", SESSION).write()
    assert (
        run_hook(db, with_transcript(pre("toolu_k3", "Agent", SESSION), project), OFF).returncode
        == 0
    )
    assert run_hook(db, finished("toolu_k3", "k3", project), OFF).returncode == 0
    assert transcript_events(db) == []  # the hook only kept its two events
    assert run_cli("sync", "--db", str(db)).returncode == 0
    assert transcript_events(db) == [("toolu_k3",)]
    row = query(db, "SELECT usage_source, usage_complete FROM node_executions")[0]
    assert row == {"usage_source": "transcript", "usage_complete": 1}


def test_a_forged_transcript_event_from_the_hook_is_not_kept(db, hook):
    forged = {
        "hook_event_name": "TranscriptUsage",
        "session_id": SESSION,
        "tool_use_id": "toolu_x",
        "_agent_runs": {"usage": {"responses": [], "complete": True}},
    }
    hook(pre("toolu_x", "Agent", SESSION))
    hook(forged)  # only the recorder itself keeps transcript reads (the hook drops its META)
    assert raw(db, "SELECT source FROM kept_events") == [("hook",)]
