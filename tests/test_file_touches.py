"""Files touched by subagents (install-hooks --files), through the real hook process."""

from __future__ import annotations

import json

import pytest
from conftest import file_touch as touch
from conftest import post, pre, query, task_input


def call(hook, tool: str, tool_use_id: str, path: str, agent: str | None = "a-1", **fields):
    hook(touch("PreToolUse", tool, tool_use_id, path, agent, **fields))
    hook(touch("PostToolUse", tool, tool_use_id, path, agent, **fields))


def node(db, tool_use_id: str) -> dict:
    return query(db, "SELECT * FROM node_executions WHERE tool_use_id = ?", (tool_use_id,))[0]


def touches(db) -> list[dict]:
    return query(db, "SELECT * FROM file_touches ORDER BY id")


def test_touches_before_the_node_knows_its_agent_are_linked_later(db, hook):
    hook(pre("toolu_task"))
    call(hook, "Read", "toolu_r1", "/home/u/proj/app.py")
    call(hook, "Edit", "toolu_e1", "/home/u/proj/app.py")
    call(hook, "Write", "toolu_w1", "/home/u/proj/new.py")
    call(hook, "NotebookEdit", "toolu_n1", "/home/u/proj/nb.ipynb")
    assert {t["node_id"] for t in touches(db)} == {None}
    hook(post("toolu_task", response={"status": "completed", "agentId": "a-1", "content": "ok"}))
    n = node(db, "toolu_task")
    rows = touches(db)
    assert [(r["tool_name"], r["access"]) for r in rows] == [
        ("Read", "read"),
        ("Edit", "write"),
        ("Write", "write"),
        ("NotebookEdit", "write"),
    ]
    assert {(r["node_id"], r["run_id"], r["session_id"]) for r in rows} == {
        (n["id"], n["run_id"], "sess-1")
    }
    assert rows[0]["touched_at"] < rows[0]["completed_at"]  # Pre and Post merged
    assert json.loads(n["files_modified"]) == [
        "/home/u/proj/app.py",
        "/home/u/proj/nb.ipynb",
        "/home/u/proj/new.py",
    ]


def test_touches_after_the_launch_are_linked_at_once(db, hook):
    hook(pre("toolu_bg", tool="Agent", tool_input=task_input(run_in_background=True)))
    launch = {"isAsync": True, "status": "async_launched", "agentId": "a-bg"}
    hook(post("toolu_bg", tool="Agent", response=launch))
    call(hook, "MultiEdit", "toolu_m1", "/home/u/proj/a.py", agent="a-bg")
    n = node(db, "toolu_bg")
    assert touches(db)[0]["node_id"] == n["id"]
    assert json.loads(n["files_modified"]) == ["/home/u/proj/a.py"]
    call(hook, "Read", "toolu_r2", "/home/u/proj/b.py", agent="a-bg")
    call(hook, "Edit", "toolu_e2", "/home/u/proj/b.py", agent="a-bg")
    assert json.loads(node(db, "toolu_bg")["files_modified"]) == [
        "/home/u/proj/a.py",
        "/home/u/proj/b.py",
    ]


def test_a_write_that_never_completed_is_not_a_modified_file(db, hook):
    hook(post("toolu_t", response={"status": "completed", "agentId": "a-1", "content": "ok"}))
    hook(touch("PreToolUse", "Edit", "toolu_denied", "/home/u/proj/x.py", "a-1"))
    assert touches(db)[0]["completed_at"] is None
    assert json.loads(node(db, "toolu_t")["files_modified"]) == []


def test_replayed_touches_stay_one_row(db, hook):
    call(hook, "Edit", "toolu_e", "/home/u/proj/app.py")
    first = touches(db)
    call(hook, "Edit", "toolu_e", "/home/u/proj/app.py")
    assert touches(db) == first


def test_same_agent_id_in_another_session_is_not_linked(db, hook):
    call(hook, "Edit", "toolu_other", "/x.py", session="sess-2")
    hook(post("toolu_t", response={"status": "completed", "agentId": "a-1", "content": "ok"}))
    (row,) = touches(db)
    assert row["session_id"] == "sess-2" and row["node_id"] is None


@pytest.mark.parametrize("tool", ["Read", "Edit", "Write", "Bash", "Grep"])
def test_main_agent_and_other_tools_never_reach_the_database(db, hook, tool):
    hook(touch("PreToolUse", tool, "toolu_main", "/home/u/proj/app.py", agent=None))
    hook(touch("PostToolUse", tool, "toolu_main", "/home/u/proj/app.py", agent=None))
    if tool in ("Bash", "Grep"):  # another tool, even inside a subagent
        hook(touch("PostToolUse", tool, "toolu_sub", "/home/u/proj/app.py", agent="a-1"))
    assert not db.exists()


def test_file_content_is_never_stored(db, hook):
    call(hook, "Read", "toolu_r", "/home/u/proj/app.py")
    # The WAL first: the worker's last connection may checkpoint it into the database and
    # delete it at any moment, and then what it held is in the file read after it.
    wal = db.parent / (db.name + "-wal")
    try:
        conn_text = wal.read_bytes()
    except FileNotFoundError:
        conn_text = b""
    conn_text += db.read_bytes()
    assert b"SECRET-ish body" not in conn_text and b"old_string" not in conn_text
