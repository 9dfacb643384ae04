"""ELF keeps running beside agent-runs on the same database, and no number goes wrong.

ELF's writes are reproduced here by our own code, statement for statement in the order
ELF's conductor and post-tool hook make them (see ElfWriter), against ELF's own table
definitions (test_schema.ELF_DDL).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import post, pre, query, run_cli, run_hook, sync, task_input
from datasette.app import Datasette
from test_canned_queries import run
from test_schema import ELF_DDL

# ELF's metrics table (its hook logs one task_outcome row per Task call there).
ELF_METRICS_DDL = """
CREATE TABLE metrics (id INTEGER PRIMARY KEY AUTOINCREMENT, metric_type TEXT NOT NULL,
    metric_name TEXT NOT NULL, metric_value REAL NOT NULL, tags TEXT, context TEXT,
    timestamp DATETIME DEFAULT CURRENT_TIMESTAMP);
"""


def local_now(offset: timedelta = timedelta()) -> str:
    """ELF's timestamps: Python's naive local ``datetime.now().isoformat()``."""
    return (datetime.now() + offset).isoformat()


def sqlite_utc(offset: timedelta) -> str:
    """A time in SQLite's CURRENT_TIMESTAMP format (UTC), ``offset`` from now."""
    return (datetime.now(timezone.utc) + offset).strftime("%Y-%m-%d %H:%M:%S")


class ElfWriter:
    """ELF's writes for one Task call: conductor run and node, outcome, metrics row."""

    def __init__(self, db: Path):
        self.db = db

    def execute(self, sql: str, params: tuple = ()) -> int:
        conn = sqlite3.connect(self.db)
        try:
            rowid = conn.execute(sql, params).lastrowid
            conn.commit()
            return rowid
        finally:
            conn.close()

    def start_run(self, description: str, prompt: str) -> int:
        run_id = self.execute(
            "INSERT INTO workflow_runs (workflow_id, workflow_name, status, phase, input_json, "
            "started_at) VALUES (NULL, ?, 'running', 'init', ?, ?)",
            (
                "task-" + datetime.now().strftime("%Y%m%d-%H%M%S"),
                json.dumps({"description": description, "prompt": prompt[:500]}),
                local_now(),
            ),
        )
        self.execute(
            "INSERT INTO conductor_decisions (run_id, decision_type, decision_data, reason) "
            "VALUES (?, 'start_run', '{}', 'Workflow run started')",
            (run_id,),
        )
        return run_id

    def start_node(self, run_id: int, description: str, prompt: str) -> int:
        exec_id = self.execute(
            "INSERT INTO node_executions (run_id, node_id, node_name, node_type, agent_id, "
            "prompt, prompt_hash, status, started_at) VALUES (?, ?, ?, 'single', NULL, ?, ?, "
            "'running', ?)",
            (
                run_id,
                f"task-{datetime.now().timestamp()}",
                description[:100],
                prompt,
                hashlib.sha256(prompt.encode()).hexdigest()[:16],
                local_now(),
            ),
        )
        self.execute(
            "UPDATE workflow_runs SET total_nodes = total_nodes + 1 WHERE id = ?", (run_id,)
        )
        return exec_id

    def fail_node(self, run_id: int, exec_id: int, reason: str) -> None:
        self.execute(
            "UPDATE node_executions SET status = 'failed', error_message = ?, "
            "error_type = 'task_failure', completed_at = ? WHERE id = ?",
            (reason, local_now(), exec_id),
        )
        self.execute(
            "UPDATE workflow_runs SET failed_nodes = failed_nodes + 1 WHERE id = ?", (run_id,)
        )
        self.execute(
            "UPDATE workflow_runs SET status = 'failed', completed_at = ?, error_message = ? "
            "WHERE id = ?",
            (local_now(), reason, run_id),
        )

    def complete_node(self, run_id: int, exec_id: int, text: str, outcome: str) -> None:
        self.execute(
            "UPDATE node_executions SET status = 'completed', result_text = ?, result_json = ?, "
            "findings_json = '[]', files_modified = '[]', completed_at = ? WHERE id = ?",
            (text, json.dumps({"outcome": outcome, "reason": "x"}), local_now(), exec_id),
        )
        self.execute(
            "UPDATE workflow_runs SET completed_nodes = completed_nodes + 1 WHERE id = ?",
            (run_id,),
        )

    def log_outcome(self, outcome: str, reason: str) -> None:
        self.execute(
            "INSERT INTO metrics (metric_type, metric_name, metric_value, tags, context) "
            "VALUES ('task_outcome', ?, 1, ?, ?)",
            (outcome, f"reason:{reason[:50]}", local_now()),
        )

    def agent_call(self, description: str, prompt: str, text: str | None) -> tuple[int, int]:
        """ELF's post-tool hook for one Task: it reads ``tool_output``, which Claude Code
        never sends, so without ``text`` it records a failure 'No output to analyze'."""
        run_id = self.start_run(description, prompt)
        exec_id = self.start_node(run_id, description, prompt)
        if text is None:
            self.fail_node(run_id, exec_id, "No output to analyze")
            self.log_outcome("failure", "No output to analyze")
        else:
            self.complete_node(run_id, exec_id, text, "success")
            self.execute(
                "UPDATE workflow_runs SET status = 'completed', completed_at = ? WHERE id = ?",
                (local_now(), run_id),
            )
            self.log_outcome("success", "Substantial output without errors")
        return run_id, exec_id


