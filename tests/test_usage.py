"""True usage and cost: subagent transcripts with known sums, through the real hook."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import completed_response, event, post, pre, query, run_cli
from usage_transcripts import HAIKU, PRICE, SONNET, AgentTranscript, typical

from recorder.derive import node_usage, prices, usage
from recorder.hook import database
from recorder.schema import version

SESSION = "sess-u1"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return tmp_path / "projects" / "-home-u-proj"


def main_path(project: Path) -> str:
    return str(project / f"{SESSION}.jsonl")


def agent_path(project: Path, agent_id: str) -> Path:
    return project / SESSION / "subagents" / f"agent-{agent_id}.jsonl"


def send(hook, name: str, project: Path, **fields) -> None:
    hook(event(name, SESSION, transcript_path=main_path(project), **fields))


def launch(hook, project: Path, tool_use_id: str, **fields) -> None:
    hook(dict(pre(tool_use_id, "Agent", SESSION, **fields), transcript_path=main_path(project)))


def launch_and_start(hook, project: Path, tool_use_id: str, agent_id: str) -> None:
    """The Agent call, and its subagent's SubagentStart."""
    launch(hook, project, tool_use_id)
    send(hook, "SubagentStart", project, agent_id=agent_id, agent_type="Explore")


def end_call(hook, project: Path, name: str, tool_use_id: str, **fields) -> None:
    """A PostToolUseFailure or PermissionDenied of the Agent call ``tool_use_id``."""
    fields.setdefault("tool_input", {"description": "Map", "prompt": "Map it"})
    send(hook, name, project, tool_name="Agent", tool_use_id=tool_use_id, **fields)


def stop(hook, project: Path, agent_id: str, transcript: Path) -> None:
    """The subagent's SubagentStop, naming its transcript; its report "Changed b.py."."""
    send(
        hook,
        "SubagentStop",
        project,
        agent_id=agent_id,
        agent_type="Explore",
        agent_transcript_path=str(transcript),
        last_assistant_message="Changed b.py.",
    )


def finish(hook, project: Path, tool_use_id: str, launched: str, **fields) -> None:
    payload = post(tool_use_id, "Changed b.py.", "Agent", SESSION, **fields)
    payload["tool_response"]["agentId"] = launched
    payload["tool_response"]["resolvedModel"] = SONNET
    hook(dict(payload, transcript_path=main_path(project)))


def node(db: Path, tool_use_id: str) -> dict:
    return query(db, "SELECT * FROM node_executions WHERE tool_use_id = ?", (tool_use_id,))[0]


def assert_usage(row: dict, t: AgentTranscript) -> None:
    assert row["input_tokens"] == t.sums["input"]
    assert row["output_tokens"] == t.sums["output"]
    assert row["cache_read_tokens"] == t.sums["cache_read"]
    assert row["cache_creation_tokens"] == t.sums["cache_write"]
    assert row["token_count"] == t.token_count
    assert row["api_calls"] == t.calls
    assert row["cost_usd"] == pytest.approx(t.cost, abs=1e-6)
    assert row["usage_source"] == "transcript"


def test_only_a_response_written_while_streaming_by_an_old_claude_code_is_a_placeholder(project):
    t = AgentTranscript(agent_path(project, "a4"), "a4", SESSION, version="2.1.38")
    t.finish(SONNET, "Done.", input=12, output=900, cache_read=6000)
    ended = json.loads(t.lines[-1])
    ended["message"].update(
        stop_reason="end_turn", usage=dict(ended["message"]["usage"], output_tokens=900)
    )
    t.lines.append(json.dumps(ended))  # the same response, written again once it ended
    (response,) = usage.read(str(t.write()))["responses"]
    assert response["output"] == 900 and "placeholder" not in response
    t.lines.pop()
    (response,) = usage.read(str(t.write()))["responses"]
    assert response["output"] == 1 and response["placeholder"] is True
    newer = AgentTranscript(agent_path(project, "a5"), "a5", SESSION, version="2.1.97")
    newer.finish(SONNET, "Done.", input=12, output=900, cache_read=6000)
    (response,) = usage.read(str(newer.write()))["responses"]
    assert response["output"] == 900 and "placeholder" not in response


def test_reader_counts_each_response_once_across_split_lines(project):
    t = typical(agent_path(project, "a1"), "a1", SESSION)
    record = usage.read(str(t.write()))
    assert len(record["responses"]) == t.calls == 5  # the synthetic message is no API call
    assert record["complete"] is True
    assert record["meta"] == {"agentType": "Explore", "toolUseId": "toolu_a1"}
    assert json.loads(json.dumps(record)) == record  # keepable as an event
    assert sum(r["output"] for r in record["responses"]) == t.sums["output"]
    assert [r["model"] for r in record["responses"]] == [HAIKU, HAIKU, SONNET, SONNET, SONNET]
    assert sum(r["cache_write_1h"] for r in record["responses"]) == 1500
    assert usage.tool_counts(record) == [
        ("Bash", 1, 1),
        ("Edit", 1, 0),
        ("Grep", 1, 0),
        ("Read", 1, 0),
    ]


