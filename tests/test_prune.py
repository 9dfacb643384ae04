"""`agent-runs prune`: old runs go whole (nodes, sessions, child rows, FTS), space comes back."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import event, file_touch, post, pre, query, run_cli, run_hook, task_input
from datasette.app import Datasette

from recorder.derive import apply as ingest
from recorder.derive import node_usage
from recorder.hook import database, keep
from recorder.ops.prune import delete_statements, prune
from recorder.schema import rollups

NOW = datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def record(db: Path, timed: list[tuple[dict, datetime]]) -> None:
    """Record payloads through the recorder's own path, each at its own time."""
    conn = database.connect(str(db))
    try:
        ingest.record(conn, [keep.stamp(p, iso(at)) for p, at in timed], db=str(db))
    finally:
        conn.close()


def task(session: str, tool_use_id: str, word: str, at: datetime, *, fails=False, text=""):
    """A prompt, then one subagent that ran for a minute: (payload, time) pairs."""
    tool_input = task_input(description=f"{word} task", prompt=f"Please {word}")
    result = post(
        tool_use_id,
        session=session,
        text=text or f"{word} finished fine\n[LEARNED:{word}] prefer small steps",
        tool_input=tool_input,
    )
    if fails:
        result = event(
            "PostToolUseFailure",
            session,
            tool_name="Task",
            tool_use_id=tool_use_id,
            tool_input=tool_input,
            error=f"{word} crashed",
        )
    return [
        (event("UserPromptSubmit", session, prompt=f"prompt about {word}"), at),
        (pre(tool_use_id, session=session, tool_input=tool_input), at + timedelta(seconds=1)),
        (read_by(f"agent-{tool_use_id}", session, word), at + timedelta(seconds=2)),
        (result, at + timedelta(minutes=1)),
        (event("Stop", session), at + timedelta(minutes=2)),
    ]


def read_by(agent: str, session: str, word: str) -> dict:
    """The subagent ``agent`` reads the file named after ``word`` (install-hooks --files)."""
    return file_touch(
        "PostToolUse", "Read", f"toolu_read_{word}", f"/p/{word}.py", agent, session_id=session
    )


def background(session: str, tool_use_id: str, word: str, at: datetime, stop_at: datetime):
    """A background subagent launched at ``at`` that reports back at ``stop_at``."""
    agent = f"agent-{tool_use_id}"
    tool_input = task_input(description=f"{word} task", run_in_background=True)
    launched = {"isAsync": True, "status": "async_launched", "agentId": agent}
    return [
        (pre(tool_use_id, session=session, tool_input=tool_input), at),
        (post(tool_use_id, session=session, tool_input=tool_input, response=launched), at),
        (event("SubagentStart", session, agent_id=agent, agent_type="Explore"), at),
        (
            event(
                "SubagentStop",
                session,
                agent_id=agent,
                agent_type="Explore",
                last_assistant_message=f"{word} done",
            ),
            stop_at,
        ),
    ]


OLD = NOW - timedelta(days=120)
RECENT = NOW - timedelta(days=2)