@pytest.fixture
def elf_db(tmp_path: Path) -> Path:
    """ELF's database, upgraded in place by agent-runs."""
    db = tmp_path / "memory" / "index.db"
    db.parent.mkdir()
    conn = sqlite3.connect(db)
    conn.executescript(ELF_DDL + ELF_METRICS_DDL)
    conn.close()
    assert run_cli("init", "--db", str(db)).returncode == 0
    return db


def test_rows_elf_writes_after_the_upgrade_get_outcome_grouping_and_metrics(elf_db):
    elf = ElfWriter(elf_db)
    elf.agent_call("Review auth", "Review the auth module", "Looks fine: " + "ok " * 40)
    elf.agent_call("Deploy", "Deploy to staging", None)
    nodes = query(elf_db, "SELECT * FROM node_executions ORDER BY id")
    assert [(n["status"], n["outcome"]) for n in nodes] == [
        ("completed", "success"),
        ("failed", "failure"),
    ]
    assert nodes[1]["outcome_reason"] == "No output to analyze"
    runs = query(elf_db, "SELECT * FROM workflow_runs ORDER BY id")
    assert [r["grouping"] for r in runs] == ["elf", "elf"]
    # elf_metrics counts what ELF's own metrics table counts, outcome by outcome
    ours = query(
        elf_db,
        "SELECT metric_name, count(*) AS n FROM elf_metrics WHERE metric_type = 'task_outcome' "
        "GROUP BY 1 ORDER BY 1",
    )
    theirs = query(
        elf_db,
        "SELECT metric_name, count(*) AS n FROM metrics WHERE metric_type = 'task_outcome' "
        "GROUP BY 1 ORDER BY 1",
    )
    assert (
        ours == theirs == [{"metric_name": "failure", "n": 1}, {"metric_name": "success", "n": 1}]
    )


def test_elf_run_counters_follow_its_nodes(elf_db):
    elf = ElfWriter(elf_db)
    run_id = elf.start_run("Long task", "Work for a while")
    exec_id = elf.start_node(run_id, "Long task", "Work for a while")
    (row,) = run(elf_db, "recent-runs")
    assert (row["tasks"], row["running"]) == (1, 1)  # ELF itself never counts running nodes
    elf.complete_node(run_id, exec_id, "Done after a while", "success")
    (run_row,) = query(elf_db, "SELECT * FROM workflow_runs")
    assert (run_row["total_nodes"], run_row["completed_nodes"], run_row["running_nodes"]) == (
        1,
        1,
        0,
    )


# ELF's dashboard backend: its questions, asked the way it asks them (text comparison of
# created_at with datetime('now', ...)). Written here from what it computes.
ELF_DASHBOARD = {
    "runs_today": "SELECT count(*) FROM workflow_runs "
    "WHERE created_at > datetime('now', '-24 hours')",
    "runs_by_days": "SELECT id FROM workflow_runs WHERE created_at > datetime('now', ?) "
    "ORDER BY created_at DESC",
    "timeline": "SELECT date(created_at), count(*) FROM workflow_runs "
    "WHERE created_at > datetime('now', ?) GROUP BY date(created_at) ORDER BY 1",
    "learning_velocity": "SELECT date(created_at), count(*), sum(type = 'failure') FROM learnings "
    "WHERE created_at > datetime('now', ?) GROUP BY date(created_at) ORDER BY 1",
    "failed_nodes_today": "SELECT node_name, count(*) FROM node_executions "
    "WHERE status = 'failed' AND created_at > datetime('now', '-1 day') GROUP BY 1",
}