def test_a_record_read_ahead_is_lent_once_and_only_for_the_file_it_was_read_from(project):
    t = typical(agent_path(project, "a1"), "a1", SESSION)
    path = str(t.write(upto=3))  # still being written
    early = usage.read_signed(path)
    lent = {(path, None): early}
    with usage.lent(lent):
        assert usage.read(path) is early[1]  # answered from what was read ahead...
        assert lent == {}  # ...once
        lent[(path, None)] = usage.read_signed(path)
        t.write()  # the file grew since: read again
        assert usage.read(path) == usage.read(str(t.write())) != early[1]
    assert usage.read(path)["complete"] is True and len(early[1]["responses"]) < t.calls


def test_foreground_agent_gets_its_transcript_usage_and_cost(db, hook, project):
    t = typical(agent_path(project, "a1"), "a1", SESSION)
    t.write()
    launch(hook, project, "toolu_fg")
    stop(hook, project, "a1", t.path)
    finish(hook, project, "toolu_fg", "a1")
    row = node(db, "toolu_fg")
    assert_usage(row, t)
    assert row["model"] == SONNET
    assert row["context_tokens"] == 12450  # Claude Code's totalTokens: the last request
    assert row["usage_complete"] == 1
    tools = query(db, "SELECT tool_name, calls, errors FROM node_tools ORDER BY tool_name")
    assert tools == [
        {"tool_name": "Bash", "calls": 1, "errors": 1},
        {"tool_name": "Edit", "calls": 1, "errors": 0},
        {"tool_name": "Grep", "calls": 1, "errors": 0},
        {"tool_name": "Read", "calls": 1, "errors": 0},
    ]
    touches = query(db, "SELECT file_path, access, node_id FROM file_touches ORDER BY file_path")
    assert touches == [
        {"file_path": "/home/u/proj/a.py", "access": "read", "node_id": row["id"]},
        {"file_path": "/home/u/proj/b.py", "access": "write", "node_id": row["id"]},
    ]
    assert json.loads(row["files_modified"]) == ["/home/u/proj/b.py"]
    run = query(db, "SELECT cost_usd, total_tokens FROM workflow_runs")[0]
    assert run["cost_usd"] == pytest.approx(t.cost, abs=1e-6)
    assert run["total_tokens"] == t.token_count


@pytest.mark.parametrize("interrupted", [True, False], ids=["interrupted", "failed"])
def test_a_call_whose_result_names_no_agent_finds_it_by_its_transcripts_sidecar(
    db, hook, project, interrupted
):
    """PostToolUseFailure names no agent; the subagent's .meta.json names the call."""
    other = typical(agent_path(project, "a8"), "a8", SESSION)  # another call's, not this one
    other.write()
    t = typical(agent_path(project, "a9"), "a9", SESSION)  # its sidecar: toolUseId toolu_a9
    t.write()
    launch_and_start(hook, project, "toolu_a9", "a9")
    send(
        hook,
        "PostToolUseFailure",
        project,
        tool_name="Agent",
        tool_use_id="toolu_a9",
        tool_input={"description": "Map", "prompt": "Map it", "subagent_type": "Explore"},
        error="Interrupted by user" if interrupted else "API Error: 529 overloaded",
        is_interrupt=interrupted,
        duration_ms=41_000,
    )
    row = node(db, "toolu_a9")
    assert row["status"] == ("cancelled" if interrupted else "failed")
    assert row["agent_id"] == "a9" and row["agent_transcript_path"] == str(t.path)
    assert_usage(row, t)
    touches = query(db, "SELECT DISTINCT node_id FROM file_touches")
    assert touches == [{"node_id": row["id"]}]
    before = query(db, "SELECT * FROM node_executions")
    t.path.unlink()  # the kept read is all a rebuild needs
    assert run_cli("rebuild", "--db", str(db)).returncode == 0
    assert query(db, "SELECT * FROM node_executions") == before


def test_a_call_that_never_ran_is_given_no_subagent(db, hook, project):
    """A denied call has no subagent: no sidecar search, even where one names the call."""
    typical(agent_path(project, "a7"), "a7", SESSION).write()  # its sidecar: toolu_a7
    launch(hook, project, "toolu_a7")
    end_call(hook, project, "PermissionDenied", "toolu_a7", reason="denied by rule")
    row = node(db, "toolu_a7")
    assert (row["status"], row["error_type"]) == ("cancelled", "permission_denied")
    assert row["agent_id"] is None and row["agent_transcript_path"] is None
    assert row["usage_source"] != "transcript" and row["api_calls"] is None
    assert query(db, "SELECT count(*) AS n FROM file_touches")[0]["n"] == 0
    # it spent nothing, which is known: cost 0, so its run has no unpriced subagent
    assert (row["cost_usd"], row["cost_note"]) == (0.0, "no subagent ran: nothing spent")
    run = query(
        db, "SELECT cost_usd, unpriced_nodes FROM workflow_runs WHERE id = ?", (row["run_id"],)
    )
    assert run == [{"cost_usd": 0.0, "unpriced_nodes": 0}]


