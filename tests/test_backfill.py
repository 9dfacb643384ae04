"""Backfill from Claude Code transcripts: real JSONL files in tmp_path, a real database."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest
from conftest import completed_response, event, query, run_cli, run_hook, sync, task_input

from recorder.derive import compaction
from recorder.hook import clock, database
from recorder.sources import backfill

START = "2026-03-02T10:00:00.000Z"
PROJECT = "/home/u/shop"
SECRET = "sk-ant-api03-" + "Zq9Xw8Vu7T" * 9


def compact(line: dict) -> str:
    """A line as Claude Code writes it (JSON.stringify: no spaces)."""
    return json.dumps(line, separators=(",", ":"), ensure_ascii=False)


class Transcript:
    """Writes a session transcript line by line, in the format Claude Code writes."""

    def __init__(self, root: Path, session: str = "5f0c1d2e-sess-0001", start: str = START):
        self.root = root
        self.session = session
        self.path = root / "-home-u-shop" / f"{session}.jsonl"
        self.clock = clock.epoch(start)
        self.parent: str | None = None
        self.lines: list[str] = []
        self.killed_at = ""

    def now(self, seconds: float = 1.0) -> str:
        self.clock += seconds
        return clock.iso(self.clock)

    def line(self, kind: str, message: dict | None, at: str | None = None, **extra) -> dict:
        line = {
            "parentUuid": self.parent,
            "isSidechain": False,
            "userType": "external",
            "cwd": PROJECT,
            "sessionId": self.session,
            "version": "2.0.49",
            "gitBranch": "main",
            "type": kind,
        }
        if message is not None:
            line["message"] = message
        line["uuid"] = str(uuid.uuid4())
        line["timestamp"] = at or self.now()
        if clock.epoch(line["timestamp"]) is not None:
            self.clock = clock.epoch(line["timestamp"])
        line.update(extra)
        self.parent = line["uuid"]
        self.lines.append(compact(line))
        return line

    def prompt(self, text: str, **extra) -> dict:
        return self.line("user", {"role": "user", "content": text}, **extra)

    def assistant(self, *blocks: dict, at: str | None = None) -> dict:
        message = {
            "model": "claude-opus-4-5-20251101",
            "id": "msg_01" + uuid.uuid4().hex[:22],
            "type": "message",
            "role": "assistant",
            "content": list(blocks),
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 4, "output_tokens": 120, "cache_read_input_tokens": 9000},
        }
        return self.line("assistant", message, at, requestId="req_011" + uuid.uuid4().hex[:20])

    def say(self, text: str) -> dict:
        return self.assistant({"type": "text", "text": text})

    def call(self, tool_use_id: str, name: str = "Task", at: str | None = None, **tool_input):
        block = {"type": "tool_use", "id": tool_use_id, "name": name, "input": tool_input}
        return self.assistant(block, at=at)

    def task(self, tool_use_id: str, name: str = "Task", at: str | None = None, **overrides):
        return self.call(tool_use_id, name, at, **dict(task_input(), **overrides))

    def tool_result(
        self,
        tool_use_id: str,
        content: object,
        result: object = None,
        is_error: bool | None = None,
        at: str | None = None,
    ) -> dict:
        block = {"tool_use_id": tool_use_id, "type": "tool_result", "content": content}
        if is_error is not None:
            block["is_error"] = is_error
        extra = {} if result is None else {"toolUseResult": result}
        return self.line("user", {"role": "user", "content": [block]}, at, **extra)

    def done(
        self, tool_use_id: str, text: str, agent_id: str = "", at: str | None = None, **totals
    ) -> dict:
        """The result of a foreground subagent, with its toolUseResult."""
        result = completed_response(text, agent_id or f"ag-{tool_use_id[-6:]}")
        result.update(totals, prompt="List every endpoint")
        return self.tool_result(tool_use_id, result["content"], result, at=at)

    def bash(self, tool_use_id: str, command: str, output: str) -> None:
        """Another tool: a call and its result that backfill must ignore."""
        self.call(tool_use_id, "Bash", command=command, description="Run it")
        result = {"stdout": output, "stderr": "", "interrupted": False, "isImage": False}
        self.tool_result(tool_use_id, output, result, is_error=False)

    def raw(self, text: str) -> None:
        self.lines.append(text)

    def write(self, tail: str = "") -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text("\n".join(self.lines) + "\n" + tail, encoding="utf-8")
        return self.path

    def agent_file(self, agent_id: str, final_text: str, at: str | None = None) -> Path:
        """The subagent's own transcript: <session>/subagents/agent-<id>.jsonl."""
        path = self.path.parent / self.session / "subagents" / f"agent-{agent_id}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        start = clock.epoch(at) - 20 if at else self.clock
        lines = []
        for i, (kind, content) in enumerate(
            [
                ("user", "List every endpoint"),
                ("assistant", [{"type": "tool_use", "id": f"toolu_in_{agent_id}", "name": "Grep"}]),
                ("user", [{"type": "tool_result", "tool_use_id": f"toolu_in_{agent_id}"}]),
                ("assistant", [{"type": "thinking", "thinking": "Done.", "signature": "x"}]),
                ("assistant", [{"type": "text", "text": final_text}]),
            ]
        ):
            stamp = at if at and i == 4 else clock.iso(start + i)
            message = {"role": kind, "content": content}
            lines.append(
                compact(
                    {
                        "parentUuid": None,
                        "isSidechain": True,
                        "userType": "external",
                        "cwd": PROJECT,
                        "sessionId": self.session,
                        "agentId": agent_id,
                        "type": kind,
                        "message": message,
                        "uuid": str(uuid.uuid4()),
                        "timestamp": stamp,
                    }
                )
            )
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path