def elf_answers(db: Path) -> dict[str, list]:
    conn = sqlite3.connect(db)
    try:
        answers = {}
        for name, sql in ELF_DASHBOARD.items():
            params = ("-7 days",) if "?" in sql else ()
            answers[name] = conn.execute(sql, params).fetchall()
        return answers
    finally:
        conn.close()


def test_elfs_dashboard_counts_the_same_on_the_upgraded_database(tmp_path):
    before = tmp_path / "elf.db"
    conn = sqlite3.connect(before)
    conn.executescript(ELF_DDL + ELF_METRICS_DDL)
    # rows on both sides of each cutoff, minutes apart: the same calendar day mostly
    for offset in (
        timedelta(hours=-24, minutes=-20),
        timedelta(hours=-24, minutes=20),
        timedelta(days=-7, minutes=-20),
        timedelta(days=-7, minutes=20),
        timedelta(days=-3),
        timedelta(minutes=-5),
    ):
        at = sqlite_utc(offset)
        run_id = conn.execute(
            "INSERT INTO workflow_runs (workflow_name, status, created_at) "
            "VALUES ('task-x', 'failed', ?)",
            (at,),
        ).lastrowid
        conn.execute(
            "INSERT INTO node_executions (run_id, node_id, node_name, status, created_at) "
            "VALUES (?, 'n', 'Deploy', 'failed', ?)",
            (run_id, at),
        )
        conn.execute(
            "INSERT INTO learnings (type, filepath, title, created_at) VALUES ('failure', 'f', "
            "'t', ?)",
            (at,),
        )
    conn.commit()
    conn.close()
    after = tmp_path / "upgraded.db"
    shutil.copy(before, after)
    assert run_cli("init", "--db", str(after)).returncode == 0
    expected = elf_answers(before)
    assert expected["runs_today"] == [(2,)]  # the row 24h20m ago is outside
    assert len(expected["runs_by_days"]) == 5  # the row 7 days and 20 minutes ago is outside
    assert elf_answers(after) == expected
    # ELF keeps writing after the upgrade: its rows count the same way
    for db in (before, after):
        ElfWriter(db).execute(
            "INSERT INTO workflow_runs (workflow_name, status) VALUES ('task-y', 'running')"
        )
    assert elf_answers(after) == elf_answers(before)


def test_prune_and_since_read_the_times_elf_writes(elf_db):
    """ELF's own inserts take CURRENT_TIMESTAMP ("2026-12-07 04:08:02", a space for the T)."""
    elf = ElfWriter(elf_db)
    for name, age in (("task-recent", timedelta(hours=1)), ("task-old", timedelta(days=3))):
        elf.execute(
            "INSERT INTO workflow_runs (workflow_name, status, created_at) VALUES (?, 'failed', ?)",
            (name, sqlite_utc(-age)),
        )
    exported = run_cli("export", "--db", str(elf_db), "--kind", "runs", "--since", "2h")
    assert [r["workflow_name"] for r in json.loads(exported.stdout)] == ["task-recent"]
    pruned = run_cli("prune", "--db", str(elf_db), "--older-than", "2h")
    assert pruned.returncode == 0, pruned.stderr
    names = query(elf_db, "SELECT workflow_name FROM workflow_runs")
    assert names == [{"workflow_name": "task-recent"}]


def test_secrets_in_elf_rows_never_leave_through_an_export(elf_db):
    key, token = "AKIAIOSFODNN7EXAMPLE", "sk-ant-api03-" + "Zq7x" * 20
    ElfWriter(elf_db).agent_call("Deploy", f"Use {key} to deploy", f"Done with {token}.")
    our_agent_call(elf_db, "toolu_ours", "Map", "Map the routes")
    for fmt in ("json", "ndjson", "csv"):
        for kind in ("nodes", "runs"):
            done = run_cli("export", "--db", str(elf_db), "--kind", kind, "--format", fmt)
            assert done.returncode == 0, done.stderr
            assert key not in done.stdout and token not in done.stdout
            assert "Deploy" in done.stdout  # the row is there, only its secrets are not
    assert "Found 12 endpoints." in run_cli("export", "--db", str(elf_db)).stdout


# -- both hooks installed: one Agent call, two writers ----------------------------------