def test_an_older_database_with_calls_that_never_ran_is_mended_as_a_rebuild_would(
    db, hook, project
):
    """Before m039 a denied call had no cost (unknown, so unpriced) and a call with no
    subagent found no reason: the migration mends them in place, their run's and
    session's sums too, to the very rows a rebuild gives, and asks for no rebuild."""
    launch(hook, project, "toolu_old")
    end_call(hook, project, "PermissionDenied", "toolu_old", reason="denied by rule")
    launch(hook, project, "toolu_lost")
    end_call(hook, project, "PostToolUseFailure", "toolu_lost", error="boom", is_interrupt=False)
    assert node(db, "toolu_old")["cost_usd"] == 0.0
    everything = "SELECT * FROM node_executions ORDER BY id"
    runs, sessions = "SELECT * FROM workflow_runs ORDER BY id", "SELECT * FROM sessions"
    rollup = "SELECT * FROM rollup_tasks_daily ORDER BY 1, 2, 3, 4, 5, 6"
    now = [query(db, q) for q in (everything, runs, sessions, rollup)]

    def as_before_m039() -> None:
        with sqlite3.connect(db) as conn:
            conn.execute("DELETE FROM _agent_runs_migrations WHERE name = 'm039_nothing_spent'")
            conn.execute("PRAGMA user_version = 37")

    as_before_m039()
    with sqlite3.connect(db) as conn:  # as the version before wrote them
        conn.execute("UPDATE node_executions SET cost_usd = NULL, cost_note = NULL")
        conn.execute("UPDATE workflow_runs SET unpriced_nodes = 2, cost_usd = NULL")
        conn.execute("UPDATE sessions SET cost_usd = NULL, subagent_cost_usd = NULL")
    upgrade = run_cli("sync", "--db", str(db))
    assert upgrade.returncode == 0, upgrade.stderr
    asked = "SELECT value FROM derivation_state WHERE name = 'rebuild_requested'"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == version.LATEST
        assert conn.execute(asked).fetchone()[0] == 0
    assert [query(db, q) for q in (everything, runs, sessions, rollup)] == now
    row = node(db, "toolu_old")
    assert (row["cost_usd"], row["cost_note"]) == (0.0, "no subagent ran: nothing spent")
    lost = node(db, "toolu_lost")
    assert lost["cost_note"] == "no usage of a subagent found for this call: cost unknown"
    assert query(db, "SELECT sum(unpriced_nodes) AS n FROM workflow_runs") == [{"n": 1}]
    assert query(db, "SELECT unpriced_nodes FROM sessions") == [{"unpriced_nodes": 1}]
    assert run_cli("rebuild", "--db", str(db)).returncode == 0
    assert [query(db, q) for q in (everything, runs, sessions, rollup)] == now

    as_before_m039()  # on what this version recorded, m039 changes nothing
    database.connect(str(db)).close()
    assert [query(db, q) for q in (everything, runs, sessions, rollup)] == now


def test_a_call_whose_agent_is_not_on_disk_stays_without_one(db, hook, project):
    launch(hook, project, "toolu_gone")
    end_call(
        hook,
        project,
        "PostToolUseFailure",
        "toolu_gone",
        error="API Error: 529 overloaded",
        is_interrupt=False,
    )
    row = node(db, "toolu_gone")
    assert row["status"] == "failed" and row["agent_id"] is None
    assert row["cost_usd"] is None and row["usage_source"] is None
    assert row["cost_note"] == "no usage of a subagent found for this call: cost unknown"


def test_a_call_whose_agent_wrote_no_response_says_its_cost_is_unknown(db, hook, project):
    """Its sidecar names the call, but the transcript holds no API response yet."""
    AgentTranscript(agent_path(project, "e1"), "e1", SESSION).write()  # the prompt only
    launch(hook, project, "toolu_e1")
    end_call(hook, project, "PostToolUseFailure", "toolu_e1", error="boom", is_interrupt=False)
    row = node(db, "toolu_e1")
    assert (row["status"], row["cost_usd"]) == ("failed", None)
    assert row["cost_note"] == "no usage of a subagent found for this call: cost unknown"
    before = query(db, "SELECT * FROM node_executions")
    shutil.rmtree(project / SESSION)  # a rebuild reads no file: the same rows without it
    assert run_cli("rebuild", "--db", str(db)).returncode == 0
    assert query(db, "SELECT * FROM node_executions") == before


def test_path_is_found_beside_the_session_transcript_without_subagent_stop(db, hook, project):
    t = typical(agent_path(project, "a2"), "a2", SESSION)
    t.write()
    launch(hook, project, "toolu_2")
    finish(hook, project, "toolu_2", "a2")
    assert_usage(node(db, "toolu_2"), t)