def notification(agent_id: str, tool_use_id: str, status: str, result: str, **usage) -> str:
    parts = [
        "<task-notification>",
        f"<task-id>{agent_id}</task-id>",
        f"<tool-use-id>{tool_use_id}</tool-use-id>",
        f"<output-file>/tmp/claude/tasks/{agent_id}.output</output-file>",
        f"<status>{status}</status>",
        f'<summary>Agent "Find API endpoints" {status}</summary>',
        f"<result>{result}</result>",
    ]
    if usage:
        parts.append("<usage>")
        parts += [f"<{k}>{v}</{k}>" for k, v in usage.items()]
        parts.append("</usage>")
    parts.append("</task-notification>")
    return "\n".join(parts)


def run(db: Path, *paths, **options) -> backfill.BackfillReport:
    conn = database.connect(str(db))
    try:
        files = backfill.transcript_files([str(p) for p in paths])
        return backfill.backfill(conn, files, db=str(db), **options)
    finally:
        conn.close()


def nodes(db: Path) -> dict[str, dict]:
    return {n["tool_use_id"]: n for n in query(db, "SELECT * FROM node_executions")}


def tables(db: Path, wall_clock: bool = True) -> dict[str, list[dict]]:
    """Every row the recorder writes; without the insertion times SQLite stamps itself."""
    found = {
        t: query(db, f"SELECT * FROM {t} ORDER BY rowid")
        for t in ("sessions", "workflow_runs", "node_executions", "subagents")
    }
    if not wall_clock:
        for row in found["sessions"] + found["subagents"]:
            row.pop("created_at", None)
    return found


# What backfill adds to a session the hook recorded: the main agent's own spend, read
# from the session transcript (the hook reads it at SessionEnd).
MAIN_AGENT_SPEND = (
    "main_cost_usd",
    "main_tokens",
    "main_api_calls",
    "main_model",
    "cost_usd",
    "subagent_cost_usd",
    "cost_note",
)


def without_main_spend(sessions: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in MAIN_AGENT_SPEND} for row in sessions]


@pytest.fixture
def projects(tmp_path: Path) -> Path:
    return tmp_path / "claude" / "projects"


# -- foreground executions ---------------------------------------------------------------


def two_turns(projects: Path) -> Transcript:
    t = Transcript(projects)
    t.raw(compact({"type": "summary", "summary": "Auth review", "leafUuid": "x"}))
    t.prompt("Review the auth module\nand list the endpoints")
    t.assistant({"type": "thinking", "thinking": "Two agents in parallel.", "signature": "s"})
    t.say("I'll look at the code in two parallel agents.")
    t.task("toolu_01Task", at=t.now(2))  # 10:00:04
    t.task(
        "toolu_02Agent",
        "Agent",
        description="Check session handling",
        prompt="How are sessions stored?",
        subagent_type="general-purpose",
        model="sonnet",
    )
    t.bash("toolu_03Bash", "git log -3 --oneline", "abc123 Fix login\n")
    t.done("toolu_02Agent", "Sessions live in Redis with a 30 minute TTL.", at=t.now(30))
    t.done("toolu_01Task", "## Summary\nFound 12 endpoints, all documented.", at=t.now(18.5))
    t.say("Both agents are done: 12 endpoints, Redis sessions.")
    t.prompt("Now check the tests")
    t.task("toolu_04Task", description="Run the tests", prompt="Run pytest", subagent_type="Bash")
    t.done("toolu_04Task", "All 214 tests pass.", totalTokens=900, totalDurationMs=5000)
    t.say("Tests pass.")
    t.write()
    return t


