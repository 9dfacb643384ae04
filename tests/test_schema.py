"""Schema by numbered migrations; an ELF database upgraded in place."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import CLI, HOOK, is_elf_time, post, query, run_cli, run_hook, settle

from recorder.hook import database, paths
from recorder.schema import migrations, version

# ELF's own DDL for the tables agent-runs shares with it (templates/init_db.sql).
ELF_DDL = """
CREATE TABLE workflows (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,
    description TEXT, nodes_json TEXT NOT NULL DEFAULT '[]', config_json TEXT DEFAULT '{}',
    created_at DATETIME DEFAULT CURRENT_TIMESTAMP, updated_at DATETIME DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE workflow_edges (id INTEGER PRIMARY KEY AUTOINCREMENT, workflow_id INTEGER NOT NULL,
    from_node TEXT NOT NULL, to_node TEXT NOT NULL, condition TEXT DEFAULT '',
    priority INTEGER DEFAULT 100, created_at DATETIME DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE workflow_runs (id INTEGER PRIMARY KEY AUTOINCREMENT, workflow_id INTEGER,
    workflow_name TEXT, status TEXT NOT NULL DEFAULT 'pending', phase TEXT DEFAULT 'init',
    input_json TEXT DEFAULT '{}', output_json TEXT DEFAULT '{}', context_json TEXT DEFAULT '{}',
    total_nodes INTEGER DEFAULT 0, completed_nodes INTEGER DEFAULT 0,
    failed_nodes INTEGER DEFAULT 0, started_at DATETIME, completed_at DATETIME,
    created_at DATETIME DEFAULT CURRENT_TIMESTAMP, error_message TEXT);
CREATE TABLE node_executions (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id INTEGER NOT NULL,
    node_id TEXT NOT NULL, node_name TEXT, node_type TEXT NOT NULL DEFAULT 'single',
    agent_id TEXT, session_id TEXT, prompt TEXT, prompt_hash TEXT,
    status TEXT NOT NULL DEFAULT 'pending', result_json TEXT DEFAULT '{}', result_text TEXT,
    findings_json TEXT DEFAULT '[]', files_modified TEXT DEFAULT '[]', duration_ms INTEGER,
    token_count INTEGER, retry_count INTEGER DEFAULT 0, started_at DATETIME,
    completed_at DATETIME, created_at DATETIME DEFAULT CURRENT_TIMESTAMP, error_message TEXT,
    error_type TEXT);
CREATE TABLE trails (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id INTEGER,
    location TEXT NOT NULL, location_type TEXT DEFAULT 'file', scent TEXT NOT NULL,
    strength REAL DEFAULT 1.0, agent_id TEXT, node_id TEXT, message TEXT, tags TEXT,
    created_at DATETIME DEFAULT CURRENT_TIMESTAMP, expires_at DATETIME);
CREATE TABLE conductor_decisions (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id INTEGER NOT NULL,
    decision_type TEXT NOT NULL, decision_data TEXT DEFAULT '{}', reason TEXT,
    created_at DATETIME DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE learnings (id INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL,
    filepath TEXT NOT NULL, title TEXT NOT NULL, summary TEXT, tags TEXT, domain TEXT,
    severity INTEGER DEFAULT 3, created_at DATETIME DEFAULT CURRENT_TIMESTAMP);
"""


def elf_database(path) -> None:
    """A database as ELF's post-tool hook leaves it, with both of ELF's timestamp styles."""
    conn = sqlite3.connect(path)
    conn.executescript(ELF_DDL)
    conn.execute(
        "INSERT INTO workflow_runs (workflow_name, status, phase, input_json, total_nodes, "
        "completed_nodes, started_at, completed_at, created_at) VALUES "
        "('task-20251201-140322', 'completed', 'init', '{\"description\": \"Review\"}', 1, 1, "
        "'2025-12-01T14:03:22.123456', '2025-12-01T14:03:25.000001', '2025-12-01 13:03:22')"
    )
    conn.execute(
        "INSERT INTO node_executions (run_id, node_id, node_name, node_type, prompt, prompt_hash,"
        " status, result_json, result_text, started_at, completed_at, created_at) VALUES "
        "(1, 'task-1764597802.1', 'Review auth', 'single', 'Review the auth module', "
        '\'0123456789abcdef\', \'completed\', \'{"outcome": "success", "reason": "Substantial '
        "output without errors\"}', 'Looks fine', '2025-12-01T14:03:22.123456', "
        "'2025-12-01T14:03:25.000001', '2025-12-01 13:03:22')"
    )
    conn.execute(
        "INSERT INTO workflow_runs (workflow_name, status, error_message, created_at) VALUES "
        "('task-20251202-090000', 'failed', 'Error detected', '2025-12-02 08:00:00')"
    )
    conn.execute(
        "INSERT INTO node_executions (run_id, node_id, node_name, status, error_message, "
        "error_type, created_at) VALUES (2, 'task-2', 'Deploy', 'failed', 'Error detected', "
        "'task_failure', '2025-12-02 08:00:00')"
    )
    conn.execute("INSERT INTO learnings (type, filepath, title) VALUES ('observation', 'x', 'y')")
    conn.commit()
    conn.close()


def columns(db, table: str) -> set[str]:
    return {r["name"] for r in query(db, f"PRAGMA table_info({table})")}


def test_new_database_has_the_contract_schema(tmp_path):
    db = tmp_path / "index.db"
    database.connect(str(db)).close()
    assert {"id", "project", "transcript_path", "started_at", "ended_at", "end_reason"} <= columns(
        db, "sessions"
    )
    assert {
        "id",
        "session_id",
        "prompt_id",
        "workflow_name",
        "status",
        "phase",
        "input_json",
        "output_json",
        "total_nodes",
        "completed_nodes",
        "failed_nodes",
        "started_at",
        "completed_at",
        "created_at",
        "error_message",
    } <= columns(db, "workflow_runs")
    assert {
        "id",
        "run_id",
        "tool_use_id",
        "session_id",
        "node_id",
        "node_name",
        "node_type",
        "agent_type",
        "agent_id",
        "model",
        "prompt",
        "prompt_hash",
        "status",
        "outcome",
        "outcome_reason",
        "result_text",
        "result_json",
        "error_message",
        "error_type",
        "duration_ms",
        "token_count",
        "input_tokens",
        "output_tokens",
        "cache_read_tokens",
        "cache_creation_tokens",
        "tool_use_count",
        "files_modified",
        "started_at",
        "completed_at",
        "created_at",
    } <= columns(db, "node_executions")
    applied = query(db, "SELECT name FROM _agent_runs_migrations ORDER BY name")
    assert [r["name"] for r in applied] == [f.__name__ for f in migrations.MIGRATIONS]
    assert query(db, "PRAGMA user_version")[0]["user_version"] == migrations.LATEST
    unique = [i for i in query(db, "PRAGMA index_list(node_executions)") if i["unique"]]
    assert any(
        query(db, f"PRAGMA index_info({i['name']})")[0]["name"] == "tool_use_id" for i in unique
    )
    plan = query(
        db,
        "EXPLAIN QUERY PLAN SELECT * FROM node_executions WHERE status = 'failed' "
        "AND started_at > '2026-01-01'",
    )
    assert "USING INDEX" in plan[0]["detail"]


def test_migrating_twice_changes_nothing(tmp_path):
    db = tmp_path / "index.db"
    conn = database.connect(str(db))
    assert migrations.migrate(conn) == 0
    conn.close()


def test_elf_database_is_upgraded_in_place(tmp_path):
    db = tmp_path / "index.db"
    elf_database(db)
    result = run_cli("init", "--db", str(db))
    assert result.returncode == 0, result.stderr
    runs = query(db, "SELECT * FROM workflow_runs ORDER BY id")
    nodes = query(db, "SELECT * FROM node_executions ORDER BY id")
    assert [r["workflow_name"] for r in runs] == ["task-20251201-140322", "task-20251202-090000"]
    # ELF's own column keeps ELF's format (SQLite's UTC CURRENT_TIMESTAMP) for ELF's dashboard
    assert runs[0]["created_at"] == "2025-12-01 13:03:22"
    assert runs[0]["started_at"].endswith("Z") and runs[0]["started_at"].startswith("2025-12-01T")
    assert nodes[0]["outcome"] == "success" and nodes[1]["outcome"] == "failure"
    assert nodes[1]["outcome_reason"] == "Error detected"
    assert query(db, "SELECT count(*) AS n FROM learnings")[0]["n"] == 1  # untouched
    hits = query(db, "SELECT rowid FROM node_executions_fts WHERE node_executions_fts MATCH 'auth'")
    assert [h["rowid"] for h in hits] == [1]


def test_elf_style_inserts_keep_working_after_the_upgrade(tmp_path):
    db = tmp_path / "index.db"
    elf_database(db)
    run_cli("init", "--db", str(db))
    conn = sqlite3.connect(db)
    run_id = conn.execute(
        "INSERT INTO workflow_runs (workflow_id, workflow_name, status, phase, input_json, "
        "started_at) VALUES (NULL, 'task-x', 'running', 'init', '{}', '2026-01-05T10:00:00.5')"
    ).lastrowid
    conn.execute(
        "INSERT INTO node_executions (run_id, node_id, node_name, node_type, agent_id, prompt, "
        "prompt_hash, status, started_at) VALUES (?, 'n1', 'Find bug', 'single', NULL, "
        "'find it', 'abc', 'running', '2026-01-05T10:00:01')",
        (run_id,),
    )
    conn.execute("UPDATE workflow_runs SET total_nodes = total_nodes + 1 WHERE id = ?", (run_id,))
    conn.commit()
    conn.close()
    (node,) = query(db, "SELECT * FROM node_executions WHERE node_id = 'n1'")
    assert node["started_at"].endswith("Z")
    assert is_elf_time(node["created_at"])
    assert (
        query(db, "SELECT rowid FROM node_executions_fts WHERE node_executions_fts MATCH 'bug'")[0][
            "rowid"
        ]
        == node["id"]
    )


def spooled(db: Path) -> list[str]:
    """The tool_use_ids of the events waiting in the spool beside ``db``."""
    found = []
    for path in db.parent.glob(paths.SPOOL + "*"):
        found += [json.loads(line)["tool_use_id"] for line in path.read_text().splitlines()]
    return found


def derived_by_the_worker(db: Path, tool_use_id: str, seconds: float = 30) -> bool:
    """Whether the node shows up in node_executions within ``seconds``, with no command run
    (read only: before the upgrade ELF's table has no tool_use_id column)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        conn = sqlite3.connect(db)
        try:
            if conn.execute(NODE_OF_CALL, (tool_use_id,)).fetchone():
                return True
        except sqlite3.OperationalError:
            pass  # not upgraded yet
        finally:
            conn.close()
        time.sleep(0.05)
    return False


NODE_OF_CALL = "SELECT 1 FROM node_executions WHERE tool_use_id = ?"


def test_the_worker_upgrades_an_elf_database_and_keeps_the_hooks_event(tmp_path):
    """The hook leaves an upgrade to its derivation worker, where no hook timeout can cut
    a large database's migration short (and lose the event with it): the event waits in
    the spool, and the worker migrates, keeps and derives it, with no command run."""
    db = tmp_path / "memory" / "index.db"
    db.parent.mkdir()
    elf_database(db)
    db.chmod(0o644)  # as ELF left it: others may read it
    # no worker yet: the hook spools, and the file stays as ELF left it
    quiet = run_hook(db, post("toolu_early"), env={"AGENT_RUNS_DERIVE": "off"})
    assert quiet.returncode == 0 and quiet.stdout == b"", quiet.stderr
    assert spooled(db) == ["toolu_early"]
    assert raw_version(db) == 0
    # the next hook run starts the worker
    result = run_hook(db, post("toolu_elf"))
    assert result.returncode == 0 and result.stdout == b"", result.stderr
    assert derived_by_the_worker(db, "toolu_elf") and derived_by_the_worker(db, "toolu_early")
    settle(db)
    assert raw_version(db) == migrations.LATEST
    assert query(db, "SELECT count(*) AS n FROM node_executions")[0]["n"] == 4
    assert spooled(db) == []
    if os.name != "nt":  # it holds prompts now: the owner's only
        assert stat.S_IMODE(db.stat().st_mode) == 0o600


def raw_version(db: Path) -> int:
    """The file's schema version, read without migrating or deriving."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("2025-12-01 13:03:22", "2025-12-01T13:03:22.000Z"),
        ("2025-12-01T13:03:22.250+02:00", "2025-12-01T11:03:22.250Z"),
        ("2025-12-01T13:03:22.250Z", "2025-12-01T13:03:22.250Z"),
        ("not a time", "not a time"),
    ],
)
def test_timestamp_normalisation(stored, expected):
    conn = sqlite3.connect(":memory:")
    sql = migrations.iso_utc("x")
    assert conn.execute(f"SELECT {sql} FROM (SELECT ? AS x)", (stored,)).fetchone()[0] == expected


def test_the_hooks_schema_version_is_the_number_of_migrations():
    """The hook compares a file's user_version with this, not with the migrations."""
    assert version.LATEST == migrations.LATEST == len(migrations.MIGRATIONS)


def imported_by_hook(db, payload: dict) -> set[str]:
    """The modules the real hook imports while keeping ``payload`` (no worker started)."""
    env = dict(os.environ, AGENT_RUNS_DERIVE="off")
    result = subprocess.run(
        [sys.executable, "-X", "importtime", HOOK, "--db", str(db)],
        input=json.dumps(payload).encode(),
        capture_output=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 0 and result.stdout == b"", result.stderr
    lines = result.stderr.decode().splitlines()
    return {line.rsplit("|", 1)[1].strip() for line in lines if line.startswith("import")}


def test_the_hook_migrates_only_a_new_file_and_spools_for_an_older_one(db):
    assert "recorder.schema.migrations" in imported_by_hook(db, post("toolu_v1"))  # a new file
    assert query(db, "PRAGMA user_version")[0]["user_version"] == migrations.LATEST
    assert "recorder.schema.migrations" not in imported_by_hook(db, post("toolu_v2"))
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {migrations.LATEST - 1}")  # as an older agent-runs left it
    conn.close()
    # Left to the worker (none here): the event waits in the spool, the schema as it was.
    assert "recorder.schema.migrations" not in imported_by_hook(db, post("toolu_v3"))
    assert spooled(db) == ["toolu_v3"]
    assert query(db, "PRAGMA user_version")[0]["user_version"] == migrations.LATEST - 1
    assert len(query(db, "SELECT id FROM kept_events")) == 2
    replayed = run_cli("replay", "--db", str(db))  # what the worker does, run by hand
    assert replayed.returncode == 0 and "1 recorded" in replayed.stdout, replayed.stderr
    assert query(db, "PRAGMA user_version")[0]["user_version"] == migrations.LATEST
    assert len(query(db, "SELECT id FROM kept_events")) == 3
    assert spooled(db) == []
    assert query(db, NODE_OF_CALL, ("toolu_v3",)) == [{"1": 1}]


def test_an_older_database_drops_the_index_a_wider_one_covers(tmp_path):
    """m026: a file from before it loses idx_node_exec_started_totals; slowest-tasks reads
    idx_node_exec_started_totals_cost instead (it holds every column the other held)."""
    db = tmp_path / "index.db"
    database.connect(str(db)).close()
    older = sqlite3.connect(db)
    older.execute(
        "CREATE INDEX idx_node_exec_started_totals ON node_executions(started_at, status, "
        "outcome, agent_type, project, duration_ms, token_count, tool_use_count, run_id, "
        "session_id, prompt_hash, duplicate_of)"
    )
    older.execute("DELETE FROM _agent_runs_migrations WHERE name = 'm026_one_time_window_index'")
    older.execute(f"PRAGMA user_version = {migrations.LATEST - 1}")
    older.commit()
    older.close()
    conn = database.connect(str(db))
    conn.close()
    indexes = {row["name"] for row in query(db, "PRAGMA index_list(node_executions)")}
    assert "idx_node_exec_started_totals_cost" in indexes
    assert "idx_node_exec_started_totals" not in indexes
    assert "COVERING INDEX idx_node_exec_started_totals_cost" in plan_of(db, "slowest-tasks")


def plan_of(db: Path, name: str) -> str:
    """The query plan of a canned query with its parameters empty."""
    sql = (Path(__file__).parents[1] / "canned_queries" / f"{name}.sql").read_text()
    params = {"days": "", "project": "", "agent_type": ""}
    return " ".join(r["detail"] for r in query(db, "EXPLAIN QUERY PLAN " + sql, params))


# A derivation worker running an upgrade's migrations: its lock, and the database's.
MIGRATING_WORKER = """
import sqlite3, sys
from recorder.hook import deriver
lock = deriver.try_lock(sys.argv[1])
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("migrating", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
lock.close()
"""


def test_init_waits_for_the_worker_that_is_upgrading_the_database(db):
    """After an upgrade the worker the first hook starts runs the migrations, minutes on a
    large file; `agent-runs init` meanwhile says so and waits, rather than failing as
    locked."""
    assert run_hook(db, post("toolu_1"), env={"AGENT_RUNS_DERIVE": "off"}).returncode == 0
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {migrations.LATEST - 1}")
    conn.close()
    worker = subprocess.Popen(
        [sys.executable, "-c", MIGRATING_WORKER, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout.readline() == "migrating\n"
        init = subprocess.Popen(
            [CLI, "init", "--db", str(db)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        said = init.stderr.readline()  # after the usual wait for a lock
        assert "the derivation worker is writing it" in said and "waiting for it" in said
        worker.communicate("done\n", timeout=60)
        out, err = init.communicate(timeout=60)
    finally:
        worker.kill()
    assert init.returncode == 0, err
    assert out.strip() == f"{db}: schema version {migrations.LATEST}"