def test_missing_transcript_falls_back_to_the_tool_response(db, hook, project):
    launch(hook, project, "toolu_3")
    finish(hook, project, "toolu_3", "a-missing")
    row = node(db, "toolu_3")
    assert row["usage_source"] == "tool_response"
    assert row["token_count"] == 12450 and row["input_tokens"] == 8320
    assert row["cost_usd"] is None and "no readable subagent transcript" in row["cost_note"]
    assert row["usage_complete"] == 0  # read again at later turn ends, settled at the session end
    send(hook, "SessionEnd", project, reason="exit")
    assert node(db, "toolu_3")["usage_complete"] == 1


def test_a_transcript_written_after_its_agent_finished_is_read_on_a_later_event(db, hook, project):
    t = typical(agent_path(project, "a6"), "a6", SESSION)
    launch(hook, project, "toolu_6")
    finish(hook, project, "toolu_6", "a6")
    assert node(db, "toolu_6")["usage_source"] == "tool_response"
    send(hook, "Stop", project)  # still not on disk: nothing to read, nothing changes
    assert node(db, "toolu_6")["usage_complete"] == 0
    t.write()
    send(hook, "Stop", project)
    row = node(db, "toolu_6")
    assert_usage(row, t)
    assert row["usage_complete"] == 1


def test_growing_transcript_is_read_again_until_complete(db, hook, project):
    t = typical(agent_path(project, "a4"), "a4", SESSION)
    cut = len(t.lines) - 6  # still waiting for the Bash result
    t.write(upto=cut)
    launch(hook, project, "toolu_4")
    send(hook, "SubagentStop", project, agent_id="a4", agent_transcript_path=str(t.path))
    finish(hook, project, "toolu_4", "a4")
    early = node(db, "toolu_4")
    assert early["usage_complete"] == 0
    assert 0 < early["api_calls"] < t.calls
    t.write()
    send(hook, "Stop", project)
    row = node(db, "toolu_4")
    assert_usage(row, t)
    assert row["usage_complete"] == 1


def test_nested_agent_spend_stays_on_its_own_node(db, hook, project):
    outer = typical(agent_path(project, "outer"), "outer", SESSION)
    inner = AgentTranscript(agent_path(project, "inner"), "inner", SESSION)
    inner.finish(HAIKU, "inner done", input=7, output=70, cache_read=100, w5m=900)
    outer.write()
    inner.write()
    launch(hook, project, "toolu_outer")
    launch(hook, project, "toolu_inner", agent_id="outer", agent_type="Explore")
    finish(hook, project, "toolu_inner", "inner", agent_id="outer", agent_type="Explore")
    finish(hook, project, "toolu_outer", "outer")
    assert_usage(node(db, "toolu_outer"), outer)
    assert_usage(node(db, "toolu_inner"), inner)
    run = query(db, "SELECT cost_usd, total_tokens FROM workflow_runs")
    assert sum(r["cost_usd"] for r in run) == pytest.approx(outer.cost + inner.cost, abs=1e-6)
    assert sum(r["total_tokens"] for r in run) == outer.token_count + inner.token_count


def test_an_old_claude_codes_placeholder_outputs_are_corrected_or_named(db, hook, project):
    """Before 2.1.97 a response's lines kept the output count of its stream's start (1): the
    tool_response gives the last response's own; the others are named lower bounds."""
    t = AgentTranscript(agent_path(project, "a3"), "a3", SESSION, version="2.1.38")
    t.tool(
        SONNET, "toolu_r1", "Read", {"file_path": "/p/a.py"}, input=10, output=300, cache_read=5000
    )
    t.result("toolu_r1")
    t.finish(SONNET, "Changed b.py.", input=12, output=900, cache_read=6000, w5m=100)
    t.write()
    launch_and_start(hook, project, "toolu_a3", "a3")
    stop(hook, project, "a3", t.path)
    response = completed_response("Changed b.py.", "a3")
    response["usage"] = {
        "input_tokens": 12,
        "output_tokens": 900,
        "cache_read_input_tokens": 6000,
        "cache_creation_input_tokens": 100,
    }
    hook(
        dict(
            post("toolu_a3", "Changed b.py.", "Agent", SESSION, response=response),
            transcript_path=main_path(project),
        )
    )
    row = node(db, "toolu_a3")
    assert row["output_tokens"] == 1 + 900  # the first stays the placeholder it was written as
    assert (row["input_tokens"], row["cache_read_tokens"], row["api_calls"]) == (22, 11000, 2)
    assert row["cost_note"].startswith("output tokens of 1 of 2 API responses are lower bounds")
    sonnet = PRICE[SONNET]
    paid = (
        22 * sonnet["input"]
        + 901 * sonnet["output"]
        + 11000 * sonnet["cache_read"]
        + 100 * sonnet["w5m"]
    ) / 1e6
    assert row["cost_usd"] == pytest.approx(paid, abs=1e-6)
    before = query(db, "SELECT * FROM node_executions")
    t.path.unlink()  # the kept read and the kept tool_response are all a rebuild needs
    assert run_cli("rebuild", "--db", str(db)).returncode == 0
    assert query(db, "SELECT * FROM node_executions") == before


