"""Shared fixtures: real databases in tmp_path and the real hook run as a subprocess."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
HOOK = str(BIN / "agent-runs-hook")
CLI = str(BIN / "agent-runs")


def run_hook(
    db: Path | str, stdin: bytes | str | dict, env: dict | None = None, timeout: float = 60
) -> subprocess.CompletedProcess:
    """Run ``agent-runs-hook --db DB`` with ``stdin`` (a dict is sent as JSON)."""
    if isinstance(stdin, dict):
        stdin = json.dumps(stdin)
    if isinstance(stdin, str):
        stdin = stdin.encode("utf-8")
    return subprocess.run(
        [HOOK, "--db", str(db)],
        input=stdin,
        capture_output=True,
        timeout=timeout,
        env=dict(os.environ, **(env or {})),
    )


def run_cli(
    *args: str, env: dict | None = None, stdin: bytes | None = None, cwd: Path | str | None = None
) -> subprocess.CompletedProcess:
    """Run the ``agent-runs`` command line."""
    return subprocess.run(
        [CLI, *args],
        capture_output=True,
        text=stdin is None,
        input=stdin,
        timeout=300,
        env=dict(os.environ, **(env or {})),
        cwd=cwd,
    )


def sync(db: Path | str) -> None:
    """Derive the kept events waiting in ``db`` (what `agent-runs sync` does), if any."""
    if not os.path.exists(db):
        return
    from recorder.derive import sync as derive
    from recorder.hook import database

    try:
        conn = database.connect(str(db), migrate=False)
    except sqlite3.Error:
        return
    try:
        if conn.execute(TABLE_EXISTS, ("kept_events",)).fetchone():
            derive.sync(conn, str(db))
    except sqlite3.Error:
        pass  # a read-only, locked or broken file: read what is there
    finally:
        conn.close()


def upgrade(db: Path | str) -> None:
    """What the hook's worker does for a file of an older schema (an ELF one): migrate it
    and keep the events the hook spooled meanwhile, done here (with whichever worker took
    part finished), so a test reads the tables as of the hook's event."""
    from recorder.derive import worker
    from recorder.hook import database
    from recorder.schema import version

    if not os.path.exists(db):
        return
    try:
        conn = sqlite3.connect(db)
        try:
            behind = conn.execute("PRAGMA user_version").fetchone()[0] < version.LATEST
        finally:
            conn.close()
        if not behind:
            return
        conn = database.connect(str(db))
    except sqlite3.Error:
        return  # locked, damaged or no database: the test looks at that
    try:
        worker.keep_spooled(conn, str(db))
    finally:
        conn.close()
    settle(db)


def settle(db: Path | str, seconds: float = 30) -> None:
    """Wait until no derivation worker runs for ``db`` (it derives, lingers, exits)."""
    import time

    from recorder.hook import deriver

    deadline = time.monotonic() + seconds
    while deriver.running(str(db)) and time.monotonic() < deadline:
        time.sleep(0.05)


TABLE_EXISTS = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"


def query(db: Path | str, sql: str, params: tuple = ()) -> list[dict]:
    """Rows of ``sql`` on ``db``, after deriving what the hook kept (see ``sync``)."""
    sync(db)
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def is_elf_time(value: str | None) -> bool:
    """ELF's own timestamp format (SQLite's CURRENT_TIMESTAMP, UTC), kept in its columns."""
    return bool(value) and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", value) is not None


def event(name: str, session: str = "sess-1", **fields) -> dict:
    """A hook payload as Claude Code sends it."""
    payload = {
        "session_id": session,
        "transcript_path": f"/home/u/.claude/projects/-home-u-proj/{session}.jsonl",
        "cwd": "/home/u/proj",
        "permission_mode": "default",
        "hook_event_name": name,
    }
    payload.update(fields)
    return payload


def task_input(
    description: str = "Find API endpoints",
    prompt: str = "List every endpoint",
    subagent_type: str = "Explore",
    **extra,
) -> dict:
    return dict(description=description, prompt=prompt, subagent_type=subagent_type, **extra)


def pre(tool_use_id: str, tool: str = "Task", session: str = "sess-1", **fields) -> dict:
    fields.setdefault("tool_input", task_input())
    return event("PreToolUse", session, tool_name=tool, tool_use_id=tool_use_id, **fields)


def file_touch(phase: str, tool: str, tool_use_id: str, path: str, agent: str | None, **fields):
    """A file tool's Pre/PostToolUse as Claude Code sends it from inside a subagent."""
    key = "notebook_path" if tool == "NotebookEdit" else "file_path"
    payload = event(
        phase,
        tool_name=tool,
        tool_use_id=tool_use_id,
        tool_input={key: path, "old_string": "a", "new_string": "b"},
        **fields,
    )
    if phase == "PostToolUse":
        payload["tool_response"] = {"file": {"filePath": path, "content": "SECRET-ish body"}}
    if agent is not None:
        payload.update(agent_id=agent, agent_type="general-purpose")
    return payload


def completed_response(text: str, agent_id: str) -> dict:
    """A foreground subagent's tool_response (toolUseResult in transcripts)."""
    return {
        "status": "completed",
        "agentId": agent_id,
        "content": [{"type": "text", "text": text}],
        "totalDurationMs": 48211,
        "totalTokens": 12450,
        "totalToolUseCount": 7,
        "usage": {
            "input_tokens": 8320,
            "output_tokens": 610,
            "cache_creation_input_tokens": 1200,
            "cache_read_input_tokens": 2320,
        },
    }


def post(
    tool_use_id: str,
    text: str = "Found 12 endpoints.",
    tool: str = "Task",
    session: str = "sess-1",
    response: object = None,
    **fields,
) -> dict:
    fields.setdefault("tool_input", task_input())
    if response is None:
        response = completed_response(text, f"agent-{tool_use_id}")
    return event(
        "PostToolUse",
        session,
        tool_name=tool,
        tool_use_id=tool_use_id,
        tool_response=response,
        **fields,
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A database path in its own directory (the hook creates the file)."""
    return tmp_path / "memory" / "index.db"


@pytest.fixture
def hook(db: Path):
    """Send one payload through the real hook; assert its promises; return the result.

    What the hook kept is derived before returning (as its worker would within moments),
    so a test reads the tables as of this event.
    """

    def send(payload: bytes | str | dict, env: dict | None = None):
        result = run_hook(db, payload, env)
        assert result.returncode == 0, result.stderr
        assert result.stdout == b""
        upgrade(db)
        sync(db)
        return result

    return send


def unprivileged(command: list[str]) -> list[str]:
    """Run as nobody so file permissions apply even when the tests run as root."""
    if os.geteuid() != 0:
        return command
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv is needed to drop root")
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", *command]


@pytest.fixture
def open_tmp():
    """A temporary directory every user can enter (pytest's own is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="agent-runs-test-"))
    path.chmod(0o755)
    yield path
    for sub in path.rglob("*"):
        if sub.is_dir():
            sub.chmod(0o755)
    shutil.rmtree(path)