def test_foreground_executions_become_complete_rows(db, projects):
    t = two_turns(projects)
    report = run(db, projects)
    assert (report.files, report.executions, report.new_executions) == (1, 3, 3)
    assert report.skipped_lines == 0 and report.lines == len(t.lines)
    n = nodes(db)
    assert set(n) == {"toolu_01Task", "toolu_02Agent", "toolu_04Task"}  # not the Bash call
    a = n["toolu_01Task"]
    assert (a["tool_name"], a["node_name"], a["agent_type"]) == (
        "Task",
        "Find API endpoints",
        "Explore",
    )
    assert a["prompt"] == "List every endpoint" and len(a["prompt_hash"]) == 16
    assert a["started_at"] == "2026-03-02T10:00:05.000Z"  # the tool_use line's time
    assert a["completed_at"] == "2026-03-02T10:00:56.500Z"  # the tool_result line's time
    assert a["status"] == "completed" and a["outcome"] == "success"
    assert a["result_text"] == "## Summary\nFound 12 endpoints, all documented."
    assert a["duration_ms"] == 48211 and a["token_count"] == 12450 and a["tool_use_count"] == 7
    assert (a["input_tokens"], a["output_tokens"]) == (8320, 610)
    assert (a["cache_read_tokens"], a["cache_creation_tokens"]) == (2320, 1200)
    assert a["agent_id"] == "ag-01Task" and a["is_background"] == 0
    assert a["session_id"] == t.session and a["project"] == PROJECT
    b = n["toolu_02Agent"]
    assert (b["tool_name"], b["agent_type"], b["model"]) == ("Agent", "general-purpose", "sonnet")
    assert b["node_name"] == "Check session handling"
    assert b["completed_at"] == "2026-03-02T10:00:38.000Z"

    # runs grouped by user prompt; each closed at the end of its turn
    assert a["run_id"] == b["run_id"] != n["toolu_04Task"]["run_id"]
    first, second = query(db, "SELECT * FROM workflow_runs ORDER BY id")
    assert first["grouping"] == "turn" and first["session_id"] == t.session
    assert first["workflow_name"] == "Review the auth module"
    assert json.loads(first["input_json"]) == {
        "prompt": "Review the auth module\nand list the endpoints"
    }
    assert (first["status"], first["total_nodes"], first["completed_nodes"]) == ("completed", 2, 2)
    assert first["started_at"] == "2026-03-02T10:00:01.000Z"  # the prompt
    assert first["completed_at"] == "2026-03-02T10:00:57.500Z"  # the turn's last line
    assert first["total_tokens"] == 2 * 12450
    assert second["workflow_name"] == "Now check the tests" and second["status"] == "completed"
    assert n["toolu_04Task"]["token_count"] == 900 and n["toolu_04Task"]["duration_ms"] == 5000

    (session,) = query(db, "SELECT * FROM sessions")
    assert session["id"] == t.session and session["project"] == PROJECT
    assert session["transcript_path"] == str(t.path)
    assert session["started_at"] == "2026-03-02T10:00:01.000Z"  # the first line with a time
    assert session["model"] == "claude-opus-4-5-20251101"


def test_prompt_id_in_the_transcript_groups_by_prompt(db, projects):
    t = Transcript(projects)
    t.prompt("Audit the billing code", promptId="p-77")
    t.task("toolu_p1")
    t.task("toolu_p2")
    t.done("toolu_p1", "ok")
    t.done("toolu_p2", "fine")
    t.write()
    run(db, projects)
    (run_row,) = query(db, "SELECT * FROM workflow_runs")
    assert run_row["grouping"] == "prompt" and run_row["prompt_id"] == "p-77"
    assert run_row["workflow_name"] == "Audit the billing code"
    assert (run_row["total_nodes"], run_row["status"]) == (2, "completed")


def test_errors_and_interrupts(db, projects):
    t = Transcript(projects)
    t.prompt("Try three agents")
    t.task("toolu_err", subagent_type="nope")
    t.tool_result(
        "toolu_err",
        "Agent type 'nope' not found. Available agents: general-purpose, Explore",
        "Error: Agent type 'nope' not found. Available agents: general-purpose, Explore",
        is_error=True,
    )
    t.task("toolu_int")
    t.tool_result(
        "toolu_int",
        [{"type": "text", "text": "[Request interrupted by user for tool use]"}],
        "Error: [Request interrupted by user for tool use]",
        is_error=True,
    )
    t.prompt("[Request interrupted by user for tool use]")
    t.prompt("Once more")
    t.task("toolu_cut")  # no result: the user pressed Esc and the turn ended
    interrupted_at = t.prompt("[Request interrupted by user]")["timestamp"]
    t.task("toolu_said_fail")
    t.done("toolu_said_fail", "I was unable to run the tests: the database is unreachable.")
    t.write()
    report = run(db, projects)
    assert report.executions == 4
    n = nodes(db)
    err = n["toolu_err"]
    assert err["status"] == "failed" and err["outcome"] == "failure"
    assert err["error_type"] == "tool_error"
    assert err["error_message"].startswith("Agent type 'nope' not found")
    assert err["agent_type"] == "nope"
    cancelled = n["toolu_int"]
    assert cancelled["status"] == "cancelled" and cancelled["error_type"] == "interrupt"
    assert cancelled["outcome"] == "unknown"
    cut = n["toolu_cut"]
    assert cut["status"] == "cancelled" and cut["completed_at"] == interrupted_at
    said = n["toolu_said_fail"]
    assert said["status"] == "failed" and "reads as blocked" in said["outcome_reason"]
    statuses = [r["status"] for r in query(db, "SELECT status FROM workflow_runs ORDER BY id")]
    assert statuses == ["failed", "failed"]


# -- background agents -------------------------------------------------------------------


