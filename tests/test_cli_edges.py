"""The command line's edges: reused demo, serve's URL, bad --db paths, doctor's hook
command check, discarding dead letters, and --project matching part of the path."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import CLI, HOOK, event, post, query, run_cli, run_hook, unprivileged

from recorder.hook import paths, spool

READERS = (
    ("serve",),
    ("stats",),
    ("export",),
    ("export", "--otlp", "http://127.0.0.1:9/v1/traces"),
    ("replay",),
    ("prune", "--older-than", "30d"),
)
WRITERS = (("init",), ("backfill", "/nonexistent-transcripts"), ("demo", "--days", "1"))


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "index.db"
    done = run_cli("demo", "--db", str(path), "--days", "3")
    assert done.returncode == 0, done.stderr
    return path


def one_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_demo_twice_reuses_the_database(demo_db):
    before = (demo_db.stat().st_mtime_ns, query(demo_db, "SELECT count(*) AS n FROM tasks"))
    again = run_cli("demo", "--db", str(demo_db), "--days", "3")
    assert again.returncode == 0, again.stderr
    assert "reusing" in again.stdout and str(demo_db) in again.stdout
    assert (demo_db.stat().st_mtime_ns, query(demo_db, "SELECT count(*) AS n FROM tasks")) == before


def test_demo_force_rebuilds_and_refuses_a_file_that_is_not_ours(tmp_path):
    other = tmp_path / "notes.db"
    other.write_text("my notes\n")
    line = one_error_line(run_cli("demo", "--db", str(other), "--days", "1"))
    assert str(other) in line and "not a SQLite database" in line
    assert other.read_text() == "my notes\n"
    done = run_cli("demo", "--db", str(other), "--days", "1", "--force")
    assert done.returncode == 0 and query(other, "SELECT count(*) AS n FROM tasks")[0]["n"] > 0


@pytest.mark.parametrize("command", READERS + WRITERS, ids=lambda c: " ".join(c[:2]))
def test_a_file_that_is_not_a_database_is_one_line_naming_it(tmp_path, command):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("this is not a database\n" * 50)
    line = one_error_line(run_cli(*command, "--db", str(bogus)))
    assert str(bogus) in line and "not a SQLite database" in line
    assert bogus.read_text().startswith("this is not a database")


@pytest.mark.parametrize("command", READERS, ids=lambda c: " ".join(c[:2]))
def test_read_only_commands_refuse_a_missing_database(tmp_path, command):
    typo = tmp_path / "indx.db"
    line = one_error_line(run_cli(*command, "--db", str(typo)))
    assert str(typo) in line and "does not exist" in line
    assert not typo.exists()


@pytest.mark.parametrize(
    "command", [("stats",), ("rebuild",), ("sync",), ("export",)], ids=lambda c: c[0]
)
def test_a_damaged_database_is_one_line_naming_it(demo_db, tmp_path, command):
    damaged = tmp_path / "index.db"
    data = bytearray(demo_db.read_bytes())
    data[4096 * 3 : 4096 * 40] = b"\xa5" * (4096 * 37)  # its pages after the schema's
    damaged.write_bytes(bytes(data))
    line = one_error_line(run_cli(*command, "--db", str(damaged)))
    assert line == f"Error: {damaged}: database disk image is malformed"


def test_replay_into_a_missing_database_is_allowed_when_events_wait_beside_it(tmp_path):
    db = tmp_path / "index.db"
    spool.append_line(str(db), paths.SPOOL, {"not": "an event"})
    done = run_cli("replay", "--db", str(db))
    assert "does not exist" not in done.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_prints_the_dashboard_url_and_serves_it(demo_db):
    port = free_port()
    server = subprocess.Popen(
        [CLI, "serve", "--db", str(demo_db), "-p", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        first = server.stdout.readline()
        url = f"http://127.0.0.1:{port}/-/agent-runs"
        assert url in first, first
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as page:
                    assert page.status == 200 and "Agent runs" in page.read().decode()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=10)


def settings_env(tmp_path: Path) -> dict:
    home = tmp_path / "home"
    (home / ".claude").mkdir(parents=True)
    return {"HOME": str(home), "CLAUDE_CONFIG_DIR": str(home / ".claude")}


def rewrite_commands(env: dict, command: str) -> None:
    path = Path(env["CLAUDE_CONFIG_DIR"]) / "settings.json"
    data = json.loads(path.read_text())
    for groups in data["hooks"].values():
        for group in groups:
            for entry in group["hooks"]:
                entry["command"] = command
    path.write_text(json.dumps(data))


def doctor_lines(env: dict, db: Path) -> list[str]:
    done = run_cli("doctor", "--db", str(db), env=env)
    return [line for line in done.stdout.splitlines() if "hook command" in line]


def test_doctor_checks_the_registered_hook_command_runs(tmp_path, demo_db):
    env = settings_env(tmp_path)
    assert run_cli("install-hooks", env=env).returncode == 0
    (line,) = doctor_lines(env, demo_db)
    assert line.startswith("ok    hook command: runs") and HOOK in line

    moved = tmp_path / "old-venv" / "bin" / "agent-runs-hook"
    rewrite_commands(env, str(moved))
    (line,) = doctor_lines(env, demo_db)
    assert line.startswith("FAIL  hook command:") and f"{moved} does not exist" in line

    # The script is still there, but the interpreter on its #! line is gone (venv moved).
    script = tmp_path / "venv-copy" / "agent-runs-hook"
    script.parent.mkdir()
    script.write_text("#!/nowhere/venv/bin/python\nimport sys\n")
    script.chmod(0o755)
    rewrite_commands(env, str(script))
    (line,) = doctor_lines(env, demo_db)
    assert line.startswith("FAIL  hook command:") and "/nowhere/venv/bin/python" in line

    # An interpreter that exists but cannot import the recorder.
    script.write_text("#!/usr/bin/python3 -I\nimport sys\n")
    (line,) = doctor_lines(env, demo_db)
    assert line.startswith("FAIL  hook command:") and "cannot start" in line
    assert "ModuleNotFoundError" in line


def test_replay_discards_dead_letters_keeping_a_copy(tmp_path):
    db = tmp_path / "index.db"
    assert run_cli("init", "--db", str(db)).returncode == 0
    for n in range(3):
        spool.dead_letter(str(db), "TypeError: broken normaliser", ["not", "an", "event", n])
    doctor = run_cli("doctor", "--db", str(db))
    assert "FAIL  dead letters: 3 waiting" in doctor.stdout
    assert "--discard-dead-letters" in doctor.stdout
    retried = run_cli("replay", "--db", str(db))
    assert retried.returncode == 0
    assert "FAIL  dead letters: 3 waiting" in run_cli("doctor", "--db", str(db)).stdout

    done = run_cli("replay", "--db", str(db), "--discard-dead-letters")
    assert done.returncode == 0, done.stderr
    assert "3 dead letter(s) discarded" in done.stdout
    kept = Path(done.stdout.rsplit("kept in ", 1)[1].strip())
    assert kept.parent == db.parent and oct(kept.stat().st_mode & 0o777) == "0o600"
    records = [json.loads(line) for line in kept.read_text().splitlines()]
    assert [r["payload"][3] for r in records] == [0, 1, 2]
    assert "ok    dead letters: 0 waiting" in run_cli("doctor", "--db", str(db)).stdout
    again = run_cli("replay", "--db", str(db), "--discard-dead-letters")
    assert "0 dead letter(s) discarded" in again.stdout
    assert kept.exists() and len(kept.read_text().splitlines()) == 3


def test_doctor_and_replay_name_dead_letters_that_are_no_event(tmp_path):
    """Input that was never a JSON object (a broken pipe, junk) is kept as a dead letter,
    but no replay will ever make it an event: doctor and replay say so, and what to do."""
    db = tmp_path / "index.db"
    env = {"AGENT_RUNS_DERIVE": "off"}
    assert run_hook(db, b"{not json", env=env).returncode == 0
    spool.dead_letter(str(db), "TypeError: a bug since fixed", post("toolu_letter"))
    doctor = run_cli("doctor", "--db", str(db))
    (line,) = [line for line in doctor.stdout.splitlines() if "dead letters:" in line]
    assert line.startswith("FAIL  dead letters: 2 waiting, 1 of them holding no JSON event")
    assert "--discard-dead-letters` sets them aside; `agent-runs replay` retries the rest" in line
    replayed = run_cli("replay", "--db", str(db))
    assert "1 recorded" in replayed.stdout
    assert "1 event(s) still failing: see the dead letters; 1 of them hold no JSON event" in (
        replayed.stderr
    )
    assert [n["tool_use_id"] for n in query(db, "SELECT tool_use_id FROM node_executions")] == [
        "toolu_letter"
    ]
    doctor = run_cli("doctor", "--db", str(db))
    (line,) = [line for line in doctor.stdout.splitlines() if "dead letters:" in line]
    assert line.startswith(
        "FAIL  dead letters: 1 waiting, 1 of them holding no JSON event, which never replays "
        "(`agent-runs replay --discard-dead-letters` sets them aside) ["
    )


@pytest.mark.parametrize("kind", ["nodes", "runs", "sessions"])
def test_export_project_matches_part_of_the_path(demo_db, kind):
    table = {"nodes": "node_executions", "runs": "workflow_runs", "sessions": "sessions"}[kind]
    (part,) = {
        r["project"].rstrip("/").rsplit("/", 1)[-1][:4]
        for r in query(demo_db, f"SELECT project FROM {table} WHERE project IS NOT NULL LIMIT 1")
    }
    done = run_cli("export", "--db", str(demo_db), "--kind", kind, "--format", "ndjson",
                   "--project", part)  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    expected = query(
        demo_db, f"SELECT count(*) AS n FROM {table} WHERE instr(project, ?) > 0", (part,)
    )[0]["n"]
    assert 0 < len(rows) == expected
    assert all(part in row["project"] for row in rows)
    assert os.sep in rows[0]["project"]  # a whole path matched by a part of it


def stats_and_export_unprivileged(db: Path) -> list[subprocess.CompletedProcess]:
    """``stats`` then ``export --format ndjson`` of ``db``, run as nobody."""
    return [
        subprocess.run(
            unprivileged([CLI, *command, "--db", str(db)]),
            capture_output=True,
            text=True,
            timeout=120,
        )
        for command in (["stats"], ["export", "--format", "ndjson"])
    ]


def test_reading_commands_read_a_read_only_database_with_events_waiting(open_tmp):
    """What is derived is shown; the kept events it cannot derive now are named, not lost."""
    memory = open_tmp / "memory"
    memory.mkdir()
    db = memory / "index.db"
    off = {"AGENT_RUNS_DERIVE": "off"}  # no derivation worker: the test says when
    assert run_hook(db, post("toolu_derived"), env=off).returncode == 0
    assert run_cli("sync", "--db", str(db)).returncode == 0
    assert run_hook(db, post("toolu_waiting"), env=off).returncode == 0
    for file in memory.iterdir():
        file.chmod(0o444)
    memory.chmod(0o555)
    try:
        for done in stats_and_export_unprivileged(db):
            assert done.returncode == 0, done.stderr
            assert "1 kept events are not derived yet" in done.stderr
        exported = [json.loads(line)["tool_use_id"] for line in done.stdout.splitlines()]
        assert exported == ["toolu_derived"]
    finally:
        memory.chmod(0o755)
        for file in memory.iterdir():
            file.chmod(0o600)
    assert run_cli("sync", "--db", str(db)).returncode == 0  # writable again: nothing lost
    ids = query(db, "SELECT tool_use_id FROM node_executions ORDER BY id")
    assert [row["tool_use_id"] for row in ids] == ["toolu_derived", "toolu_waiting"]


def test_reading_commands_read_a_closed_database_in_a_read_only_folder(open_tmp):
    """SQLite reads a WAL database through its -shm index file, made by the first reader.
    A closed file (a backup, a read-only mount, another user's) in a folder nobody may
    write has none and none can be made: stats, export and serve read it as immutable."""
    memory = open_tmp / "memory"
    memory.mkdir()
    db = memory / "index.db"
    off = {"AGENT_RUNS_DERIVE": "off"}
    assert run_hook(db, post("toolu_closed"), env=off).returncode == 0
    assert run_cli("sync", "--db", str(db)).returncode == 0
    assert sorted(f.name for f in memory.iterdir()) == ["index.db"]  # no -wal, no -shm
    db.chmod(0o444)
    memory.chmod(0o555)
    port = free_port()
    server = subprocess.Popen(
        unprivileged([CLI, "serve", "--db", str(db), "-p", str(port)]),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for done in stats_and_export_unprivileged(db):
            assert done.returncode == 0 and done.stderr == "", done.stderr
        assert json.loads(done.stdout)["tool_use_id"] == "toolu_closed"
        doctor = subprocess.run(
            unprivileged([CLI, "doctor", "--db", str(db)]),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "ok    derivation: every kept event is derived (1 kept)" in doctor.stdout
        url = f"http://127.0.0.1:{port}/index/node_executions.json?_shape=array"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as page:
                    served = json.loads(page.read())
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise AssertionError(
                        server.stderr.read() if server.poll() else "no answer"
                    ) from None
                time.sleep(0.2)
        assert [row["tool_use_id"] for row in served] == ["toolu_closed"]
    finally:
        server.terminate()
        server.wait(timeout=10)
        memory.chmod(0o755)
        db.chmod(0o600)
    assert sorted(f.name for f in memory.iterdir()) == ["index.db"]  # nothing written there


def derivation_lines(db: Path, env: dict) -> list[str]:
    done = run_cli("doctor", "--db", str(db), env=env)
    return [line for line in done.stdout.splitlines() if "derivation:" in line]


def test_doctor_says_whether_derivation_keeps_up(tmp_path):
    """Events kept but not derived are fine while a worker derives them or for a few
    seconds after they arrive; waiting longer with no worker is a problem doctor names,
    as are a rebuild nobody runs and indexes a stopped load left deferred."""
    from recorder.hook import deriver

    db = tmp_path / "index.db"
    env = dict(settings_env(tmp_path), AGENT_RUNS_DERIVE="off")  # the hook starts no worker
    assert run_cli("init", "--db", str(db), env=env).returncode == 0
    assert run_hook(db, post("toolu_doc1"), env=env).returncode == 0
    (line,) = derivation_lines(db, env)
    assert line.startswith("ok    derivation: 1 kept events just received")

    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE kept_events SET received_at = '2026-01-02T03:04:05.000Z'")
    (line,) = derivation_lines(db, env)
    assert line.startswith("FAIL  derivation: 1 kept events waiting since 2026-01-02T03:04:05")
    assert "AGENT_RUNS_DERIVE=off" in line and "agent-runs sync" in line

    held = deriver.try_lock(str(db))  # as a running worker holds it
    try:
        (line,) = derivation_lines(db, env)
        assert line == "ok    derivation: 1 kept events waiting; a worker is deriving them"
    finally:
        held.close()

    assert run_cli("sync", "--db", str(db), env=env).returncode == 0
    (line,) = derivation_lines(db, env)
    assert line == "ok    derivation: every kept event is derived (1 kept)"

    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE derivation_state SET value = 1 WHERE name = 'rebuild_requested'")
        conn.execute("INSERT INTO deferred_triggers (name, sql) VALUES ('x', 'SELECT 1')")
    rebuild, deferred, derived = derivation_lines(db, env)
    assert rebuild.startswith("FAIL  derivation: a rebuild is asked for")
    assert deferred.startswith("FAIL  derivation: a load that stopped left")
    assert derived.startswith("ok    derivation: every kept event is derived")


def test_doctor_names_events_the_hook_kept_twice(tmp_path):
    """A hook registered twice (say the plugin loaded with --plugin-dir beside install-hooks)
    runs twice for each event: the tables count each once, and doctor says what happened."""
    db = tmp_path / "index.db"
    env = dict(settings_env(tmp_path), AGENT_RUNS_DERIVE="off")
    assert run_cli("init", "--db", str(db), env=env).returncode == 0

    def kept_twice_line() -> str:
        done = run_cli("doctor", "--db", str(db), env=env)
        (line,) = [line for line in done.stdout.splitlines() if "kept twice:" in line]
        return line

    assert kept_twice_line() == "ok    kept twice: none of the 0 hook events among the latest kept"
    start = {"tool_name": "Task", "tool_use_id": "toolu_t1", "tool_input": {"prompt": "p"}}
    for payload in (post("toolu_t0"), event("PreToolUse", **{**start, "tool_use_id": "toolu_t0"})):
        assert run_hook(db, payload, env=env).returncode == 0
    assert kept_twice_line() == "ok    kept twice: none of the 2 hook events among the latest kept"

    for payload in (event("PreToolUse", **start), post("toolu_t1")):
        for _ in range(2):  # the second registration runs right after (with) the first
            assert run_hook(db, payload, env=env).returncode == 0
    line = kept_twice_line()
    assert line.startswith(
        "FAIL  kept twice: 2 of the 6 hook events among the latest kept arrived twice"
    ), line
    assert "--plugin-dir" in line
    nodes = query(db, "SELECT tool_use_id FROM node_executions ORDER BY 1")
    assert [node["tool_use_id"] for node in nodes] == ["toolu_t0", "toolu_t1"]


def test_a_bad_since_reads_the_same_in_every_command(tmp_path):
    db = tmp_path / "index.db"
    assert run_cli("init", "--db", str(db)).returncode == 0
    said = {
        command: one_error_line(run_cli(command, "--db", str(db), "--since", "last tuesday"))
        for command in ("export", "backfill")
    }
    said["doctor --coverage"] = one_error_line(
        run_cli("doctor", "--coverage", "--db", str(db), "--since", "last tuesday")
    )
    assert len(set(said.values())) == 1, said
    assert "'last tuesday' is neither a duration (like 7d, 24h, 90m)" in said["export"]


def test_a_since_in_the_future_is_refused_where_it_would_match_nothing(tmp_path):
    """export, backfill and doctor --coverage would find nothing after a time still to
    come: each says so in one line and exits non-zero (prune keeps its own answer)."""
    db = tmp_path / "index.db"
    assert run_cli("init", "--db", str(db)).returncode == 0
    runs = [
        run_cli(command, "--db", str(db), "--since", "2999-01-01")
        for command in ("export", "backfill")
    ]
    runs.append(run_cli("doctor", "--coverage", "--db", str(db), "--since", "2999-01-01"))
    for done in runs:
        assert done.returncode != 0
        assert one_error_line(done).endswith(
            "--since '2999-01-01' is in the future: nothing is after it"
        )
    assert run_cli("export", "--db", str(db), "--since", "7d").returncode == 0
    pruned = run_cli("prune", "--db", str(db), "--older-than", "2999-01-01")
    assert "is not in the past: it would delete all" in one_error_line(pruned)
