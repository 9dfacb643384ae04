"""Agent definition versions: the file a node ran with, read when it runs, compared by query."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import event, post, pre, query, run_cli, task_input

from recorder.derive import apply as ingest
from recorder.hook import agent_definitions, database, keep
from recorder.schema import rollups

V1 = """---
name: code-reviewer
description: Reviews a diff for bugs.
  Second line of the description.
tools: Read, Grep
---
You review code. Be terse.
"""
V2 = """---
name: code-reviewer
description: "Reviews a diff for bugs and missing tests.\\nUse after every change."
---
You review code. List missing tests too.
"""


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@pytest.fixture
def places(tmp_path: Path) -> dict:
    project = tmp_path / "proj"
    (project / ".claude" / "agents").mkdir(parents=True)
    config = tmp_path / "config"
    (config / "agents").mkdir(parents=True)
    return {"project": project, "config": config, "env": {"CLAUDE_CONFIG_DIR": str(config)}}


BASE = datetime.now(timezone.utc) - timedelta(hours=2)


def at(seconds: float) -> dict:
    moment = BASE + timedelta(seconds=seconds)
    return {"received_at": moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"}


def through_hook(hook, places):
    return lambda payload: hook(payload, places["env"])


def in_process(db, places, monkeypatch):
    """Record stamped payloads with the times they carry (as backfill does), in this process."""
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(places["config"]))
    db.parent.mkdir(parents=True, exist_ok=True)

    def send(payload: dict) -> None:
        # as the hook does: the definition file as it is when the agent runs, kept
        agent_definitions.note(payload)
        conn = database.connect(str(db))
        try:
            ingest.record(conn, [keep.stamp(payload)], str(db))
        finally:
            conn.close()

    return send


def run_task(send, places, tool_use_id, agent_type, failed=False, start=0, **extra):
    cwd = str(places["project"])
    task = task_input(description=f"review {tool_use_id}", subagent_type=agent_type)
    send(pre(tool_use_id, tool_input=task, cwd=cwd, _agent_runs=at(start)))
    if failed:
        payload = event(
            "PostToolUseFailure",
            tool_name="Task",
            tool_use_id=tool_use_id,
            tool_input=task,
            error="Agent crashed",
            cwd=cwd,
            _agent_runs=at(start + 5),
        )
    else:
        response = {
            "status": "completed",
            "agentId": f"a-{tool_use_id}",
            "content": [{"type": "text", "text": "Looks fine."}],
            "totalDurationMs": extra.get("duration", 1000),
            "totalTokens": extra.get("tokens", 100),
        }
        end = start + extra.get("duration", 1000) / 1000
        payload = post(
            tool_use_id, tool_input=task, cwd=cwd, response=response, _agent_runs=at(end)
        )
    send(payload)


def node(db, tool_use_id):
    return query(db, "SELECT * FROM node_executions WHERE tool_use_id = ?", (tool_use_id,))[0]


def test_an_edited_definition_gives_each_task_the_version_it_ran_with(hook, db, places):
    send = through_hook(hook, places)
    definition = places["project"] / ".claude" / "agents" / "code-reviewer.md"
    definition.write_text(V1)
    run_task(send, places, "t1", "code-reviewer")
    definition.write_text(V2)
    run_task(send, places, "t2", "code-reviewer")
    first, second = node(db, "t1"), node(db, "t2")
    assert first["agent_definition_hash"] == digest(V1)
    assert first["agent_definition_description"] == "Reviews a diff for bugs."
    assert first["agent_definition_source"] == "project"
    assert second["agent_definition_hash"] == digest(V2)
    assert second["agent_definition_description"] == "Reviews a diff for bugs and missing tests."
    assert second["agent_definition_path"] == str(definition)
    # The version is kept in the event: a rebuild after the file is gone gives it back.
    definition.unlink()
    rebuilt = run_cli("rebuild", "--db", str(db))
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert node(db, "t1")["agent_definition_hash"] == digest(V1)
    assert node(db, "t2")["agent_definition_hash"] == digest(V2)


def test_user_plugin_and_built_in_types(hook, db, places):
    send = through_hook(hook, places)
    # a user definition whose file name differs from its frontmatter name
    user = places["config"] / "agents" / "helper.md"
    user.write_text("---\nname: my-helper\ndescription: >\n  Helps out.\n---\nbody\n")
    # a plugin's agent, in a subfolder: type plugin:folder:name
    install = places["config"] / "plugins" / "cache" / "mk" / "review-kit" / "1.0.0"
    (install / "agents" / "security").mkdir(parents=True)
    audit = "---\ndescription: 'Audits for secrets'\n---\nbody\n"
    (install / "agents" / "security" / "audit.md").write_text(audit)
    installed = {"version": 2, "plugins": {"review-kit@mk": [{"installPath": str(install)}]}}
    (places["config"] / "plugins" / "installed_plugins.json").write_text(json.dumps(installed))
    run_task(send, places, "u1", "my-helper")
    run_task(send, places, "p1", "review-kit:security:audit")
    run_task(send, places, "b1", "Explore")
    assert node(db, "u1")["agent_definition_source"] == "user"
    assert node(db, "u1")["agent_definition_description"] == "Helps out."
    assert node(db, "p1")["agent_definition_source"] == "plugin"
    assert node(db, "p1")["agent_definition_hash"] == digest(audit)
    assert node(db, "p1")["agent_definition_description"] == "Audits for secrets"
    assert node(db, "b1")["agent_definition_hash"] is None


def test_the_project_definition_wins_over_the_users(places):
    (places["config"] / "agents" / "x.md").write_text("---\ndescription: user\n---\n")
    (places["project"] / ".claude" / "agents" / "x.md").write_text("---\ndescription: mine\n---\n")
    old = os.environ.get("CLAUDE_CONFIG_DIR")
    os.environ["CLAUDE_CONFIG_DIR"] = str(places["config"])
    try:
        assert agent_definitions.read("x", str(places["project"]))["description"] == "mine"
        assert agent_definitions.read("x", "/nowhere")["description"] == "user"
        assert agent_definitions.read("../x", str(places["project"])) is None
    finally:
        if old is None:
            del os.environ["CLAUDE_CONFIG_DIR"]
        else:
            os.environ["CLAUDE_CONFIG_DIR"] = old


def test_agent_versions_query_compares_versions(db, places, monkeypatch):
    send = in_process(db, places, monkeypatch)
    definition = places["project"] / ".claude" / "agents" / "code-reviewer.md"
    definition.write_text(V1)
    run_task(send, places, "a1", "code-reviewer", start=0, duration=1000, tokens=100)
    run_task(send, places, "a2", "code-reviewer", start=10, failed=True)  # 5 s, then fails
    run_task(send, places, "a3", "code-reviewer", start=20, duration=3000, tokens=300)
    definition.write_text(V2)
    run_task(send, places, "b1", "code-reviewer", start=30, duration=500, tokens=50)
    run_task(send, places, "b2", "code-reviewer", start=40, duration=700, tokens=70)
    conn = sqlite3.connect(db)
    costs = {"a1": 0.01, "a2": 0.02, "a3": 0.03, "b1": 0.005, "b2": 0.007}
    for tool_use_id, cost in costs.items():
        conn.execute(
            "UPDATE node_executions SET cost_usd = ? WHERE tool_use_id = ?", (cost, tool_use_id)
        )
    conn.commit()
    conn.close()
    sql = (Path(__file__).parent.parent / "canned_queries" / "agent-versions.sql").read_text()
    rows = query(db, sql, {"days": "", "project": "", "agent_type": "code-reviewer"})
    assert [r["version"] for r in rows] == [digest(V1), digest(V2)]
    old, new = rows
    assert (old["tasks"], old["finished"], old["failed"], old["successes"]) == (3, 3, 1, 2)
    assert old["failure_rate"] == pytest.approx(1 / 3, abs=1e-4)
    # of 1 s, 3 s and the failure's 5 s, read from the histograms: within their error
    assert old["median_ms"] == pytest.approx(3000, rel=rollups.ERROR)
    assert old["tokens_per_success"] == 200  # (100 + 300) / 2; the failure reported none
    assert old["cost_per_success_usd"] == pytest.approx(0.03)  # (0.01 + 0.02 + 0.03) / 2
    assert (new["tasks"], new["failed"], new["failure_rate"]) == (2, 0, 0)
    assert new["median_ms"] == pytest.approx(600, rel=rollups.ERROR)
    assert new["tokens_per_success"] == 60
    assert new["cost_per_success_usd"] == pytest.approx(0.006)
    assert new["description"] == "Reviews a diff for bugs and missing tests."
    assert (old["first_seen"], old["last_seen"]) == (at(0)["received_at"], at(20)["received_at"])
    assert new["last_seen"] == at(40)["received_at"]
