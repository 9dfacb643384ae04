"""learnings-by-domain, hotspots, ELF's metrics view and the dashboard panels: known answers.

The databases are recorded through the real path (ingest.record of stamped hook payloads)
with the canned-query tests' Recorder; queries run straight from their .sql files.
"""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from datasette.app import Datasette
from test_canned_queries import Recorder, ago, iso, plan, run
from test_file_touches import touch
from test_schema import elf_database

from recorder.hook import database

LEARNED_T1 = "Done.\n[LEARNED:db] Never run two migrations at once\n[LEARNING:api] Sandbox: 10 rps"


@pytest.fixture
def rec(tmp_path):
    recorder = Recorder(tmp_path / "memory" / "index.db")
    yield recorder
    recorder.conn.close()


@pytest.fixture
def taught(rec):
    """Three tasks with learnings, and one learning written by ELF itself."""
    rec.task("t1", start=ago(days=2), text=LEARNED_T1, cwd="/home/u/webshop")
    rec.task("t2", start=ago(days=40), text="[LEARNED:db] An index helps", agent="Plan")
    rec.task("t3", start=ago(hours=5), text="[LEARN] Check files first", agent="Plan",
             cwd="/home/u/webshop")  # fmt: skip
    rec.conn.execute(
        "INSERT INTO learnings (type, filepath, title, summary, domain, created_at) "
        "VALUES ('observation', 'obs.md', 'Legacy note', 'Legacy note', 'db', ?)",
        (iso(ago(days=3)),),
    )
    return rec


def test_learnings_by_domain(taught):
    rows = run(taught.path, "learnings-by-domain")
    assert [(r["domain"], r["learnings"], r["heuristics"], r["observations"], r["tasks"])
            for r in rows] == [
        ("db", 3, 1, 2, 2),
        ("general", 1, 0, 1, 1),
        ("api", 1, 0, 1, 1),
    ]  # fmt: skip
    assert rows[0]["latest"] == "Never run two migrations at once"
    assert rows[0]["latest_at"] == iso(ago(days=2, seconds=-30))
    month = run(taught.path, "learnings-by-domain", days="30")
    assert [(r["domain"], r["learnings"]) for r in month] == [
        ("db", 2),
        ("general", 1),
        ("api", 1),
    ]
    shop = run(taught.path, "learnings-by-domain", project="webshop")
    assert {r["domain"]: r["learnings"] for r in shop} == {"db": 1, "general": 1, "api": 1}
    plan_rows = run(taught.path, "learnings-by-domain", agent_type="Plan")
    assert {r["domain"]: r["learnings"] for r in plan_rows} == {"db": 1, "general": 1}


@pytest.fixture
def touched(rec):
    """Two tasks (one failing) and a subagent never matched to a task, touching files."""

    def calls(agent: str, at: float, *specs: tuple[str, str, str], agent_type="general-purpose"):
        for tool, path, tid in specs:
            for phase, offset in (("PreToolUse", 0), ("PostToolUse", 1)):
                payload = touch(phase, tool, tid, path, agent)
                payload["agent_type"] = agent_type
                rec.send(payload, at + offset)

    start = ago(hours=2)
    # The failing task's touches arrive before its result names its agent; the other
    # task's after it: both are linked.
    calls("agent-F", start + 1, ("Edit", "/p/a.py", "f1"), ("Read", "/p/a.py", "f2"),
          ("Read", "/p/b.py", "f3"))  # fmt: skip
    rec.task("F", start=start, seconds=60, kind="reported_failure", agent="general-purpose")
    rec.task("S", start=start, seconds=60, agent="Plan")
    calls("agent-S", start + 70, ("Read", "/p/a.py", "s1"), ("Write", "/p/c.py", "s2"),
          agent_type="Plan")  # fmt: skip
    calls("a-ghost", start + 5, ("Read", "/p/a.py", "g1"))
    calls("a-old", ago(days=40), ("Edit", "/p/d.py", "o1"))
    return rec


def test_hotspots(touched):
    rows = run(touched.path, "hotspots")
    assert [
        (r["file_path"], r["touches"], r["writes"], r["reads"], r["tasks"], r["failing_tasks"])
        for r in rows
    ] == [
        ("/p/a.py", 4, 1, 3, 3, 1),
        ("/p/c.py", 1, 1, 0, 1, 0),
        ("/p/b.py", 1, 0, 1, 1, 1),
    ]
    assert "/p/d.py" in [r["file_path"] for r in run(touched.path, "hotspots", days="60")]
    plan_rows = run(touched.path, "hotspots", agent_type="Plan")
    assert [(r["file_path"], r["touches"]) for r in plan_rows] == [("/p/c.py", 1), ("/p/a.py", 1)]
    assert run(touched.path, "hotspots", project="elsewhere") == []


def test_files_modified_of_the_known_tasks(touched):
    modified = dict(touched.conn.execute("SELECT tool_use_id, files_modified FROM node_executions"))
    assert modified == {"F": '["/p/a.py"]', "S": '["/p/c.py"]'}


def test_queries_reach_their_tables_through_indexes(taught):
    assert "idx_learnings_created_at" in "\n".join(plan(taught.path, "learnings-by-domain"))
    assert "idx_file_touches_touched" in "\n".join(plan(taught.path, "hotspots"))


