"""A writer holds the database's exclusive lock past the hook's budget: nothing lost, nothing twice.

The lock is held by a separate process that releases it only when the test says so, after it
has seen every hook exit: the hooks returned while the lock was held (shown by order, not by
a clock). Their events wait in the spool; after the release the next hook, or separately
``agent-runs replay``, ingests them all, and ingesting the same events again changes nothing.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest
from conftest import HOOK, event, post, pre, query, run_cli, run_hook
from test_hook_resilience import tool_use_ids

BUDGET = {"AGENT_RUNS_HOOK_TIMEOUT": "0.5"}
WAVES = 3
PER_WAVE = 4
HOLD_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
print("released", flush=True)
"""


def lock_holder(db) -> subprocess.Popen:
    """A process holding ``db``'s exclusive lock until it reads a line on its stdin."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline() == "locked\n"
    return holder


def whole_tables(db) -> dict[str, list[dict]]:
    return {
        table: query(db, f"SELECT * FROM {table} ORDER BY 1")
        for table in ("sessions", "workflow_runs", "node_executions", "subagents")
    }


def spooled_lines(db) -> list[str]:
    return [
        line
        for path in sorted(db.parent.glob("agent-runs-spool*"))
        for line in path.read_text().splitlines()
    ]


def hooks_at_once(db, payloads: list[dict]) -> list[subprocess.CompletedProcess]:
    """Start one hook per payload together; wait (bounded) for every one to exit."""
    env = dict(os.environ, **BUDGET)
    processes = [
        subprocess.Popen(
            [HOOK, "--db", str(db)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        for _ in payloads
    ]
    results = []
    for process, payload in zip(processes, payloads, strict=True):
        out, err = process.communicate(json.dumps(payload).encode(), timeout=60)
        results.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return results


@pytest.mark.parametrize("drain", ["next hook", "agent-runs replay"])
def test_hooks_spool_under_a_held_lock_and_all_is_ingested_once(db, hook, drain, monkeypatch):
    monkeypatch.setenv("AGENT_RUNS_DERIVE", "off")  # no worker takes the spool before `drain`
    hook(pre("toolu_before"))
    holder = lock_holder(db)
    try:
        waves = [
            [
                (pre if i % 2 else post)(f"toolu_locked_{wave}_{i}", session=f"sess-{i % 2}")
                for i in range(PER_WAVE)
            ]
            for wave in range(WAVES)
        ]
        # Later waves find the earlier waves' spool and try (and fail) to replay it too.
        results = [r for payloads in waves for r in hooks_at_once(db, payloads)]
        assert holder.poll() is None  # every hook has exited; the lock is still held
        assert [(r.returncode, r.stdout) for r in results] == [(0, b"")] * len(results)
        assert all(b"spooled" in r.stderr for r in results)
        assert tool_use_ids(db) == ["toolu_before"]
        spooled = spooled_lines(db)
        sent = [p["tool_use_id"] for payloads in waves for p in payloads]
        assert sorted(json.loads(line)["tool_use_id"] for line in spooled) == sorted(sent)
    finally:
        holder.communicate("release\n", timeout=60)
    assert holder.returncode == 0

    if drain == "next hook":
        hook(pre("toolu_after"))
        sent.append("toolu_after")
    else:
        result = run_cli("replay", "--db", str(db))
        assert f"{len(spooled)} recorded" in result.stdout, result.stderr
    assert tool_use_ids(db) == sorted(["toolu_before", *sent])  # each once (unique per row)
    assert spooled_lines(db) == []
    kept_times = {json.loads(line)["_agent_runs"]["received_at"] for line in spooled}
    recorded = query(
        db, "SELECT updated_at FROM node_executions WHERE tool_use_id LIKE 'toolu_locked%'"
    )
    assert {r["updated_at"] for r in recorded} <= kept_times  # written with the receipt time

    # Ingesting the same events again (a second delivery) changes nothing.
    before = whole_tables(db)
    (db.parent / "agent-runs-spool.ndjson").write_text("".join(line + "\n" for line in spooled))
    again = run_cli("replay", "--db", str(db))
    assert f"{len(spooled)} recorded" in again.stdout, again.stderr
    assert whole_tables(db) == before
    assert query(db, "PRAGMA integrity_check") == [{"integrity_check": "ok"}]


def kept_in_order(db) -> list[tuple[str, str | None]]:
    """(hook event, tool_use_id) of every kept event, in the order derivation applies them."""
    from recorder.derive.compaction import Reader

    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT id, event, block_id FROM kept_events ORDER BY id").fetchall()
        payloads = [Reader(conn).payload(*row) for row in rows]
    finally:
        conn.close()
    return [(p["hook_event_name"], p.get("tool_use_id")) for p in payloads]


@pytest.mark.parametrize("drain", ["next hook", "agent-runs replay"])
def test_events_spooled_under_a_lock_are_kept_in_the_order_they_came(db, hook, drain, monkeypatch):
    """Each hook under the lock finds the spool, claims it, fails and lets it go (so the
    claimed files are taken over and renamed again and again) and spools its own event in
    a new queue: the replay still keeps them oldest first, so the turn and the session end
    after the subagent, and the run is completed, not left running."""
    monkeypatch.setenv("AGENT_RUNS_DERIVE", "off")  # no worker takes the spool before `drain`
    hook(event("SessionStart", source="startup"))
    story = [
        event("UserPromptSubmit", prompt="Review the checkout"),
        pre("toolu_ordered"),
        event("SubagentStart", agent_id="agent-toolu_ordered", agent_type="Explore"),
        post("toolu_ordered"),
        event("Stop"),
        event("SessionEnd", reason="logout"),
    ]
    holder = lock_holder(db)
    try:
        for payload in story:  # one after another: the order they came is known
            result = run_hook(db, payload, dict(os.environ, **BUDGET))
            assert (result.returncode, result.stdout) == (0, b"")
            assert b"spooled" in result.stderr
        assert len(list(db.parent.glob("agent-runs-spool*.claimed"))) > 1
    finally:
        holder.communicate("release\n", timeout=60)

    if drain == "next hook":
        story.append(pre("toolu_after", session="sess-2"))
        hook(story[-1])
    else:
        assert f"{len(story)} recorded" in run_cli("replay", "--db", str(db)).stdout
    sent = [(p["hook_event_name"], p.get("tool_use_id")) for p in story]
    assert kept_in_order(db)[1:] == sent
    assert spooled_lines(db) == []
    [run] = query(db, "SELECT status, completed_at FROM workflow_runs WHERE session_id = 'sess-1'")
    assert run["status"] == "completed" and run["completed_at"]
    [node] = query(db, "SELECT status FROM node_executions WHERE tool_use_id = 'toolu_ordered'")
    assert node["status"] == "completed"


def test_a_hook_queues_its_event_behind_a_spool_longer_than_its_batch(db, monkeypatch):
    """A hook keeps one batch of a long spool (its time is Claude Code's) and puts its own
    event behind the rest, which stays in its place in the order: nothing overtakes."""
    from recorder.hook import handle, keep

    monkeypatch.setenv("AGENT_RUNS_DERIVE", "off")
    waiting = [pre(f"toolu_spooled_{i:03d}") for i in range(handle.REPLAY_BATCH + 30)]
    db.parent.mkdir(parents=True)
    (db.parent / "agent-runs-spool.ndjson").write_text(
        "".join(json.dumps(keep.stamp(p)) + "\n" for p in waiting)
    )
    result = run_hook(db, pre("toolu_own"))
    assert (result.returncode, result.stdout) == (0, b"")
    ids = [tool_use_id for _, tool_use_id in kept_in_order(db)]
    assert ids == [p["tool_use_id"] for p in waiting[: handle.REPLAY_BATCH]]
    assert len(spooled_lines(db)) == 31
    assert run_cli("replay", "--db", str(db)).returncode == 0
    ids = [tool_use_id for _, tool_use_id in kept_in_order(db)]
    assert ids == [p["tool_use_id"] for p in waiting] + ["toolu_own"]