@pytest.fixture
def history(db: Path) -> Path:
    """Sessions: all old (one run failed), mixed old and recent, recent, and a long-lived run."""
    events = (
        [(event("SessionStart", "s-old", source="startup"), OLD)]
        + task("s-old", "toolu_o1", "aardvark", OLD)
        + task("s-old", "toolu_o2", "bison", OLD + timedelta(hours=1), fails=True)
        + background(
            "s-old", "toolu_o3", "cheetah", OLD + timedelta(hours=2), OLD + timedelta(hours=3)
        )
        + [(event("SessionEnd", "s-old", reason="logout"), OLD + timedelta(hours=4))]
        + task("s-mixed", "toolu_m1", "dingo", OLD)
        + task("s-mixed", "toolu_m2", "emu", RECENT)
        + task("s-new", "toolu_n1", "ferret", RECENT)
        # started long ago, but its subagent reported back only recently: still active
        + background("s-long", "toolu_l1", "gazelle", OLD, RECENT)
    )
    record(db, sorted(events, key=lambda pair: pair[1]))
    run_ids = [r["run_id"] for r in query(db, "SELECT run_id FROM node_executions")]
    conn = database.connect(str(db))
    with conn:  # rows ELF code and the OTLP exporter keep per run
        for run_id in set(run_ids):
            conn.execute(
                "INSERT INTO conductor_decisions (run_id, decision_type, created_at)"
                " VALUES (?, 'dispatch', ?)",
                (run_id, iso(OLD)),
            )
            conn.execute(
                "INSERT INTO trails (run_id, location, scent, created_at)"
                " VALUES (?, 'a.py', 'x', ?)",
                (run_id, iso(OLD)),
            )
            conn.execute(
                "INSERT INTO _agent_runs_otlp_exports (endpoint, run_id) VALUES ('http://c', ?)",
                (run_id,),
            )
    conn.close()
    return db


def node_words(db: Path) -> set[str]:
    return {r["node_name"].split()[0] for r in query(db, "SELECT node_name FROM node_executions")}


def fts_hits(db: Path, word: str) -> int:
    sql = "SELECT count(*) AS n FROM node_executions_fts WHERE node_executions_fts MATCH ?"
    return query(db, sql, (word,))[0]["n"]


def per_run(db: Path, table: str) -> set[int]:
    return {r["run_id"] for r in query(db, f"SELECT run_id FROM {table}")}


def test_old_runs_go_with_their_nodes_sessions_child_rows_and_search_entries(history):
    result = run_cli("prune", "--db", str(history), "--older-than", "90d")
    assert result.returncode == 0, result.stderr
    assert "deleted 1 sessions, 4 workflow_runs, 4 node_executions" in result.stdout
    assert node_words(history) == {"emu", "ferret", "gazelle"}
    sessions = {r["id"] for r in query(history, "SELECT id FROM sessions")}
    assert sessions == {"s-mixed", "s-new", "s-long"}
    runs = {r["id"] for r in query(history, "SELECT id FROM workflow_runs")}
    for table in ("conductor_decisions", "trails", "_agent_runs_otlp_exports"):
        assert per_run(history, table) == runs, table
    kept = {r["id"] for r in query(history, "SELECT id FROM node_executions")}
    learned = query(history, "SELECT node_id, domain FROM learnings")
    assert {r["domain"] for r in learned} == {"emu", "ferret"}
    assert {r["node_id"] for r in learned} <= kept
    touched = query(history, "SELECT node_id, file_path FROM file_touches")
    assert {r["file_path"] for r in touched} == {"/p/emu.py", "/p/ferret.py"}
    assert {r["node_id"] for r in touched} <= kept
    agents = {r["agent_id"] for r in query(history, "SELECT agent_id FROM subagents")}
    assert agents == {"agent-toolu_l1"}
    # the full-text index follows: gone words are not found, kept ones are
    for word in ("aardvark", "bison", "cheetah", "dingo"):
        assert fts_hits(history, word) == 0, word
    for word in ("emu", "ferret", "gazelle"):
        assert fts_hits(history, word) == 1, word
    conn = database.connect(str(history))
    conn.execute("INSERT INTO node_executions_fts(node_executions_fts) VALUES ('integrity-check')")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    # and so does Datasette's search box
    ds = Datasette([str(history)])
    for word, expected in (("bison", 0), ("ferret", 1)):
        response = asyncio.run(
            ds.client.get(f"/index/node_executions.json?_search={word}&_shape=array")
        )
        assert response.status_code == 200 and len(response.json()) == expected