def background(projects: Path) -> Transcript:
    t = Transcript(projects, "7e6d5c4b-sess-0002")
    t.prompt("Explore the repo in the background")
    for tool_use_id, agent_id in (("toolu_bg1", "a1b2c3"), ("toolu_bg2", "d4e5f6")):
        t.task(tool_use_id, "Agent", run_in_background=True)
        t.tool_result(
            tool_use_id,
            [{"type": "text", "text": f"Async agent launched successfully.\nagentId: {agent_id}"}],
            {
                "isAsync": True,
                "status": "async_launched",
                "agentId": agent_id,
                "description": "Find API endpoints",
                "prompt": "List every endpoint",
                "outputFile": f"/tmp/claude/tasks/{agent_id}.output",
            },
        )
    t.task("toolu_bg3", "Agent", run_in_background=True)
    t.tool_result(
        "toolu_bg3",
        "Async agent launched successfully.",
        {"isAsync": True, "status": "async_launched", "agentId": "k1k2k3"},
    )
    t.say("Three agents are running; I'll report when they finish.")
    t.prompt("While they run: what is the project name?")
    t.say("It is called shop.")
    agent_end = t.now(40)
    t.agent_file("a1b2c3", "Found 12 endpoints; two lack auth.", at=agent_end)
    # Claude Code queues the task notification, then delivers it as a user line.
    finished = notification(
        "a1b2c3",
        "toolu_bg1",
        "completed",
        "Found 12 endpoints; two lack auth.",
        total_tokens=31204,
        tool_uses=17,
        duration_ms=48000,  # its whole run: launched at 10:00:02, last line at 10:00:50
    )
    t.raw(
        compact(
            {
                "type": "queue-operation",
                "operation": "enqueue",
                "timestamp": t.now(1),
                "sessionId": t.session,
                "content": finished,
            }
        )
    )
    t.prompt(finished)
    t.say("The endpoint agent finished.")
    t.killed_at = t.prompt(
        notification("k1k2k3", "toolu_bg3", "killed", "", total_tokens=500, tool_uses=2)
    )["timestamp"]
    t.agent_file("d4e5f6", "BLOCKED: no credentials for the staging cluster.", at=t.now(5))
    t.write()
    return t


def test_background_agents_finish_from_notification_or_agent_transcript(db, projects):
    t = background(projects)
    report = run(db, projects)
    assert report.executions == 3 and report.files == 3  # the two agent transcripts too
    n = nodes(db)
    bg = n["toolu_bg1"]
    assert bg["is_background"] == 1 and bg["node_type"] == "background"
    assert bg["status"] == "completed" and bg["outcome"] == "success"
    assert bg["agent_id"] == "a1b2c3" and bg["output_file"] == "/tmp/claude/tasks/a1b2c3.output"
    assert bg["result_text"] == "Found 12 endpoints; two lack auth."
    assert (bg["token_count"], bg["tool_use_count"], bg["duration_ms"]) == (31204, 17, 48000)
    assert bg["agent_transcript_path"].endswith(f"{t.session}/subagents/agent-a1b2c3.jsonl")
    assert bg["completed_at"] == "2026-03-02T10:00:50.000Z"  # the agent's last line
    assert bg["started_at"] == "2026-03-02T10:00:02.000Z"
    # no notification: the agent's own transcript shows its end and its result
    other = n["toolu_bg2"]
    assert other["status"] == "failed" and other["outcome"] == "failure"
    assert other["result_text"].startswith("BLOCKED")
    assert other["agent_transcript_path"].endswith("agent-d4e5f6.jsonl")
    assert other["completed_at"] == "2026-03-02T10:00:59.000Z"
    killed = n["toolu_bg3"]
    assert killed["status"] == "cancelled" and killed["error_type"] == "killed"
    assert killed["completed_at"] == t.killed_at and killed["token_count"] == 500
    runs = query(db, "SELECT * FROM workflow_runs")
    assert len(runs) == 1 and runs[0]["total_nodes"] == 3 and runs[0]["status"] == "failed"


# -- bad lines, since, defaults ----------------------------------------------------------