def test_unknown_model_costs_null_with_a_reason(db, hook, project):
    t = AgentTranscript(agent_path(project, "a5"), "a5", SESSION)
    t.finish("claude-imaginary-9-20990101", input=10, output=10)
    t.write()
    launch(hook, project, "toolu_5")
    finish(hook, project, "toolu_5", "a5")
    row = node(db, "toolu_5")
    assert row["token_count"] == 20 and row["usage_source"] == "transcript"
    assert row["cost_usd"] is None
    assert row["cost_note"] == "no price for model claude-imaginary-9-20990101"
    doctor = run_cli("doctor", "--db", str(db))
    assert "models seen without a price: claude-imaginary-9-20990101 (1)" in doctor.stdout
    # a call that failed at once spent nothing: its model (an alias here) needs no price
    haiku = {"description": "Map", "prompt": "Map it", "model": "haiku"}
    launch(hook, project, "toolu_6", tool_input=haiku)
    end_call(
        hook,
        project,
        "PostToolUseFailure",
        "toolu_6",
        tool_input=haiku,
        error="API Error: 529 overloaded",
        is_interrupt=False,
    )
    assert node(db, "toolu_6")["model"] == "haiku"
    doctor = run_cli("doctor", "--db", str(db))
    assert "models seen without a price: claude-imaginary-9-20990101 (1) " in doctor.stdout


def test_user_price_file_adds_and_overrides_models(db, hook, project, tmp_path, monkeypatch):
    prices = tmp_path / "prices.toml"
    prices.write_text(
        '[models."claude-imaginary-9"]\nmatch = ["claude-imaginary-9"]\n'
        "input = 2.0\noutput = 4.0\n\n"
        f'[models."{HAIKU}"]\ninput = 10.0\noutput = 10.0\ncache_read = 1.0\n'
        "cache_write_5m = 1.0\ncache_write_1h = 1.0\n"
    )
    env = {"AGENT_RUNS_PRICES": str(prices)}
    monkeypatch.setenv("AGENT_RUNS_PRICES", str(prices))  # whoever derives prices the read
    t = AgentTranscript(agent_path(project, "a6"), "a6", SESSION)
    t.tool("claude-imaginary-9-20990101", "x1", "Grep", {}, input=1_000_000, output=500_000)
    t.result("x1")
    t.finish(HAIKU, input=100_000, output=100_000, cache_read=1_000_000)
    t.write()
    for payload in (
        pre("toolu_6", "Agent", SESSION),
        post("toolu_6", tool="Agent", session=SESSION),
    ):
        payload["transcript_path"] = main_path(project)
        if "tool_response" in payload:
            payload["tool_response"]["agentId"] = "a6"
        hook(payload, env)
    # 2 + 2 for the imaginary model; 1 + 1 + 1 for haiku at the user's prices
    assert node(db, "toolu_6")["cost_usd"] == pytest.approx(7.0)


def test_main_agent_spend_is_read_at_session_end(db, hook, project):
    sub = typical(agent_path(project, "a7"), "a7", SESSION)
    sub.write()
    main = AgentTranscript(project / f"{SESSION}.jsonl", "main", SESSION)
    main.lines.clear()
    main.finish(SONNET, "hello", input=1000, output=1000)
    main.lines = [line.replace('"isSidechain":true', '"isSidechain":false') for line in main.lines]
    main.write()
    launch(hook, project, "toolu_7")
    finish(hook, project, "toolu_7", "a7")
    send(hook, "SessionEnd", project, reason="exit")
    session = query(db, "SELECT * FROM sessions")[0]
    assert session["main_cost_usd"] == pytest.approx(0.018)
    assert session["subagent_cost_usd"] == pytest.approx(sub.cost, abs=1e-6)
    assert session["cost_usd"] == pytest.approx(0.018 + sub.cost, abs=1e-6)
    assert session["main_api_calls"] == 1


def test_the_main_agents_compactions_count_in_its_spend(db, hook, project):
    """Claude Code writes each compaction of the main agent's context, a request of its
    own, to <session>/subagents/agent-acompact-*.jsonl: no subagent, the main agent's."""
    main = AgentTranscript(project / f"{SESSION}.jsonl", "main", SESSION)
    main.lines.clear()
    main.finish(SONNET, "hello", input=1000, output=1000)
    main.lines = [line.replace('"isSidechain":true', '"isSidechain":false') for line in main.lines]
    main.write()
    compaction = AgentTranscript(agent_path(project, "acompact-5f1c2"), "acompact-5f1c2", SESSION)
    compaction.lines.clear()
    compaction.finish(SONNET, "summary of the conversation", input=2000, output=500)
    compaction.write()
    send(hook, "SessionEnd", project, reason="exit")
    session = query(db, "SELECT * FROM sessions")[0]
    assert session["main_api_calls"] == 2
    assert session["main_cost_usd"] == pytest.approx(0.018 + (2000 * 3 + 500 * 15) / 1e6)
    assert query(db, "SELECT count(*) AS n FROM node_executions")[0]["n"] == 0