def test_a_session_that_stays_costs_what_its_remaining_nodes_cost(history):
    conn = database.connect(str(history))
    with conn:  # what each node spent (its transcript's, as derivation would set it)
        conn.execute("UPDATE node_executions SET cost_usd = 0.25 + id / 100.0")
        for (session,) in conn.execute("SELECT id FROM sessions").fetchall():
            node_usage.refresh_session(conn, session)
    conn.close()
    before = query(history, "SELECT cost_usd FROM sessions WHERE id = 's-mixed'")[0]["cost_usd"]
    assert run_cli("prune", "--db", str(history), "--older-than", "90d").returncode == 0
    (mixed,) = query(history, "SELECT * FROM sessions WHERE id = 's-mixed'")
    (left,) = query(
        history, "SELECT sum(cost_usd) AS usd FROM node_executions WHERE session_id = 's-mixed'"
    )
    assert 0 < left["usd"] < before  # dingo's run went, emu's stays
    assert mixed["subagent_cost_usd"] == pytest.approx(left["usd"])
    assert mixed["cost_usd"] == pytest.approx(left["usd"])


def test_keep_failures_keeps_failed_runs_with_their_nodes_and_session(history):
    result = run_cli("prune", "--db", str(history), "--older-than", "90d", "--keep-failures")
    assert result.returncode == 0, result.stderr
    assert node_words(history) == {"bison", "emu", "ferret", "gazelle"}
    assert "s-old" in {r["id"] for r in query(history, "SELECT id FROM sessions")}
    (failed,) = query(history, "SELECT * FROM workflow_runs WHERE status = 'failed'")
    assert per_run(history, "conductor_decisions") >= {failed["id"]}
    assert fts_hits(history, "bison") == 1 and fts_hits(history, "aardvark") == 0


def test_dry_run_counts_exactly_what_prune_deletes_and_changes_no_byte(history, tmp_path):
    twin = tmp_path / "twin.db"
    shutil.copyfile(history, twin)
    before = history.read_bytes()
    assert not Path(f"{history}-wal").exists()
    result = run_cli("prune", "--db", str(history), "--older-than", "90d", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "would delete 1 sessions, 4 workflow_runs, 4 node_executions" in result.stdout
    assert "nothing changed" in result.stdout
    assert history.read_bytes() == before
    # (reading a WAL database leaves an empty -wal beside it: no content, nothing to apply)
    assert Path(f"{history}-wal").stat().st_size == 0
    dry = prune(str(history), "90d", dry_run=True)
    real = prune(str(twin), "90d")
    assert dry.counts == real.counts
    assert dry.counts["subagents"] == 1 and dry.counts["trails"] == 4


def test_the_file_shrinks(db):
    bulky = "log line with some detail\n" * 2000  # about 50 KB of result per node
    events = []
    for i in range(60):
        events += task(f"s-{i}", f"toolu_{i}", f"w{i}", OLD + timedelta(minutes=i), text=bulky)
    events += task("s-new", "toolu_new", "kept", RECENT)
    record(db, events)
    size = db.stat().st_size
    report = prune(str(db), "90d")
    assert report.counts["node_executions"] == 60
    assert db.stat().st_size < size / 5
    assert report.size_after < report.size_before / 5
    assert node_words(db) == {"kept"}


def test_older_than_means_last_activity_and_takes_iso_times_and_hours(history):
    # the long-lived run started 120 days ago but was active 2 days ago
    assert prune(str(history), "3d", dry_run=True).counts["workflow_runs"] == 4
    assert prune(str(history), "60h", dry_run=True).counts["workflow_runs"] == 4
    assert (
        prune(str(history), iso(NOW - timedelta(days=1)), dry_run=True).counts["workflow_runs"] == 7
    )
    assert prune(str(history), iso(OLD), dry_run=True).counts["workflow_runs"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--older-than", "soon"], "--older-than 'soon' is neither a duration"),
        (["--older-than", ""], "--older-than needs a duration"),
        ([], "Missing option '--older-than'"),
        (["--older-than", "6M"], "M is no unit (m is minutes"),  # six months? six minutes?
        (["--older-than", "0d"], "is not in the past: it would delete all"),
        (["--older-than", "2099-01-01"], "is not in the past: it would delete all"),
    ],
)
def test_bad_input_is_one_line_and_non_zero(history, args, message):
    result = run_cli("prune", "--db", str(history), *args)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and message in result.stderr