# -- ELF's metrics, answered by the elf_metrics view ----------------------------------

# The statements ELF's dashboard ran against its metrics table, with only the name changed.
ELF_EVENTS = (
    "SELECT metric_type, metric_name, metric_value, tags, context, timestamp FROM elf_metrics "
    "WHERE timestamp > datetime('now', '-1 hour') ORDER BY timestamp DESC LIMIT ?"
)
ELF_FAILURES_BY_DAY = (
    "SELECT DATE(timestamp) as date, COUNT(*) as failures FROM elf_metrics "
    "WHERE metric_type = 'auto_failure_capture' AND timestamp > datetime('now', ?) "
    "GROUP BY DATE(timestamp) ORDER BY date"
)
ELF_LAST_HOUR = "SELECT COUNT(*) FROM elf_metrics WHERE timestamp > datetime('now', '-1 hour')"


def test_elf_dashboard_queries_run_on_the_view(rec):
    rec.task("ok", start=ago(minutes=30))
    rec.task("bad", start=ago(minutes=20), kind="reported_failure")
    rec.task("err", start=ago(days=2), kind="tool_error")
    rec.task("busy", start=ago(minutes=5), kind="running")
    conn = rec.conn
    events = [tuple(r)[:2] for r in conn.execute(ELF_EVENTS, (50,))]
    assert sorted(events) == [  # newest first; the failure's two rows share a timestamp
        ("auto_failure_capture", "capture"),
        ("task_outcome", "failure"),
        ("task_outcome", "success"),
    ]
    assert events[-1] == ("task_outcome", "success")
    assert conn.execute(ELF_LAST_HOUR).fetchone()[0] == 3
    by_day = [tuple(r) for r in conn.execute(ELF_FAILURES_BY_DAY, ("-7 days",))]
    assert sum(n for _, n in by_day) == 2
    # the failure's day: that of its start 20 minutes ago or, across midnight, today's
    assert by_day[-1][0] in {iso(ago(minutes=20))[:10], iso(ago())[:10]}
    tags = conn.execute(
        "SELECT tags FROM elf_metrics "
        "WHERE metric_type = 'task_outcome' AND metric_name = 'failure' ORDER BY timestamp"
    ).fetchall()
    assert [t[0].startswith("reason:") for t in tags] == [True, True]


def test_elfs_own_metrics_table_is_left_alone(tmp_path):
    path = tmp_path / "index.db"
    elf_database(path)
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE metrics (id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp DATETIME DEFAULT "
        "CURRENT_TIMESTAMP, metric_type TEXT NOT NULL, metric_name TEXT NOT NULL, "
        "metric_value REAL NOT NULL, tags TEXT, context TEXT)"
    )
    conn.execute(
        "INSERT INTO metrics (metric_type, metric_name, metric_value) "
        "VALUES ('task_outcome', 'success', 1)"
    )
    conn.commit()
    conn.close()
    database.connect(str(path)).close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT metric_name FROM metrics").fetchall() == [("success",)]
        kinds = dict(
            conn.execute("SELECT name, type FROM sqlite_master WHERE name LIKE '%metrics'")
        )
        assert kinds == {"metrics": "table", "elf_metrics": "view"}
        assert conn.execute("SELECT count(*) FROM elf_metrics").fetchone()[0] == 3  # ELF's nodes
    finally:
        conn.close()


# -- the dashboard panels ---------------------------------------------------------------


def dashboard(path, query: str = "") -> dict:
    async def fetch():
        response = await Datasette([path]).client.get("/-/agent-runs.json" + query)
        assert response.status_code == 200, response.text
        return response.json()

    return asyncio.run(fetch())


def test_dashboard_panels_follow_the_filters(taught, touched):
    data = dashboard(taught.path)
    assert not data["errors"]
    assert [r["text"] for r in data["latest_learnings"]] == [
        "Check files first",
        "Never run two migrations at once",
        "Sandbox: 10 rps",
        "Legacy note",
    ]
    first = data["latest_learnings"][0]
    assert first["kind"] == "observation" and first["node_href"].startswith("/index/node_exec")
    assert {d["domain"]: d["learnings"] for d in data["learning_domains"]} == {
        "db": 2,
        "general": 1,
        "api": 1,
    }
    assert [(h["file_path"], h["touches"], h["writes"], h["failing_tasks"])
            for h in data["hotspots"]] == [
        ("/p/a.py", 4, 1, 1),
        ("/p/c.py", 1, 1, 0),
        ("/p/b.py", 1, 0, 1),
    ]  # fmt: skip
    assert data["hotspots"][0]["href"].startswith("/index/file_touches?file_path=")
    assert data["links"]["hotspots"] and data["links"]["learnings_by_domain"]
    shop = dashboard(taught.path, "?project=/home/u/webshop")
    assert [r["text"] for r in shop["latest_learnings"]] == [
        "Check files first",
        "Never run two migrations at once",
        "Sandbox: 10 rps",
    ]
    assert shop["hotspots"] == []
    planned = dashboard(taught.path, "?agent_type=Plan&range=7d")
    assert [r["text"] for r in planned["latest_learnings"]] == ["Check files first"]
    assert [h["file_path"] for h in planned["hotspots"]] == ["/p/c.py", "/p/a.py"]