def test_price_table_is_dated_and_a_broken_user_file_is_reported(db, hook, project, tmp_path):
    table = prices.load()
    assert table.date and "genai-prices" in table.source
    assert table.find(HAIKU)["id"] == "claude-haiku-4-5"
    assert table.find("claude-opus-4-5-20251101")["input"] == 5.0
    assert table.find("gpt-4o") is None
    bad = tmp_path / "prices.toml"
    bad.write_text("[models.x]\ninput = 'three'\n")
    env = {"AGENT_RUNS_PRICES": str(bad)}
    t = typical(agent_path(project, "a8"), "a8", SESSION)
    t.write()
    for payload in (
        pre("toolu_8", "Agent", SESSION),
        post("toolu_8", tool="Agent", session=SESSION),
    ):
        payload["transcript_path"] = main_path(project)
        if "tool_response" in payload:
            payload["tool_response"]["agentId"] = "a8"
        hook(payload, env)
    assert node(db, "toolu_8")["cost_usd"] == pytest.approx(t.cost, abs=1e-6)  # shipped prices
    doctor = run_cli("doctor", "--db", str(db), env=env)
    assert "models.x.input is not a number (shipped prices used)" in doctor.stdout
    assert doctor.returncode == 1


def test_line_bytes_and_parsed_lines_give_the_same_record(project, tmp_path):
    """User lines are mostly read from their bytes; key order that defeats that falls back
    to parsing, with the same record. Junk lines are skipped; a cut-off end is incomplete."""
    t = typical(agent_path(project, "a9"), "a9", SESSION)
    first = usage.read(str(t.write()))
    reordered = tmp_path / "agent-a9.jsonl"
    lines = [json.dumps(json.loads(line), sort_keys=True) for line in t.lines]
    reordered.write_text("".join(line + "\n" for line in lines))
    second = usage.read(str(reordered))
    for key in ("responses", "tools", "complete"):
        assert first[key] == second[key], key
    result_times = {
        block["tool_use_id"]: line["timestamp"]
        for line in map(json.loads, t.lines)
        if line["type"] == "user" and isinstance(line["message"]["content"], list)
        for block in line["message"]["content"]
    }
    assert [(tool["name"], tool["done"]) for tool in first["tools"] if "done" in tool] == [
        ("Read", result_times["tu_a9_2"]),
        ("Edit", result_times["tu_a9_4"]),
    ]
    junk = tmp_path / "agent-junk.jsonl"
    junk.write_text(
        "not json\n" + "\n".join(t.lines) + '\n{"type":"assistant","message":{"id":"x","usa'
    )
    cut = usage.read(str(junk))
    assert cut["responses"] == first["responses"]
    assert cut["complete"] is False


def test_the_record_alone_gives_the_same_columns(db, hook, project):
    """What the event log keeps (the record, as JSON) derives the node without the file."""
    t = typical(agent_path(project, "a10"), "a10", SESSION)
    t.write()
    launch(hook, project, "toolu_10")
    finish(hook, project, "toolu_10", "a10")
    row = node(db, "toolu_10")
    kept = json.dumps(usage.read(str(t.path)))
    t.path.unlink()
    fresh = dict(row, usage_source=None, usage_complete=None, cost_usd=None, token_count=None)
    node_usage.fill(fresh, json.loads(kept))
    columns = [*usage.columns(json.loads(kept), prices.load())]
    assert {k: fresh[k] for k in columns if k != "cost_note"} == {
        k: row[k] for k in columns if k != "cost_note"
    }


@pytest.mark.parametrize(
    "path", ["/dev/zero", "/etc/hostname", "agent-\x00.jsonl", "/no/such/agent-x.jsonl"]
)
def test_hostile_transcript_paths_fall_back_and_never_hang(db, hook, project, path):
    launch(hook, project, "toolu_h")
    send(hook, "SubagentStop", project, agent_id="ah", agent_transcript_path=path)
    finish(hook, project, "toolu_h", "ah")
    row = node(db, "toolu_h")
    assert row["status"] == "completed" and row["usage_source"] == "tool_response"
    assert row["token_count"] == 12450


def test_a_response_of_thinking_only_still_counts(project):
    t = AgentTranscript(agent_path(project, "a11"), "a11", SESSION)
    thinking = {"type": "thinking", "thinking": "hm", "signature": "s"}
    t.response(HAIKU, [thinking], input=5, output=50, cache_read=100)
    t.response(HAIKU, [thinking, thinking], input=6, output=60, w1h=10)
    t.finish(HAIKU, input=7, output=70)
    record = usage.read(str(t.write()))
    assert [(r["input"], r["output"]) for r in record["responses"]] == [(5, 50), (6, 60), (7, 70)]
    assert sum(r["cache_write_1h"] for r in record["responses"]) == 10
    assert usage.read(str(t.write(upto=len(t.lines) - 1)))["responses"][-1]["output"] == 60


def test_the_sidecar_search_stays_in_the_session_folder(project, tmp_path):
    t = typical(agent_path(project, "a5"), "a5", SESSION)
    t.write()
    assert usage.agent_of_call("toolu_a5", SESSION, main_path(project)) == str(t.path)
    outside = tmp_path / "elsewhere" / "x.jsonl"  # its parent holds projects/.../subagents
    hostile = f"../projects/-home-u-proj/{SESSION}"
    assert usage.agent_of_call("toolu_a5", hostile, str(outside)) is None
    assert usage.agent_of_call("toolu_a5", SESSION, None) is None


