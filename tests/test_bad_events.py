"""One bad event never stops the others (issue 15, items 1 and 2)."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

from conftest import event, post, pre, query, run_cli, run_hook, sync

SPOOL = "agent-runs-spool.ndjson"
DEAD = "agent-runs-dead-letters.ndjson"


def lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def nodes(db: Path) -> dict[str, dict]:
    return {r["tool_use_id"]: r for r in query(db, "SELECT * FROM node_executions")}


def huge_tokens(tool_use_id: str) -> dict:
    payload = post(tool_use_id, prompt_id="p-1")
    payload["tool_response"]["totalTokens"] = 2**62 + 1
    payload["tool_response"]["usage"]["input_tokens"] = 2**62 + 1
    return payload


def test_tokens_beyond_any_real_count_are_unknown_and_recording_goes_on(db, hook):
    hook(event("UserPromptSubmit", prompt="go", prompt_id="p-1"))
    hook(huge_tokens("toolu_big1"))
    hook(huge_tokens("toolu_big2"))
    hook(post("toolu_after", prompt_id="p-1"))
    found = nodes(db)
    assert set(found) == {"toolu_big1", "toolu_big2", "toolu_after"}
    assert found["toolu_big1"]["token_count"] is None
    assert found["toolu_big1"]["input_tokens"] is None
    assert found["toolu_after"]["status"] == "completed"
    assert not (db.parent / SPOOL).exists() and not (db.parent / DEAD).exists()


def test_an_integer_overflow_is_the_events_fault_not_an_unwritable_database(db, hook):
    hook(event("UserPromptSubmit", prompt="go", prompt_id="p-1"))
    hook(post("toolu_old", prompt_id="p-1"))
    # a row written by an older version, before counts were clamped
    sync(db)
    conn = sqlite3.connect(db)
    conn.execute("UPDATE node_executions SET token_count = ?", (2**63 - 10,))
    conn.commit()
    conn.close()
    result = hook(post("toolu_overflow", prompt_id="p-1"))
    assert result.stderr == b""  # the hook kept it; deriving it overflows
    sync(db)
    assert not (db.parent / SPOOL).exists()
    (letter,) = lines(db.parent / DEAD)
    assert "integer overflow" in letter["error"]
    assert letter["payload"]["_agent_runs"]["kept_id"] == 3  # derived again by replay
    hook(post("toolu_next", session="sess-2"))  # another run: recorded at once
    assert "toolu_next" in nodes(db)
    replayed = run_cli("replay", "--db", str(db))
    assert replayed.returncode == 0, replayed.stderr
    assert "1 still failing" in replayed.stdout
    assert run_cli("replay", "--strict", "--db", str(db)).returncode == 1


def test_deep_nesting_never_breaks_replay(db, hook):
    for levels in (900, 990, 1_000, 5_000):
        hook(nested_text(levels))
    hook(pre("toolu_plain"))
    replayed = run_cli("replay", "--db", str(db))
    assert replayed.returncode == 0, replayed.stderr
    assert "Traceback" not in replayed.stderr
    assert "toolu_plain" in nodes(db)
    assert run_cli("replay", "--db", str(db)).returncode == 0  # and again


def nested_text(levels: int) -> str:
    """A PreToolUse whose tool_input holds ``levels`` nested objects (built as text)."""
    head = json.dumps(pre(f"toolu_deep{levels}"))[:-1]
    return head + ', "extra": ' + '{"x": ' * levels + '"leaf"' + "}" * levels + "}"


def test_the_receipt_time_is_always_the_recorders_own(db, hook):
    for i, forged in enumerate(["9999-12-31T23:59:59.999Z", "garbage", "1900-01-01T00:00:00Z"]):
        payload = post(f"toolu_t{i}", _agent_runs={"received_at": forged})
        hook(payload)
    for node in nodes(db).values():
        for column in ("created_at", "completed_at", "started_at"):
            assert node[column].startswith(("2026", "2027", "2025")), (column, node[column])
    runs = query(db, "SELECT started_at, completed_at FROM workflow_runs")
    assert all(r["started_at"][:2] == "20" for r in runs)


def test_a_duration_of_decades_is_unknown_and_no_start_is_derived_from_it(db, hook):
    payload = post("toolu_long")
    payload["tool_response"]["totalDurationMs"] = 1.8e12
    hook(payload)
    node = nodes(db)["toolu_long"]
    assert node["duration_ms"] in (None, 0)
    assert node["started_at"] is None or node["started_at"][:2] == "20"


def test_a_payload_starting_with_a_byte_order_mark_is_recorded(db, hook):
    hook(b"\xef\xbb\xbf" + json.dumps(post("toolu_bom")).encode())
    assert "toolu_bom" in nodes(db)
    assert not (db.parent / DEAD).exists()


def test_a_bom_dead_letter_from_before_replays(db, hook):
    db.parent.mkdir(parents=True)
    raw = "\ufeff" + json.dumps(post("toolu_oldbom"))
    letter = {"failed_at": "2026-01-01T00:00:00Z", "error": "malformed JSON", "raw": raw}
    (db.parent / DEAD).write_text(json.dumps(letter) + "\n")
    assert "1 recorded" in run_cli("replay", "--db", str(db)).stdout


def test_a_tool_use_id_reused_by_another_session_never_moves_the_first_node(db, hook):
    hook(pre("toolu_shared", session="sess-a"))
    hook(post("toolu_shared", session="sess-a"))
    hook(post("toolu_shared", session="sess-b", text="hijacked"))
    node = nodes(db)["toolu_shared"]
    assert node["session_id"] == "sess-a"
    assert "hijacked" not in (node["result_text"] or "")
    (letter,) = lines(db.parent / DEAD)
    assert "another session" in letter["error"]


def test_a_fallback_folder_of_someone_else_is_never_read(db, hook, tmp_path):
    """A planted spool in a shared temporary folder that is not ours is ignored."""
    temp = tmp_path / "tmp"
    name = str(db).strip(os.sep).replace(os.sep, "_")
    planted = temp / f"agent-runs-{os.getuid()}" / name
    planted.mkdir(parents=True)
    planted.chmod(0o777)  # writable by every user: not ours
    planted.parent.chmod(0o777)
    (planted / SPOOL).write_text(json.dumps(post("toolu_planted")) + "\n")
    env = {"TMPDIR": str(temp), "XDG_STATE_HOME": str(tmp_path / "state")}
    hook(post("toolu_mine"), env=env)
    assert set(nodes(db)) == {"toolu_mine"}
    replayed = run_cli("replay", "--db", str(db), env=env)
    assert "0 recorded" in replayed.stdout and set(nodes(db)) == {"toolu_mine"}
    assert (planted / SPOOL).exists()


def test_a_fallback_folder_not_ours_is_refused_for_writing(tmp_path):
    """Writing goes past a planted fallback folder to the next place, and says so."""
    db = tmp_path / "ro" / "memory" / "index.db"
    db.parent.mkdir(parents=True)
    db.parent.chmod(0o500)
    state = tmp_path / "state"
    name = str(db).strip(os.sep).replace(os.sep, "_")
    planted = state / "agent-runs" / name
    planted.mkdir(parents=True)
    planted.parent.chmod(0o777)
    env = dict(os.environ, XDG_STATE_HOME=str(state), TMPDIR=str(tmp_path / "tmp"))
    if os.geteuid() == 0:  # root writes anywhere: make the database's folder a file's child
        db = tmp_path / "file" / "index.db"
        (tmp_path / "file").write_text("not a folder")
        name = str(db).strip(os.sep).replace(os.sep, "_")
        planted = state / "agent-runs" / name
        planted.mkdir(parents=True)
    result = run_hook(db, post("toolu_refused"), env=env)
    assert result.returncode == 0 and result.stdout == b""
    assert not list(planted.iterdir())
    mine = tmp_path / "tmp" / f"agent-runs-{os.getuid()}" / name
    assert [p["tool_use_id"] for p in lines(mine / SPOOL)] == ["toolu_refused"]
    assert oct(mine.stat().st_mode & 0o777) == "0o700"
    assert oct((mine / SPOOL).stat().st_mode & 0o777) == "0o600"
    assert b"not ours" in result.stderr


GITLAB = "glpat-" + "Xq7Lm2Nv9Rt4Kw8Zb3Ps"


def test_the_dead_letter_of_an_unimportable_recorder_is_redacted(db, hook, tmp_path):
    """Even with the core redaction module broken too, the dead letter keeps no secret."""
    for broken in (["recorder.hook.events"], ["recorder.hook.events", "recorder.redaction.engine"]):
        inject = tmp_path / "-".join(broken)
        inject.mkdir()
        lines_ = [f"sys.modules[{name!r}] = None" for name in broken]
        (inject / "sitecustomize.py").write_text("import sys\n" + "\n".join(lines_) + "\n")
        payload = post("toolu_secret", text=f"deploy with {GITLAB} now")
        result = hook(payload, env={"PYTHONPATH": str(inject)})
        assert b"hook failed before recording" in result.stderr
    letters = lines(db.parent / DEAD)
    assert len(letters) == 2
    for letter in letters:
        assert GITLAB[6:18] not in letter["raw"] and "[REDACTED:gitlab-token]" in letter["raw"]
    assert json.loads(letters[0]["raw"])["tool_use_id"] == "toolu_secret"