def test_a_dry_run_on_an_old_schema_changes_no_byte(tmp_path):
    from test_schema import ELF_DDL

    db = tmp_path / "index.db"
    conn = sqlite3.connect(db)
    conn.executescript(ELF_DDL)
    conn.close()
    before = db.read_bytes()
    result = run_cli("prune", "--db", str(db), "--older-than", "1d", "--dry-run")
    assert result.returncode == 1 and "older schema" in result.stderr
    assert db.read_bytes() == before


def test_a_dry_run_says_what_waits_for_derivation(history):
    conn = database.connect(str(history))
    keep_only = [keep.stamp(p, iso(at)) for p, at in task("s-wait", "toolu_w", "wait", OLD)]
    database.write(conn, lambda c: keep.append(c, keep_only, "hook"))
    conn.close()
    result = run_cli("prune", "--db", str(history), "--older-than", "1d", "--dry-run")
    assert result.returncode == 0 and "5 kept events wait for derivation" in result.stdout


def test_a_missing_database_is_not_created(tmp_path):
    missing = tmp_path / "none.db"
    result = run_cli("prune", "--db", str(missing), "--older-than", "90d")
    assert result.returncode == 1 and "does not exist" in result.stderr
    assert not missing.exists()


def test_every_table_holding_rows_of_runs_nodes_or_sessions_is_pruned(history):
    """A new table that points at runs, nodes or sessions must get a line in prune_delete.sql
    (a rollup's rows follow their source rows' deletion through its triggers instead)."""
    pruned = {table for table, _ in delete_statements()}
    linked = set()
    for (table,) in database.connect(str(history)).execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts%'"
    ):
        columns = {r["name"] for r in query(history, f"PRAGMA table_info([{table}])")}
        if columns & {"run_id", "session_id"} and table not in rollups.TABLES:
            linked.add(table)
    assert linked <= pruned


def test_keep_failures_holds_while_writers_record_failures(tmp_path):
    """Subagents started long ago fail while prune runs: not one failure is deleted."""
    db = tmp_path / "memory" / "index.db"
    old = NOW - timedelta(days=60)
    ids = [f"toolu_stuck_{i:04d}" for i in range(4_000)]
    record(
        db, [(pre(t, session=f"s{i % 30}"), old + timedelta(seconds=i)) for i, t in enumerate(ids)]
    )
    conn = sqlite3.connect(db)
    conn.executescript(
        "CREATE TABLE deleted_failures (tool_use_id TEXT);"
        "CREATE TRIGGER audit_failures AFTER DELETE ON node_executions WHEN old.status = 'failed'"
        " BEGIN INSERT INTO deleted_failures VALUES (old.tool_use_id); END;"
    )
    conn.close()
    late = list(reversed(ids))  # the runs prune deletes last fail first
    stop = threading.Event()

    def writer(mine: list[str]) -> None:
        for tool_use_id in mine:
            if stop.is_set():
                return
            failure = event(
                "PostToolUseFailure",
                f"s{int(tool_use_id[-4:]) % 30}",
                tool_name="Task",
                tool_use_id=tool_use_id,
                tool_input=task_input(),
                error="subagent crashed",
            )
            assert run_hook(db, failure).returncode == 0

    writers = [threading.Thread(target=writer, args=(late[i::3],)) for i in range(3)]
    for thread in writers:
        thread.start()
    result = run_cli("prune", "--db", str(db), "--older-than", "30d", "--keep-failures")
    stop.set()
    for thread in writers:
        thread.join()
    assert result.returncode == 0, result.stderr
    assert query(db, "SELECT * FROM deleted_failures") == []
    failed = query(db, "SELECT count(*) AS n FROM node_executions WHERE status = 'failed'")[0]["n"]
    assert failed > 0  # the writers really raced the prune