def test_us_only_inference_web_searches_and_unmetered_lines_are_priced_as_billed(project):
    """As Claude Code 2.1.337 prices a response: US-only inference costs 1.1 times the
    tokens' price, each server web search $0.01; a line Claude Code wrote itself with a
    copied usage (``isUnmetered``) is no API call."""
    t = AgentTranscript(agent_path(project, "g1"), "g1", SESSION)
    t.finish(SONNET, "Searched.", input=1000, output=2000, cache_read=50000)
    t.finish(SONNET, "Done.", input=10, output=300, cache_read=52000)
    tokens_only = t.cost
    searched = json.loads(t.lines[-2])
    searched["message"]["usage"].update(
        inference_geo="us", server_tool_use={"web_search_requests": 3, "web_fetch_requests": 1}
    )
    t.lines[-2] = json.dumps(searched)
    copied = json.loads(t.lines[-1])
    copied["isUnmetered"] = True
    copied["message"]["id"] = "msg_written_by_claude_code"
    t.lines.append(json.dumps(copied))
    record = usage.read(str(t.write()))
    assert len(record["responses"]) == 2
    cost, why = usage.price(record["responses"], prices.load())
    us_part = (1000 * PRICE[SONNET]["input"] + 2000 * PRICE[SONNET]["output"]) / 1e6
    us_part += 50000 * PRICE[SONNET]["cache_read"] / 1e6
    assert why is None
    assert cost == pytest.approx(tokens_only + 0.1 * us_part + 3 * 0.01, abs=1e-6)
    plain = AgentTranscript(agent_path(project, "g2"), "g2", SESSION)
    plain.finish(SONNET, "Done.", input=10, output=300, cache_read=52000)
    assert usage.price(usage.read(str(plain.write()))["responses"], prices.load()) == (
        pytest.approx(plain.cost, abs=1e-6),
        None,
    )


def test_fast_mode_responses_are_priced_at_fast_rates_or_not_at_all(project, tmp_path, monkeypatch):
    """A response with ``usage.speed: "fast"`` costs fast mode's own rates (Opus 4.6: six
    times the standard ones, every token kind); a model without fast-mode rates gets no
    cost and a reason, never the standard price; a user's file can give them."""
    opus = "claude-opus-4-6"
    t = AgentTranscript(agent_path(project, "f1"), "f1", SESSION)
    t.finish(opus, "Quick.", input=1000, output=2000, cache_read=40000, w5m=6000, w1h=2000)
    standard = usage.price(usage.read(str(t.write()))["responses"], prices.load())[0]
    fast = json.loads(t.lines[-1])
    fast["message"]["usage"]["speed"] = "fast"
    t.lines[-1] = json.dumps(fast)
    record = usage.read(str(t.write()))
    assert record["responses"][0]["speed"] == "fast"
    assert usage.price(record["responses"], prices.load()) == (pytest.approx(6 * standard), None)
    (response,) = record["responses"]
    haiku = dict(response, model=HAIKU)
    assert usage.price([haiku], prices.load()) == (
        None,
        "no fast-mode price for claude-haiku-4-5",
    )
    own = tmp_path / "prices.toml"
    own.write_text(
        f'[models."{HAIKU}"]\ninput = 1.0\noutput = 5.0\n'
        f'[models."{HAIKU}".fast]\ninput = 10.0\noutput = 10.0\ncache_read = 1.0\n'
        "cache_write_5m = 1.0\ncache_write_1h = 1.0\n"
    )
    monkeypatch.setenv("AGENT_RUNS_PRICES", str(own))
    expected = (1000 * 10.0 + 2000 * 10.0 + 40000 * 1.0 + 8000 * 1.0) / 1e6
    assert usage.price([haiku], prices.load()) == (pytest.approx(expected), None)


@pytest.mark.parametrize("started", [True, False], ids=["SubagentStart", "SubagentStop only"])
def test_a_resumed_subagent_s_second_run_is_counted_on_its_node(db, hook, project, started):
    """A finished subagent resumed (SendMessage to it) starts again under its id and appends
    to the same transcript: its node's spend is the whole file's, not the first run's, and a
    rebuild without the file gives the same rows. Its stop alone is enough to read on."""
    t = typical(agent_path(project, "r1"), "r1", SESSION)
    t.write()
    launch_and_start(hook, project, "toolu_r1", "r1")
    stop(hook, project, "r1", t.path)
    finish(hook, project, "toolu_r1", "r1")
    first = node(db, "toolu_r1")
    assert_usage(first, t)
    assert first["usage_complete"] == 1
    send(hook, "UserPromptSubmit", project, prompt="ask the explorer about c.py too")
    if started:
        send(hook, "SubagentStart", project, agent_id="r1", agent_type="Explore")
    t.add("user", {"role": "user", "content": "And c.py?"})
    t.tool(SONNET, "tu_r1_9", "Read", {"file_path": "/home/u/proj/c.py"}, input=40, cache_read=9000)
    t.result("tu_r1_9")
    t.finish(SONNET, "c.py only re-exports b.py.", input=25, output=700, cache_read=9500)
    t.write()
    stop(hook, project, "r1", t.path)
    row = node(db, "toolu_r1")
    assert_usage(row, t)
    assert row["api_calls"] == first["api_calls"] + 2 and row["usage_complete"] == 1
    assert row["cost_usd"] > first["cost_usd"]
    touched = query(db, "SELECT file_path FROM file_touches WHERE node_id = ?", (row["id"],))
    assert {"file_path": "/home/u/proj/c.py"} in touched
    before = query(db, "SELECT * FROM node_executions")
    t.path.unlink()  # the kept reads are all a rebuild needs
    assert run_cli("rebuild", "--db", str(db)).returncode == 0
    assert query(db, "SELECT * FROM node_executions") == before