def our_agent_call(db: Path, tool_use_id: str, description: str, prompt: str) -> None:
    tool_input = task_input(description=description, prompt=prompt, subagent_type="Explore")
    for payload in (
        pre(tool_use_id, tool="Agent", tool_input=tool_input),
        post(tool_use_id, text="Found 12 endpoints.", tool="Agent", tool_input=tool_input),
    ):
        result = run_hook(db, payload)
        assert result.returncode == 0 and result.stdout == b"", result.stderr
    sync(db)


def assert_counted_once(db: Path) -> None:
    (ours,) = query(db, "SELECT * FROM node_executions WHERE tool_use_id IS NOT NULL")
    (theirs,) = query(db, "SELECT * FROM node_executions WHERE tool_use_id IS NULL")
    assert theirs["duplicate_of"] == ours["id"] and ours["duplicate_of"] is None
    elf_run = query(db, "SELECT * FROM workflow_runs WHERE id = ?", (theirs["run_id"],))[0]
    assert elf_run["duplicate_of"] == ours["run_id"]
    assert theirs["status"] == "failed"  # kept as ELF wrote it: marked, not deleted
    assert run(db, "failed-tasks-this-week") == []
    assert [r["run_id"] for r in run(db, "recent-runs")] == [ours["run_id"]]
    (leader,) = run(db, "agent-type-leaderboard")
    assert (leader["agent_type"], leader["tasks"], leader["failures"]) == ("Explore", 1, 0)
    assert [r["tasks"] for r in run(db, "daily-activity") if r["tasks"]] == [1]
    metrics = query(db, "SELECT metric_name FROM elf_metrics WHERE metric_type = 'task_outcome'")
    assert metrics == [{"metric_name": "success"}]


async def dashboard_counts(db: Path) -> dict:
    ds = Datasette([str(db)])
    response = await ds.client.get("/-/agent-runs.json?range=7d")
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("elf_first", [False, True], ids=["ours-first", "elf-first"])
def test_both_hooks_record_one_agent_call_once(elf_db, elf_first):
    description, prompt = "Find API endpoints", "List every endpoint in the shop service"
    elf = ElfWriter(elf_db)
    if elf_first:  # ELF's hook finished before our events were recorded
        elf.agent_call(description, prompt, None)
        our_agent_call(elf_db, "toolu_both", description, prompt)
    else:
        our_agent_call(elf_db, "toolu_both", description, prompt)
        elf.agent_call(description, prompt, None)
    assert_counted_once(elf_db)


def test_the_dashboard_counts_the_call_once(elf_db):
    import asyncio

    our_agent_call(elf_db, "toolu_dash", "Find API endpoints", "List every endpoint")
    ElfWriter(elf_db).agent_call("Find API endpoints", "List every endpoint", None)
    numbers = asyncio.run(dashboard_counts(elf_db))
    text = json.dumps(numbers)
    assert numbers["kpis"]["tasks"] == 1 and numbers["kpis"]["failed"] == 0, text


def test_a_different_call_is_not_taken_for_a_duplicate(elf_db):
    our_agent_call(elf_db, "toolu_a", "Find API endpoints", "List every endpoint")
    ElfWriter(elf_db).agent_call("Refactor billing", "Split the billing module", None)
    assert query(
        elf_db, "SELECT count(*) AS n FROM node_executions WHERE duplicate_of IS NOT NULL"
    ) == [{"n": 0}]
    assert len(run(elf_db, "failed-tasks-this-week")) == 1


ELF_SETTINGS = {
    "hooks": {
        "PostToolUse": [
            {
                "matcher": "Task",
                "hooks": [
                    {
                        "type": "command",
                        "command": "python3 ~/.claude/emergent-learning/hooks/learning-loop/"
                        "post_tool_learning.py",
                    }
                ],
            }
        ]
    }
}


def test_install_hooks_and_doctor_name_elfs_hook(tmp_path):
    home = tmp_path / "home"
    settings = home / ".claude" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps(ELF_SETTINGS))
    env = {"HOME": str(home), "CLAUDE_CONFIG_DIR": str(home / ".claude")}
    installed = run_cli("install-hooks", env=env, cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr
    assert "ELF's post-tool hook is registered too" in installed.stdout
    assert "duplicate_of" in installed.stdout
    doctor = run_cli("doctor", "--db", str(tmp_path / "x.db"), env=env, cwd=tmp_path)
    (line,) = [x for x in doctor.stdout.splitlines() if "ELF's post-tool hook" in x]
    assert "post_tool_learning.py" in line
