"""The command line, run as a user runs it."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys

import pytest
from conftest import CLI, HOOK, post, query, run_cli, run_hook


def test_install_hooks_registers_every_event_with_the_absolute_hook(tmp_path):
    home = tmp_path / "home"
    (home / ".claude").mkdir(parents=True)
    settings = home / ".claude" / "settings.json"
    settings.write_text(
        json.dumps(
            {
                "hooks": {
                    "PreToolUse": [
                        {
                            "matcher": "Bash",
                            "hooks": [{"type": "command", "command": "/usr/bin/audit"}],
                        }
                    ]
                },
                "permissions": {"allow": ["Bash(ls)"]},
            }
        )
    )
    env = {"HOME": str(home), "CLAUDE_CONFIG_DIR": str(home / ".claude")}
    dry = run_cli("install-hooks", "--dry-run", env=env)
    assert dry.returncode == 0 and "+" in dry.stdout and "agent-runs-hook" in dry.stdout
    assert "agent-runs-hook" not in settings.read_text()
    done = run_cli("install-hooks", env=env)
    assert done.returncode == 0
    (said,) = [line for line in done.stdout.splitlines() if "updated" in line]
    assert said.endswith("updated (+11 -0 hooks)") and "+++" not in done.stdout  # no diff
    data = json.loads(settings.read_text())
    assert data["permissions"] == {"allow": ["Bash(ls)"]}
    commands = {
        e: [h["command"] for g in groups for h in g["hooks"]] for e, groups in data["hooks"].items()
    }
    assert "/usr/bin/audit" in commands["PreToolUse"]
    for name in (
        "SessionStart",
        "SessionEnd",
        "UserPromptSubmit",
        "PreToolUse",
        "PostToolUse",
        "PostToolUseFailure",
        "SubagentStart",
        "SubagentStop",
        "Stop",
    ):
        assert HOOK in commands[name], name
    again = run_cli("install-hooks", env=env)
    assert "already up to date" in again.stdout
    doctor = run_cli("doctor", "--db", str(tmp_path / "x.db"), env=env)
    assert "hooks: installed for every event" in doctor.stdout
    moved = run_cli("install-hooks", "--db", str(tmp_path / "moved.db"), env=env)
    assert moved.returncode == 0 and "(+0 -0 hooks, 11 rewritten)" in moved.stdout
    assert run_cli("install-hooks", "--uninstall", env=env).returncode == 0
    assert "agent-runs-hook" not in settings.read_text()
    nothing = run_cli("install-hooks", "--uninstall", env=env)
    assert nothing.returncode == 0 and "no agent-runs hook to remove" in nothing.stdout


def test_broken_settings_is_one_clear_line(tmp_path):
    home = tmp_path / "home"
    (home / ".claude").mkdir(parents=True)
    (home / ".claude" / "settings.json").write_text('{"hooks": {')
    result = run_cli(
        "install-hooks", env={"HOME": str(home), "CLAUDE_CONFIG_DIR": str(home / ".claude")}
    )
    assert result.returncode == 1
    assert "not valid JSON" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_doctor_from_the_home_folder_names_a_broken_settings_file_once(tmp_path):
    home = tmp_path / "home"
    (home / ".claude").mkdir(parents=True)
    (home / ".claude" / "settings.json").write_text('{"hooks": {')
    env = {"HOME": str(home), "CLAUDE_CONFIG_DIR": str(home / ".claude")}
    doctor = run_cli("doctor", "--db", str(tmp_path / "x.db"), env=env, cwd=home)
    hooks = [line for line in doctor.stdout.splitlines() if "hooks:" in line and "JSON" in line]
    assert len(hooks) == 1 and hooks[0].count("not valid JSON") == 1, doctor.stdout
    assert "left untouched" not in hooks[0]  # doctor only reads it


def test_output_into_a_closed_pipe_is_not_an_error(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ, HOME=str(home), CLAUDE_CONFIG_DIR=str(home / ".claude"))
    proc = subprocess.Popen(
        [CLI, "install-hooks", "--dry-run"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    proc.stdout.close()  # the reader is gone before anything is written (`| head -0`)
    stderr = proc.stderr.read().decode()
    assert proc.wait() == 0 and stderr == ""
    # doctor's exit code still says what it found (no hooks here): `doctor | head` in a script
    doctor = subprocess.Popen(
        [CLI, "doctor", "--db", str(tmp_path / "index.db")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    doctor.stdout.close()
    stderr = doctor.stderr.read().decode()
    assert doctor.wait() == 1 and "Traceback" not in stderr


def test_init_stats_and_default_path(tmp_path):
    db = tmp_path / "a" / "index.db"
    result = run_cli("init", env={"AGENT_RUNS_DB": str(db)})
    assert result.returncode == 0 and str(db) in result.stdout
    stats = run_cli("stats", "--db", str(db))
    assert stats.stdout.splitlines() == ["sessions: 0", "runs: 0", "nodes: 0"]
    missing = run_cli("stats", "--db", str(tmp_path / "nope.db"))
    assert missing.returncode == 1 and "does not exist" in missing.stderr


def test_demo_refuses_to_overwrite_a_file_that_is_not_its_own_without_force(tmp_path):
    target = tmp_path / "memory" / "index.db"
    target.parent.mkdir()
    target.write_text("keep me")
    result = run_cli("demo", "--db", str(target), "--days", "2")
    assert result.returncode == 1 and "use --force to replace it" in result.stderr
    assert target.read_text() == "keep me"
    assert run_cli("demo", "--db", str(target), "--days", "2", "--force").returncode == 0
    assert query(target, "SELECT count(*) AS n FROM sessions")[0]["n"] > 0


def test_demo_force_over_a_database_with_a_wal_gives_a_sound_demo(tmp_path):
    """A writer that died leaves its WAL uncheckpointed: its pages must not land on the demo."""
    target = tmp_path / "memory" / "index.db"
    assert run_cli("demo", "--db", str(target), "--days", "1").returncode == 0
    died = (
        "import os, sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
        "c.execute('PRAGMA wal_autocheckpoint = 0'); "
        "c.execute(\"INSERT INTO sessions (id) VALUES ('sess-old')\"); c.commit(); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", died, str(target)], check=True)
    assert (target.parent / "index.db-wal").stat().st_size > 0
    assert run_cli("demo", "--db", str(target), "--days", "2", "--force").returncode == 0
    conn = sqlite3.connect(target)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        old = conn.execute("SELECT count(*) FROM sessions WHERE id = 'sess-old'").fetchone()
    finally:
        conn.close()
    assert old[0] == 0 and query(target, "SELECT count(*) AS n FROM sessions")[0]["n"] > 0


@pytest.mark.parametrize("force", [(), ("--force",)], ids=["reuse", "force"])
def test_demo_never_replaces_a_database_holding_recorded_events(tmp_path, force):
    target = tmp_path / "memory" / "index.db"
    for i in range(3):
        result = run_hook(target, post(f"toolu_real{i}"), env={"AGENT_RUNS_DERIVE": "off"})
        assert result.returncode == 0
    result = run_cli("demo", "--db", str(target), "--days", "1", *force)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "holds 3 recorded events" in result.stderr and "another --db" in result.stderr
    kept = query(target, "SELECT source, count(*) AS n FROM kept_events GROUP BY source")
    assert kept == [{"source": "hook", "n": 3}]


def test_demo_writes_into_an_empty_database(tmp_path):
    target = tmp_path / "index.db"
    assert run_cli("init", "--db", str(target)).returncode == 0
    result = run_cli("demo", "--db", str(target), "--days", "1")
    assert result.returncode == 0 and "reusing" not in result.stdout
    assert query(target, "SELECT count(*) AS n FROM node_executions")[0]["n"] > 0


def test_serve_on_a_port_another_server_holds_is_one_line_and_no_address(tmp_path):
    db = tmp_path / "index.db"
    assert run_cli("init", "--db", str(db)).returncode == 0
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        result = run_cli("serve", "--db", str(db), "--port", str(port))
    assert result.returncode == 1 and "dashboard" not in result.stdout
    (line,) = result.stderr.strip().splitlines()
    assert f"cannot listen on 127.0.0.1:{port}" in line and "another --port" in line


def test_serve_refuses_a_public_address(tmp_path):
    result = run_cli("serve", "--db", str(tmp_path / "x.db"), "--host", "0.0.0.0")
    assert result.returncode == 1 and "loopback" in result.stderr