def test_a_background_agent_that_outlives_its_session_s_end_is_counted_whole(db, hook, project):
    """A background subagent still running when its session ends is abandoned, and what its
    transcript held then is accepted; when it stops later (after /clear, or in a resumed
    session), its node completes and counts the whole file, not the part read at the end."""
    t = typical(agent_path(project, "bg1"), "bg1", SESSION)
    cut = len(t.lines) - 6
    t.write(upto=cut)
    ack = {"isAsync": True, "status": "async_launched", "agentId": "bg1"}
    launch(hook, project, "toolu_bg1", tool_input={"prompt": "Map it", "run_in_background": True})
    hook(
        dict(
            post("toolu_bg1", "", "Agent", SESSION, response=ack),
            transcript_path=main_path(project),
        )
    )
    send(hook, "SubagentStart", project, agent_id="bg1", agent_type="Explore")
    send(hook, "SessionEnd", project, reason="clear")
    ended = node(db, "toolu_bg1")
    assert ended["status"] == "abandoned" and ended["usage_complete"] == 1
    assert 0 < ended["api_calls"] < t.calls
    t.write()
    stop(hook, project, "bg1", t.path)
    row = node(db, "toolu_bg1")
    assert row["status"] == "completed" and row["result_text"] == "Changed b.py."
    assert_usage(row, t)
    assert row["usage_complete"] == 1
    before = query(db, "SELECT * FROM node_executions")
    t.path.unlink()
    assert run_cli("rebuild", "--db", str(db)).returncode == 0
    assert query(db, "SELECT * FROM node_executions") == before


def test_a_reply_resumed_after_a_pause_counts_its_earlier_requests(project):
    """A reply whose stream paused and was resumed is written once, with the earlier
    requests' usage in ``message.pausedResponses`` (Claude Code 2.1.337 adds them to the
    reply's): they are spent too, on every line of the reply alike (counted once)."""
    t = AgentTranscript(agent_path(project, "p1"), "p1", SESSION)
    t.tool(SONNET, "tu_p1", "WebSearch", {"query": "x"}, input=300, output=120, cache_read=9000)
    t.result("tu_p1")
    t.finish(SONNET, "Found it.", input=20, output=400, cache_read=9400)
    earlier = [
        {"usage": {"input_tokens": 500, "output_tokens": 80, "cache_read_input_tokens": 7000}},
        {
            "usage": {
                "input_tokens": 40,
                "output_tokens": 60,
                "cache_creation_input_tokens": 2000,
                "cache_creation": {"ephemeral_1h_input_tokens": 2000},
            }
        },
    ]
    for i in (1, 2):  # both lines of the tool call's reply (thinking, then the tool_use)
        line = json.loads(t.lines[i])
        line["message"]["pausedResponses"] = earlier
        t.lines[i] = json.dumps(line)
    record = usage.read(str(t.write()))
    assert len(record["responses"]) == 2
    paused = record["responses"][0]
    assert (paused["input"], paused["output"], paused["cache_read"]) == (840, 260, 16000)
    assert (paused["cache_write"], paused["cache_write_1h"]) == (2000, 2000)
    rates = PRICE[SONNET]
    extra = (540 * rates["input"] + 140 * rates["output"] + 7000 * rates["cache_read"]) / 1e6
    extra += 2000 * rates["w1h"] / 1e6
    assert usage.price(record["responses"], prices.load()) == (
        pytest.approx(t.cost + extra, abs=1e-9),
        None,
    )


def test_models_the_maintained_table_lacks_are_priced_as_claude_code_bills_them():
    """Mythos 5 and 5.1 (not in genai-prices yet): Claude Code 2.1.337's catalog tiers."""
    table = prices.load()
    for model, cache_read in (
        ("claude-mythos-5", 1.0),
        ("claude-mythos-5-20260901", 1.0),
        ("claude-mythos-5-1-20261015", 0.25),
    ):
        entry = table.find(model)
        assert (entry["input"], entry["output"], entry["cache_read"]) == (10.0, 50.0, cache_read)
    assert table.find("claude-mythos-5-2-20261101")["input"] == 8.0