def test_bad_lines_are_skipped_and_counted(db, projects):
    t = Transcript(projects)
    t.prompt("Go")
    t.raw("this is not json")
    t.raw('{"type":"assistant","message":{"content":[{"type":"tool_use","name":"Task"')
    t.raw("[1, 2, 3]")
    t.raw(compact({"type": "assistant", "message": "Task tool_use", "x": ["Task", "tool_use"]}))
    t.raw(compact({"type": "user", "message": {"role": "user", "content": 7}}))
    t.raw('{"type":"user","message":{"content":"café au lait"}}')
    t.task("toolu_ok")
    t.raw('{"type":"user","toolUseResult":"toolu_ok", "broken": }')
    t.done("toolu_ok", "Done.")
    t.task("toolu_no_time", at="yesterday")
    t.task("toolu_cut")
    half = compact(t.done("toolu_cut", "Finished it all."))
    t.lines.pop()  # written again below, cut in the middle: the file's truncated last line
    path = t.write(tail=half[: len(half) // 2])
    path.write_bytes(path.read_bytes().replace("café".encode(), b"caf\xff"))  # not UTF-8
    report = run(db, projects)
    # not json, cut-off object, array, message of the wrong type, content of the
    # wrong type, broken object, a call with no usable time, the truncated last line;
    # the non-UTF-8 line is a prompt candidate and counted too
    assert report.skipped_lines == 9, report
    assert report.lines == len(t.lines) + 1
    n = nodes(db)
    assert n["toolu_ok"]["status"] == "completed" and n["toolu_ok"]["result_text"] == "Done."
    assert n["toolu_cut"]["status"] == "running"  # its result was cut off
    assert "toolu_no_time" not in n
    assert "skipped" in str(report) and "9" in str(report)


def test_since_skips_earlier_executions(db, projects):
    t = two_turns(projects)
    report = run(db, projects, since="2026-03-02T10:00:58Z")
    assert set(nodes(db)) == {"toolu_04Task"}
    assert (report.executions, report.before_since) == (1, 2)
    assert len(query(db, "SELECT * FROM workflow_runs")) == 1
    assert "before --since" in str(report)
    assert t.path.exists()


def test_since_accepts_dates_and_spans():
    assert backfill.parse_since("2026-03-02") == "2026-03-02T00:00:00.000Z"
    assert backfill.parse_since("2026-03-02T11:00:00+01:00") == "2026-03-02T10:00:00.000Z"
    assert backfill.parse_since(None) is None
    week = backfill.parse_since("7d")
    assert clock.epoch(clock.now()) - clock.epoch(week) == pytest.approx(7 * 86400, abs=5)
    with pytest.raises(ValueError, match="--since"):
        backfill.parse_since("last tuesday")


def test_default_paths_order_and_progress(projects, monkeypatch, tmp_path):
    two_turns(projects)
    background(projects)
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(projects.parent))
    files = backfill.transcript_files()
    names = [os.path.relpath(f, projects) for f in files]
    assert names == [
        "-home-u-shop/5f0c1d2e-sess-0001.jsonl",
        "-home-u-shop/7e6d5c4b-sess-0002.jsonl",
        "-home-u-shop/7e6d5c4b-sess-0002/subagents/agent-a1b2c3.jsonl",
        "-home-u-shop/7e6d5c4b-sess-0002/subagents/agent-d4e5f6.jsonl",
    ]
    assert backfill.transcript_files([files[0], projects]) == files  # no duplicates
    with pytest.raises(FileNotFoundError):
        backfill.transcript_files([tmp_path / "nowhere"])
    seen = []
    conn = database.connect(str(tmp_path / "p.db"))
    report = backfill.backfill(conn, files, progress=seen.append)
    conn.close()
    assert sum(seen) == backfill.total_bytes(files) > 0
    assert report.files == 4 and report.events > 0


def test_secrets_in_transcripts_are_redacted(db, projects):
    t = Transcript(projects)
    t.prompt(f"Deploy with ANTHROPIC_API_KEY={SECRET}")
    t.task("toolu_s", prompt=f"Use the key {SECRET} to call the API")
    t.done("toolu_s", f"Called it with {SECRET}.")
    t.write()
    run(db, projects)
    assert SECRET.encode() not in Path(db).read_bytes()
    assert "[REDACTED:" in nodes(db)["toolu_s"]["prompt"]


# -- idempotency ---------------------------------------------------------------------------


def test_running_twice_changes_nothing(db, projects):
    two_turns(projects)
    background(projects)
    first = run(db, projects)
    before, kept = tables(db), query(db, "SELECT count(*) AS n FROM kept_events")
    conn = database.connect(str(db))
    try:  # what the first run kept is in blocks now: a re-run must still see it
        assert compaction.compact(conn, "9999", sessions=-1) > 0
    finally:
        conn.close()
    second = run(db, projects)
    assert tables(db) == before
    assert (first.new_executions, second.new_executions) == (6, 0)
    assert second.executions == 6
    assert (first.events > 0, second.events) == (True, 0)  # nothing kept twice
    assert query(db, "SELECT count(*) AS n FROM kept_events") == kept


def test_batches_do_not_change_the_result(db, projects, tmp_path):
    two_turns(projects)
    background(projects)
    run(db, projects)
    other = tmp_path / "small-batches.db"
    conn = database.connect(str(other))
    backfill.backfill(conn, backfill.transcript_files([projects]), batch_events=1)
    conn.close()
    assert tables(other, wall_clock=False) == tables(db, wall_clock=False)


def hook_all(db: Path, payloads: list[dict]) -> None:
    for payload in payloads:
        result = run_hook(db, payload)
        assert result.returncode == 0 and result.stdout == b"", result.stderr
    sync(db)


def hook_then_backfill_foreground(db: Path, projects: Path) -> tuple[dict, dict, dict, Path]:
    """The hook records a foreground Task without SubagentStop; backfill reads it again."""
    session = "9a8b7c6d-hooked"
    transcript = projects / "-home-u-shop" / f"{session}.jsonl"
    base = {"transcript_path": str(transcript), "cwd": PROJECT}
    response = {
        "status": "completed",
        "agentId": "fg1234",
        "content": [{"type": "text", "text": "Found 12 endpoints."}],
        "totalDurationMs": 48211,
        "totalTokens": 12450,
        "totalToolUseCount": 7,
        "usage": {"input_tokens": 8320, "output_tokens": 610},
    }
    hook_all(
        db,
        [
            event("SessionStart", session, source="startup", **base),
            event("UserPromptSubmit", session, prompt="Map the API", **base),
            event(
                "PreToolUse",
                session,
                tool_name="Task",
                tool_use_id="toolu_hooked",
                tool_input=task_input(),
                **base,
            ),
            event(
                "PostToolUse",
                session,
                tool_name="Task",
                tool_use_id="toolu_hooked",
                tool_input=task_input(),
                tool_response=response,
                **base,
            ),
        ],
    )
    (hooked,) = query(db, "SELECT * FROM node_executions")
    assert hooked["agent_transcript_path"] is None  # this hook never saw SubagentStop
    hook_all(db, [event("Stop", session, **base)])
    before = tables(db)
    t = Transcript(projects, session, start=before["sessions"][0]["started_at"])
    t.prompt("Map the API", at=t.now(0.001))
    t.task("toolu_hooked", at=clock.iso(clock.epoch(hooked["started_at"]) - 0.004))
    done_at = clock.iso(clock.epoch(hooked["completed_at"]) - 0.002)
    t.tool_result("toolu_hooked", response["content"], response, at=done_at)
    t.say("There are 12 endpoints.")
    agent = t.agent_file("fg1234", "Found 12 endpoints.", at=hooked["completed_at"])
    t.write()
    report = run(db, transcript)
    assert report.executions == 1 and report.new_executions == 0
    return before, tables(db), hooked, agent


def test_hook_then_backfill_fills_the_agent_transcript(db, projects):
    before, after, hooked, agent = hook_then_backfill_foreground(db, projects)
    (node,) = after["node_executions"]
    assert node["agent_transcript_path"] == str(agent)  # filled in
    assert {k for k in node if node[k] != hooked[k]} == {"agent_transcript_path"}
    assert without_main_spend(after["sessions"]) == without_main_spend(before["sessions"])
    assert after["sessions"][0]["main_api_calls"] > 0  # read from the session transcript
    assert [dict(r, updated_at=None) for r in after["workflow_runs"]] == [
        dict(r, updated_at=None) for r in before["workflow_runs"]
    ]
    (subagent,) = after["subagents"]  # the SubagentStop this hook never sent
    assert subagent["transcript_path"] == str(agent) and subagent["agent_type"] == "Explore"
    run(db, projects)
    assert tables(db) == after


def test_filling_a_node_does_not_move_its_run_back(db, projects):
    before, after, _, _ = hook_then_backfill_foreground(db, projects)
    assert after["workflow_runs"] == before["workflow_runs"]


def test_hook_then_backfill_fills_background_usage(db, projects):
    session = "1b2c3d4e-hooked-bg"
    transcript = projects / "-home-u-shop" / f"{session}.jsonl"
    base = {"transcript_path": str(transcript), "cwd": PROJECT}
    bg_input = task_input(run_in_background=True)
    ack = {
        "isAsync": True,
        "status": "async_launched",
        "agentId": "bg7777",
        "description": "Find API endpoints",
        "outputFile": "/tmp/claude/tasks/bg7777.output",
    }
    agent_path = transcript.parent / session / "subagents" / "agent-bg7777.jsonl"
    tool = {"tool_name": "Agent", "tool_use_id": "toolu_hooked_bg", "tool_input": bg_input}
    hook_all(
        db,
        [
            event("SessionStart", session, source="startup", **base),
            event("UserPromptSubmit", session, prompt="Explore in the background", **base),
            event("PreToolUse", session, **tool, **base),
            event("PostToolUse", session, tool_response=ack, **tool, **base),
            event("Stop", session, **base),
            event("SubagentStart", session, agent_id="bg7777", agent_type="Explore", **base),
            event(
                "SubagentStop",
                session,
                agent_id="bg7777",
                agent_type="Explore",
                agent_transcript_path=str(agent_path),
                last_assistant_message="Found 12 endpoints; two lack auth.",
                **base,
            ),
        ],
    )
    before = tables(db)
    (hooked,) = before["node_executions"]
    assert hooked["status"] == "completed" and hooked["token_count"] is None
    hook_all(db, [event("SessionEnd", session, reason="prompt_input_exit", **base)])
    before = tables(db)
    (hooked,) = before["node_executions"]

    def at(stamp: str, seconds: float) -> str:
        return clock.iso(clock.epoch(stamp) + seconds)

    t = Transcript(projects, session, start=before["sessions"][0]["started_at"])
    t.prompt("Explore in the background", at=at(hooked["started_at"], -0.01))
    t.task("toolu_hooked_bg", "Agent", at=at(hooked["started_at"], -0.002), run_in_background=True)
    t.tool_result(
        "toolu_hooked_bg", "Async agent launched successfully.", ack, at=hooked["started_at"]
    )
    t.agent_file(
        "bg7777", "Found 12 endpoints; two lack auth.", at=at(hooked["completed_at"], -0.001)
    )
    note = notification(
        "bg7777",
        "toolu_hooked_bg",
        "completed",
        "Found 12 endpoints; two lack auth.",
        total_tokens=31204,
        tool_uses=17,
        duration_ms=hooked["duration_ms"],  # the agent's whole run, as the hook measured it
    )
    t.prompt(note, at=hooked["completed_at"])
    t.write()
    report = run(db, projects)
    assert report.executions == 1 and report.new_executions == 0
    after = tables(db)
    (node,) = after["node_executions"]
    assert (node["token_count"], node["tool_use_count"]) == (31204, 17)  # filled in
    assert node["usage_source"] == "notification"  # its transcript has no usage to read
    for column in (
        "status",
        "outcome",
        "result_text",
        "started_at",
        "completed_at",
        "duration_ms",
        "agent_id",
        "agent_transcript_path",
        "output_file",
        "run_id",
        "created_at",
    ):
        assert node[column] == hooked[column], column
    assert without_main_spend(after["sessions"]) == without_main_spend(before["sessions"])
    assert [r["id"] for r in after["workflow_runs"]] == [r["id"] for r in before["workflow_runs"]]
    assert after["subagents"] == before["subagents"]
    again, kept = tables(db), query(db, "SELECT count(*) AS n FROM kept_events")
    run(db, projects)
    assert tables(db) == again
    assert query(db, "SELECT count(*) AS n FROM kept_events") == kept  # nothing kept twice


def test_notification_completes_an_execution_recorded_elsewhere(db, projects):
    """The hook saw the launch; the notification is in another transcript of the session."""
    session = "3c4d5e6f-launched"
    base = {"transcript_path": str(projects / "-home-u-shop" / f"{session}.jsonl"), "cwd": PROJECT}
    tool = {"tool_name": "Agent", "tool_use_id": "toolu_elsewhere"}
    tool["tool_input"] = task_input(run_in_background=True)
    ack = {"isAsync": True, "status": "async_launched", "agentId": "or1234"}
    hook_all(
        db,
        [
            event("UserPromptSubmit", session, prompt="Explore", **base),
            event("PreToolUse", session, **tool, **base),
            event("PostToolUse", session, tool_response=ack, **tool, **base),
        ],
    )
    (launched,) = query(db, "SELECT * FROM node_executions")
    assert launched["status"] == "running"
    t = Transcript(projects, "8d9e0f1a-resumed", start=clock.now())
    t.prompt("Carry on")
    t.say("Waiting for the agent.")
    text = "Found 3 flaky tests."
    t.prompt(notification("or1234", "toolu_elsewhere", "completed", text, total_tokens=777))
    shell = notification("b27a792", "toolu_bash_bg", "completed", "exit code 0")
    t.prompt(shell.replace("<result>exit code 0</result>", ""))
    t.write()
    report = run(db, projects)
    assert report.executions == 0
    (node,) = query(db, "SELECT * FROM node_executions")  # nothing made of the shell's
    assert node["status"] == "completed" and node["result_text"] == "Found 3 flaky tests."
    assert node["token_count"] == 777 and node["started_at"] == launched["started_at"]
    after = tables(db)
    run(db, projects)
    assert tables(db) == after


def test_since_skips_files_last_written_before_it(db, projects):
    t = two_turns(projects)
    old = clock.epoch("2026-03-03T00:00:00.000Z")
    os.utime(t.path, (old, old))
    seen = []
    report = run(db, projects, since="2026-03-04", progress=seen.append)
    assert (report.files, report.skipped_files, report.lines) == (0, 1, 0)
    assert sum(seen) == t.path.stat().st_size
    assert nodes(db) == {}
    assert "older than --since" in str(report)


def test_several_results_in_one_line(db, projects):
    """Older transcripts put parallel results in one user message: each block is its result."""
    t = Transcript(projects)
    t.prompt("Two at once")
    t.task("toolu_x1")
    t.task("toolu_x2")
    blocks = [
        {
            "tool_use_id": i,
            "type": "tool_result",
            "content": [{"type": "text", "text": f"{i}: all checks passed"}],
        }
        for i in ("toolu_x1", "toolu_x2")
    ]
    t.line("user", {"role": "user", "content": blocks}, toolUseResult={"totalTokens": 5})
    t.write()
    run(db, projects)
    n = nodes(db)
    assert (
        n["toolu_x1"]["result_text"] == "toolu_x1: all checks passed"
        and n["toolu_x2"]["status"] == "completed"
    )
    assert n["toolu_x1"]["token_count"] is None  # not claimed for either of them


def test_backfill_command_line(db, projects):
    two_turns(projects)
    env = {"CLAUDE_CONFIG_DIR": str(projects.parent)}
    first = run_cli("backfill", "--db", str(db), env=env)
    assert first.returncode == 0, first.stderr
    assert "3 subagent executions, 3 new" in first.stdout
    assert len(nodes(db)) == 3
    again = run_cli("backfill", "--db", str(db), str(projects), env=env)
    assert "0 new" in again.stdout and len(nodes(db)) == 3
    bad = run_cli("backfill", "--db", str(db), "--since", "someday", env=env)
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1
    missing = run_cli("backfill", "--db", str(db), str(projects / "nope.jsonl"), env=env)
    assert missing.returncode == 1 and "nope.jsonl" in missing.stderr
    # a subagent transcript whose session transcript is gone: said, not silently dropped
    orphan = projects / "-home-u-gone" / "sess-gone" / "subagents" / "agent-a1.jsonl"
    orphan.parent.mkdir(parents=True)
    orphan.write_text(json.dumps({"type": "user", "message": {"content": "Map it"}}) + "\n")
    (orphan.parent / "agent-acompact-1.jsonl").write_text("")  # a compaction: no subagent
    said = run_cli("backfill", "--db", str(db), str(projects), env=env)
    assert (
        said.returncode == 0 and "; 1 subagent transcript has no session transcript" in said.stdout
    )
    assert len(nodes(db)) == 3


def test_2_1_notifications_and_a_call_that_failed_validation(db, projects):
    """<subagent_tokens>, failed and stopped notifications; a call rejected before it ran."""
    t = Transcript(projects, "7e6d5c4b-sess-0021")
    t.prompt("Two agents in the background, one bad call")
    for tool_use_id, agent_id in (("toolu_f1", "f1f1f1"), ("toolu_s1", "s1s1s1")):
        t.task(tool_use_id, "Agent")  # background by definition: no run_in_background
        t.tool_result(
            tool_use_id,
            "Async agent launched successfully.",
            {"isAsync": True, "status": "async_launched", "agentId": agent_id},
        )
    t.task("toolu_bad", "Agent", description=None)
    error = (
        "InputValidationError: Agent failed due to the following issue:\n"
        "The required parameter `description` is missing"
    )
    # 2.1 wraps an error result's text in <tool_use_error>; no hook fires for it
    t.tool_result("toolu_bad", f"<tool_use_error>{error}</tool_use_error>", error, is_error=True)
    t.say("Waiting for the agents.")
    t.prompt(
        notification(
            "f1f1f1", "toolu_f1", "failed", "", subagent_tokens=7100, tool_uses=3, duration_ms=9000
        )
    )
    t.prompt(notification("s1s1s1", "toolu_s1", "stopped", "", subagent_tokens=800, tool_uses=1))
    t.write()
    run(db, projects)
    n = nodes(db)
    assert (n["toolu_f1"]["status"], n["toolu_f1"]["token_count"]) == ("failed", 7100)
    assert (n["toolu_s1"]["status"], n["toolu_s1"]["token_count"]) == ("cancelled", 800)
    bad = n["toolu_bad"]
    assert (bad["status"], bad["outcome"], bad["error_type"]) == ("failed", "failure", "tool_error")
    assert bad["error_message"] == error and bad["completed_at"] is not None


def test_a_notification_attached_mid_turn(db, projects):
    """Busy when the agent ended, Claude Code attaches the queued notification to the turn
    (no hook fires for it): a killed agent is cancelled as the hook's notification says."""
    t = Transcript(projects, "7e6d5c4b-sess-0031")
    t.prompt("Migrate in the background, then keep going")
    t.task("toolu_k1", "Agent", run_in_background=True)
    t.tool_result(
        "toolu_k1",
        "Async agent launched successfully.",
        {"isAsync": True, "status": "async_launched", "agentId": "k9k9k9"},
    )
    note = notification("k9k9k9", "toolu_k1", "killed", "", subagent_tokens=640, tool_uses=2)
    attachment = {"type": "queued_command", "prompt": note, "commandMode": "task-notification"}
    told_at = t.line("attachment", None, attachment=attachment)["timestamp"]
    t.say("The migration agent was stopped.")
    t.write()
    run(db, projects)
    killed = nodes(db)["toolu_k1"]
    assert (killed["status"], killed["outcome"]) == ("cancelled", "unknown")
    assert (killed["error_type"], killed["token_count"]) == ("killed", 640)
    assert killed["error_message"] == 'Agent "Find API endpoints" killed'
    assert killed["completed_at"] == told_at


def forked(projects: Path) -> None:
    """A session, and a fork of it: the fork's transcript copies the first one's turn (the
    same tool_use_ids, under its own session id), then runs one execution of its own."""
    for session in ("5f0c1d2e-sess-orig", "5f0c1d2e-sess-fork"):
        t = Transcript(projects, session=session)
        t.prompt("Map the routes")
        t.task("toolu_01Shared", description="Map routes", prompt="Map every route")
        t.done("toolu_01Shared", "Mapped 14 routes in src/routes; all of them are documented.")
        if session.endswith("fork"):
            t.prompt("Now check the docs")
            t.task("toolu_02Own", description="Check docs", prompt="Check the docs")
            t.done("toolu_02Own", "The docs cover every route; nothing is missing.")
        t.write()


@pytest.mark.parametrize("together", [True, False], ids=["one-run", "fork-later"])
def test_a_forked_session_records_each_execution_once(db, projects, together):
    forked(projects)
    files = sorted((projects / "-home-u-shop").glob("*.jsonl"))  # fork, then orig
    runs = [files] if together else [[files[1]], [files[0]]]  # orig first when apart
    reports = [run_cli("backfill", "--db", str(db), *map(str, paths)) for paths in runs]
    for report in reports:
        assert report.returncode == 0, report.stderr
        assert "Warning" not in report.stderr
    assert {t: n["session_id"][-4:] for t, n in nodes(db).items()} == {
        "toolu_01Shared": "fork" if together else "orig",  # whichever file was read first
        "toolu_02Own": "fork",
    }
    assert sum(int(r.stdout.split(" new;")[0].rsplit(" ", 1)[1]) for r in reports) == 2
    assert not (db.parent / "agent-runs-dead-letters.ndjson").exists()


def test_backfill_says_when_events_went_to_the_dead_letters(db, projects, tmp_path):
    two_turns(projects)
    inject = tmp_path / "inject"
    inject.mkdir()
    (inject / "sitecustomize.py").write_text(
        "import recorder.derive.store as store\n"
        "recorded = store.apply\n"
        "def apply(conn, event):\n"
        "    if event.get('tool_use_id') == 'toolu_04Task' and event['event'] == 'PostToolUse':\n"
        "        raise RuntimeError('injected store fault')\n"
        "    return recorded(conn, event)\n"
        "store.apply = apply\n"
    )
    result = run_cli("backfill", "--db", str(db), str(projects), env={"PYTHONPATH": str(inject)})
    assert result.returncode == 0, result.stderr
    assert "Warning: 1 event could not be recorded and wait in the dead letters" in result.stderr
    dead = (db.parent / "agent-runs-dead-letters.ndjson").read_text()
    assert "injected store fault" in dead and "toolu_04Task" in dead
    again = run_cli("backfill", "--db", str(db), str(projects))  # nothing new fails
    assert "Warning" not in again.stderr
