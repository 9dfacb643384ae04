"""Learnings: [LEARNED:domain] markers in subagent results, through the real hook process."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from conftest import event, is_elf_time, post, pre, query, run_cli, task_input
from test_schema import elf_database

from recorder.derive import learnings

REPORT = """## Summary
Fixed the flaky checkout test.

[LEARNED:Testing] Always reset the clock fixture between cases
[LEARNING:api] The payments sandbox rate-limits at 10 requests per second
[LEARN] Prefer small fixtures over one shared database
[learned:testing]   always reset the clock fixture between cases
No marker here, and [LEARNINGS] is not one either.
"""


def learnings_of(db, tool_use_id: str) -> list[dict]:
    return query(
        db,
        "SELECT l.* FROM learnings AS l JOIN node_executions AS n ON n.id = l.node_id "
        "WHERE n.tool_use_id = ? ORDER BY l.id",
        (tool_use_id,),
    )


def test_markers_in_a_result_become_learnings(db, hook):
    hook(pre("toolu_l1"))
    hook(post("toolu_l1", text=REPORT))
    (node,) = query(db, "SELECT * FROM node_executions WHERE tool_use_id = 'toolu_l1'")
    rows = learnings_of(db, "toolu_l1")
    assert [(r["domain"], r["text"], r["kind"]) for r in rows] == [
        ("testing", "Always reset the clock fixture between cases", "heuristic"),
        ("api", "The payments sandbox rate-limits at 10 requests per second", "observation"),
        ("general", "Prefer small fixtures over one shared database", "heuristic"),
        ("testing", "always reset the clock fixture between cases", "heuristic"),
    ]
    first = rows[0]
    assert first["type"] == "heuristic" and rows[1]["type"] == "observation"  # ELF's column
    assert first["title"] == first["summary"] == first["text"]
    assert first["filepath"] == f"agent-runs/node_executions/{node['id']}"
    assert first["severity"] == 3
    assert (first["run_id"], first["session_id"]) == (node["run_id"], "sess-1")
    assert first["updated_at"] == node["completed_at"]
    # ELF's column, in ELF's format: the same second
    assert first["created_at"] == node["completed_at"][:19].replace("T", " ")


def test_replays_never_duplicate_a_learning(db, hook):
    payload = post("toolu_l2", text=REPORT)
    hook(payload)
    hook(payload)
    hook(dict(payload, tool_response={"status": "completed", "agentId": "agent-toolu_l2"}))
    assert len(learnings_of(db, "toolu_l2")) == 4
    hook(post("toolu_l3", text=REPORT))  # the same text from another node is its own learning
    assert query(db, "SELECT count(*) AS n FROM learnings")[0]["n"] == 8


def test_a_background_subagents_stop_brings_its_learnings(db, hook):
    hook(pre("toolu_bg", tool="Agent", tool_input=task_input(run_in_background=True)))
    launch = {"isAsync": True, "status": "async_launched", "agentId": "a-bg"}
    hook(post("toolu_bg", tool="Agent", response=launch))
    assert learnings_of(db, "toolu_bg") == []
    stop = event(
        "SubagentStop",
        agent_id="a-bg",
        agent_type="Explore",
        last_assistant_message="Done.\n[LEARNED:infra] Never run migrations from two workers",
    )
    hook(stop)
    hook(stop)
    rows = learnings_of(db, "toolu_bg")
    assert [(r["domain"], r["kind"]) for r in rows] == [("infra", "heuristic")]


def test_failed_and_plain_results_record_nothing_wrong(db, hook):
    hook(post("toolu_plain", text="Found 12 endpoints."))
    hook(
        event(
            "PostToolUseFailure",
            tool_name="Task",
            tool_use_id="toolu_err",
            tool_input=task_input(),
            error="[LEARNED:x] in an error message is not a report",
        )
    )
    assert query(db, "SELECT count(*) AS n FROM learnings")[0]["n"] == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[LEARNED:react] Always use refs", [("react", "Always use refs", "heuristic")]),
        ("[LEARNING: Go ] channels block", [("go", "channels block", "observation")]),
        ("[LEARN] Avoid globals", [("general", "Avoid globals", "heuristic")]),
        ("[Learn:db] you must index it", [("db", "you must index it", "heuristic")]),
        ("[LEARNED:css] don't nest", [("css", "don't nest", "heuristic")]),
        ("[LEARNED:x]   \n", []),
        ("[LEARNINGS] not a marker", []),
        ("no marker at all", []),
        (None, []),
    ],
)
def test_marker_forms_and_elfs_heuristic_rule(text, expected):
    assert learnings.extract(text) == expected


def test_learnings_are_searchable_in_datasette(db, hook):
    from datasette.app import Datasette

    hook(post("toolu_s", text=REPORT))

    async def search() -> list[dict]:
        ds = Datasette([str(db)])
        response = await ds.client.get("/index/learnings.json?_search=sandbox&_shape=array")
        assert response.status_code == 200, response.text
        return response.json()

    (hit,) = asyncio.run(search())
    assert hit["domain"] == "api"


def test_elf_learnings_survive_the_upgrade_and_elf_inserts_still_work(tmp_path, hook, db):
    db.parent.mkdir()
    elf_database(db)
    assert run_cli("init", "--db", str(db)).returncode == 0
    (elf_row,) = query(db, "SELECT * FROM learnings")
    assert (elf_row["type"], elf_row["filepath"], elf_row["title"]) == ("observation", "x", "y")
    assert elf_row["node_id"] is None and is_elf_time(elf_row["created_at"])
    conn = sqlite3.connect(db)  # ELF's post-tool hook, as it writes an observation
    conn.execute(
        "INSERT INTO learnings (type, filepath, title, summary, domain, severity, created_at) "
        "VALUES ('observation', 'auto-observations/obs_1.md', 'Cache keys need the locale', "
        "'Cache keys need the locale', 'web', 3, '2026-01-05T10:00:00.123456')"
    )
    conn.commit()
    conn.close()
    hook(post("toolu_elf", text="[LEARNED:web] Prefer ETags for the catalogue"))
    rows = query(db, "SELECT type, domain, node_id, created_at FROM learnings ORDER BY id")
    assert [(r["type"], r["domain"]) for r in rows] == [
        ("observation", None),
        ("observation", "web"),
        ("heuristic", "web"),
    ]
    assert all(is_elf_time(r["created_at"]) for r in rows)
    hits = query(db, "SELECT rowid FROM learnings_fts WHERE learnings_fts MATCH 'locale'")
    assert [h["rowid"] for h in hits] == [2]


def test_a_new_database_has_the_upgraded_elf_shape(tmp_path):
    elf, new = tmp_path / "elf.db", tmp_path / "new.db"
    elf_database(elf)
    for path in (elf, new):
        assert run_cli("init", "--db", str(path)).returncode == 0
    shape = "SELECT name, type, \"notnull\" FROM pragma_table_info('learnings') ORDER BY name"
    assert query(elf, shape) == query(new, shape)


def test_backfill_records_learnings_once(db, tmp_path):
    from test_backfill import Transcript
    from test_backfill import run as backfill

    projects = tmp_path / "claude" / "projects"
    t = Transcript(projects)
    t.prompt("Fix the flaky test")
    t.task("toolu_bf1")
    t.done("toolu_bf1", REPORT, at=t.now(30))
    t.write()
    backfill(db, projects)
    backfill(db, projects)
    rows = learnings_of(db, "toolu_bf1")
    assert [r["domain"] for r in rows] == ["testing", "api", "general", "testing"]


# ELF's newer learnings table: CHECK constraints, updated_at and a validation trigger.
ELF_STRICT_LEARNINGS = """
CREATE TABLE learnings (id INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL CHECK(type IN ('failure', 'success', 'heuristic', 'experiment',
    'observation')), filepath TEXT NOT NULL, title TEXT NOT NULL, summary TEXT, tags TEXT,
    domain TEXT, severity INTEGER DEFAULT 3 CHECK(severity >= 1 AND severity <= 5),
    created_at DATETIME DEFAULT CURRENT_TIMESTAMP, updated_at DATETIME DEFAULT CURRENT_TIMESTAMP);
CREATE TRIGGER learnings_validate_insert BEFORE INSERT ON learnings FOR EACH ROW
WHEN NEW.type NOT IN ('failure', 'success', 'heuristic', 'experiment', 'observation')
BEGIN SELECT RAISE(ABORT, 'Validation failed: invalid type or severity'); END;
"""


def test_elfs_strict_learnings_table_takes_our_rows(db, hook):
    db.parent.mkdir()
    conn = sqlite3.connect(db)
    conn.executescript(ELF_STRICT_LEARNINGS)
    conn.execute("INSERT INTO learnings (type, filepath, title) VALUES ('failure', 'f.md', 'x')")
    conn.commit()
    conn.close()
    hook(post("toolu_strict", text=REPORT))
    rows = query(db, "SELECT type, created_at, updated_at FROM learnings ORDER BY id")
    assert [r["type"] for r in rows] == [
        "failure",
        "heuristic",
        "observation",
        "heuristic",
        "heuristic",
    ]
    assert is_elf_time(rows[0]["created_at"]) and rows[0]["updated_at"].endswith("Z")
    # the result's time, in ELF's format in ELF's column
    assert all(r["updated_at"][:19].replace("T", " ") == r["created_at"] for r in rows[1:])
