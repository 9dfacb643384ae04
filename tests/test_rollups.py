"""Every number read from the rollups equals the same number computed from the rows.

The rollups (rollup_tasks_daily, rollup_durations_daily, their all-projects twins) are
kept by triggers on node_executions, the touch rollups (rollup_file_touches_daily and its
twin) by triggers on file_touches. Here rows are written the way any client writes them
(plain INSERT / UPDATE / DELETE, as ELF's own code does), plus the real hook and the real
``prune``; after each step the rollup tables must equal their recomputation from the
rows, and every rollup-backed query (dashboard panels, canned queries) must give what its
former row-scanning version (tests/reference_sql/) gives: counts and sums exactly,
percentiles within the stated bucket error.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import post, pre, run_cli

from recorder.hook import database
from recorder.schema import rollups
from recorder.schema.queries import sql

REFERENCE = Path(__file__).parent / "reference_sql"
ROOT = Path(__file__).parent.parent
PANELS = ROOT / "datasette_plugins" / "sql"
CANNED = ROOT / "canned_queries"
CANNED_REFERENCES = {"hotspots": "hotspots-canned.sql"}  # the panel's is hotspots.sql
PERCENTILES = {"median_ms", "p95_ms", "median_duration_ms", "p95_duration_ms"}
ROUNDED = frozenset({"cost_usd", "cost_per_successful_task", "avg_cost_per_task"})  # canned
ROLLUP_COLUMNS = (  # cost_usd last: a float sum, compared within rounding
    "tasks, timed, duration_ms, tokened, token_count, input_tokens, output_tokens, "
    "cache_read_tokens, cache_creation_tokens, other_tokens, costed, tool_used, "
    "tool_use_count, input_tokened, output_tokened, cache_read_tokened, "
    "cache_creation_tokened, api_called, api_calls, cost_usd"
)
PROJECTS = ["/home/dev/shop-api", "/home/dev/shop-web", "/home/ana/ledger", None]
AGENTS = ["Explore", "Plan", "general-purpose", "code-reviewer", None]
MODELS = ["claude-haiku-4-5-20251001", "claude-sonnet-4-5-20250929", None]
STATUSES = ["completed", "failed", "cancelled", "abandoned", "running"]
VERSIONS = [None, None, "v1", "v2"]
FILES = ["/p/a.py", "/p/b.py", "/p/c.md", "/p/d.sql", "/p/e.py", None]
ACCESSES = ["read", "read", "write", None]
TOUCH_COLUMNS = "touches, accessed, writes, reads"
OUTCOMES = {"completed": "success", "failed": "failure", "cancelled": "unknown"}
KINDS = [None, "needs_input", "blocked", "incomplete", "unable", "tool_error"]


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def random_node(rng: random.Random, now: datetime, run_id: int) -> dict:
    status = rng.choice(STATUSES)
    finished = status != "running"
    return {
        "run_id": run_id,
        "node_id": f"n{rng.getrandbits(40)}",
        "node_type": "task",
        "started_at": iso(now - timedelta(minutes=rng.randint(0, 60 * 24 * 45))),
        "project": rng.choice(PROJECTS),
        "agent_type": rng.choice(AGENTS),
        "model": rng.choice(MODELS),
        "status": status,
        "outcome": OUTCOMES.get(status) if rng.random() < 0.9 else "failure",
        "failure_kind": rng.choice(KINDS) if status == "failed" else None,
        "duration_ms": rng.choice([None, 0, 7, rng.randint(1, 10**7)]) if finished else None,
        "token_count": rng.choice([None, rng.randint(0, 200_000)]),
        "input_tokens": rng.choice([None, rng.randint(0, 5000)]),
        "output_tokens": rng.choice([None, rng.randint(0, 9000), rng.randint(0, 9000)]),
        "cache_read_tokens": rng.choice([None, rng.randint(0, 90_000)]),
        "cache_creation_tokens": rng.choice([None, rng.randint(0, 9000), rng.randint(0, 9000)]),
        "api_calls": rng.choice([None, rng.randint(1, 40)]),
        "cost_usd": rng.choice([None, round(rng.random() * 3, 6)]),
        "tool_use_count": rng.choice([None, rng.randint(0, 60)]),
        "prompt_hash": prompt_hash(rng),
        "session_id": f"s{rng.randint(0, 20)}",
        **definition(rng.choice(VERSIONS)),
    }


def prompt_hash(rng: random.Random) -> str | None:
    """A prompt many tasks ran, one a task or two may have run, one no other task ran, or
    none."""
    return rng.choice(
        [f"h{rng.randint(0, 30)}", f"p{rng.randint(0, 999)}", f"u{rng.getrandbits(40)}", None]
    )


def definition(version: str | None) -> dict:
    """The agent definition columns of a node that ran with ``version`` (None: a built-in)."""
    return {
        "agent_definition_hash": version,
        "agent_definition_description": version and f"what {version} does",
        "agent_definition_source": version and f"/home/dev/.claude/agents/{version}.md",
    }


def insert(conn: sqlite3.Connection, row: dict) -> None:
    columns = ", ".join(row)
    marks = ", ".join(f":{c}" for c in row)
    conn.execute(f"INSERT INTO node_executions ({columns}) VALUES ({marks})", row)


def fill(conn: sqlite3.Connection, rng: random.Random, now: datetime, count: int) -> None:
    """``count`` random nodes, and about as many file touches (some of them by a subagent
    not matched to a node)."""
    runs = [r[0] for r in conn.execute("SELECT id FROM workflow_runs")]
    for _ in range(count):
        insert(conn, random_node(rng, now, rng.choice(runs)))
    nodes = [r[0] for r in conn.execute("SELECT id FROM node_executions")]
    for _ in range(count):
        touch = random_touch(rng, now, rng.choice([*nodes[-50:], None]))
        conn.execute(
            f"INSERT INTO file_touches ({', '.join(touch)}) "
            f"VALUES ({', '.join(':' + c for c in touch)})",
            touch,
        )


def random_touch(rng: random.Random, now: datetime, node: int | None) -> dict:
    """A file touch, its agent type named by its event or not (then its node's counts)."""
    return {
        "tool_use_id": f"t{rng.getrandbits(40)}",
        "session_id": f"s{rng.randint(0, 20)}",
        "agent_id": f"a{rng.randint(0, 40)}",
        "agent_type": rng.choice(AGENTS),
        "node_id": node,
        "project": rng.choice(PROJECTS),
        "tool_name": "Read",
        "file_path": rng.choice(FILES),
        "access": rng.choice(ACCESSES),
        "touched_at": iso(now - timedelta(minutes=rng.randint(0, 60 * 24 * 45))),
    }


def mutate_touches(conn: sqlite3.Connection, rng: random.Random, now: datetime) -> None:
    """Touches claimed by their node, merged with their PostToolUse, moved and deleted."""
    ids = [r[0] for r in conn.execute("SELECT id FROM file_touches")]
    nodes = [r[0] for r in conn.execute("SELECT id FROM node_executions")]
    for touch in rng.sample(ids, len(ids) // 3):
        change = rng.randrange(4)
        if change == 0:  # the node learns its agent and claims the touch
            conn.execute(
                "UPDATE file_touches SET node_id = ? WHERE id = ?", (rng.choice(nodes), touch)
            )
        elif change == 1:  # the PostToolUse: completed, nothing counted moves
            conn.execute(
                "UPDATE file_touches SET completed_at = ?, touched_at = min(touched_at, ?) "
                "WHERE id = ?",
                (iso(now), iso(now), touch),
            )
        elif change == 2:  # keys change
            conn.execute(
                "UPDATE file_touches SET file_path = ?, project = ?, agent_type = ?, access = ?, "
                "touched_at = ? WHERE id = ?",
                (
                    rng.choice(FILES),
                    rng.choice(PROJECTS),
                    rng.choice(AGENTS),
                    rng.choice(ACCESSES),
                    iso(now - timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 23))),
                    touch,
                ),
            )
        else:
            conn.execute("DELETE FROM file_touches WHERE id = ?", (touch,))
    conn.commit()


def mutate(conn: sqlite3.Connection, rng: random.Random, now: datetime) -> None:
    """Nodes finishing, background agents completing late, moves, edits and deletions."""
    ids = [r[0] for r in conn.execute("SELECT id FROM node_executions")]
    for node in rng.sample(ids, len(ids) // 3):
        change = rng.randrange(6)
        if change == 0:  # a node finishing
            conn.execute(
                "UPDATE node_executions SET status = 'completed', outcome = 'success', "
                "duration_ms = ?, token_count = ?, completed_at = ? WHERE id = ?",
                (rng.randint(1, 10**6), rng.randint(1, 10**5), iso(now), node),
            )
        elif change == 1:  # a background agent completing late, its tokens and cost known later
            conn.execute(
                "UPDATE node_executions SET status = ?, outcome = ?, failure_kind = ?, "
                "duration_ms = ?, input_tokens = ?, api_calls = ?, cost_usd = ?, updated_at = ? "
                "WHERE id = ?",
                (
                    rng.choice(["completed", "failed"]),
                    rng.choice(["success", "failure", None]),
                    rng.choice(KINDS),
                    rng.randint(10**5, 10**7),
                    rng.randint(1, 10**4),
                    rng.randint(1, 60),
                    rng.random(),
                    iso(now),
                    node,
                ),
            )
        elif change == 2:  # columns that move no rollup; a prompt that changes its group
            conn.execute(
                "UPDATE node_executions SET result_text = 'done', updated_at = ?, "
                "prompt_hash = coalesce(?, prompt_hash) WHERE id = ?",
                (iso(now), rng.choice([None, prompt_hash(rng)]), node),
            )
        elif change == 3:  # keys change: project, agent type, version, start, session, run
            conn.execute(
                "UPDATE node_executions SET project = :project, agent_type = :agent_type, "
                "started_at = :started_at, agent_definition_hash = :agent_definition_hash, "
                "session_id = coalesce(:session_id, session_id), "
                "run_id = coalesce(:run_id, run_id), "
                "agent_definition_description = :agent_definition_description, "
                "agent_definition_source = :agent_definition_source WHERE id = :id",
                {
                    "project": rng.choice(PROJECTS),
                    "agent_type": rng.choice(AGENTS),
                    "started_at": iso(now - timedelta(days=3)),
                    "session_id": rng.choice([None, f"s{rng.randint(0, 20)}"]),
                    "run_id": rng.choice([None, rng.randint(1, 40)]),
                    "id": node,
                    **definition(rng.choice(VERSIONS)),
                },
            )
        elif change == 4:  # ELF's own row found to repeat one of ours, or no longer
            conn.execute(
                "UPDATE node_executions SET duplicate_of = ? WHERE id = ?",
                (rng.choice([None, rng.choice(ids)]), node),
            )
        else:
            conn.execute("DELETE FROM node_executions WHERE id = ?", (node,))
    conn.commit()


def assert_rollups_match_rows(conn: sqlite3.Connection) -> None:
    """The trigger-kept rollups (per project and all projects together), and the nodes'
    prompt_repeated flags, equal their recomputation from the rows."""
    flags = "SELECT id FROM node_executions WHERE prompt_repeated IS NOT NULL ORDER BY id"
    repeated = conn.execute(flags).fetchall()
    conn.execute("SAVEPOINT recompute")
    conn.execute("UPDATE node_executions SET prompt_repeated = NULL")
    conn.execute(sql("prompt_repeated_fill"))
    assert conn.execute(flags).fetchall() == repeated
    conn.execute("ROLLBACK TO recompute")
    conn.execute("RELEASE recompute")
    kept = snapshot(conn)
    conn.execute("SAVEPOINT recompute")
    rollups.recompute(conn)
    recomputed = snapshot(conn)
    conn.execute("ROLLBACK TO recompute")
    conn.execute("RELEASE recompute")
    assert kept.keys() == recomputed.keys() == set(rollups.TABLES)
    for table, rows in kept.items():
        touchless = "touches" in table and not conn.execute("SELECT 1 FROM file_touches").fetchone()
        assert rows or touchless, f"{table} is empty"
        assert len(rows) == len(recomputed[table]), table
        if "tasks" not in table:
            assert rows == recomputed[table], table
            continue
        for mine, theirs in zip(rows, recomputed[table], strict=True):
            assert mine[:-1] == theirs[:-1], table
            assert mine[-1] == pytest.approx(theirs[-1], abs=1e-9)  # cost_usd, a float sum


def snapshot(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    """Every rollup table's rows in key order."""
    found = {}
    for _, table, keys in rollups.ROLLUPS:
        if "durations" in table:
            keys, columns = (*keys, "bucket"), "tasks"
        elif "touches" in table:
            columns = TOUCH_COLUMNS
        elif table == "rollup_project_runs":
            columns = "last_started_at"
        else:
            columns = ROLLUP_COLUMNS
        order = ", ".join(f"{key} NULLS FIRST" for key in keys)
        found[table] = [
            tuple(r)
            for r in conn.execute(
                f"SELECT {', '.join(keys)}, {columns} FROM {table} ORDER BY {order}"
            )
        ]
    return found


def run(conn: sqlite3.Connection, path: Path, params: dict) -> list[dict]:
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(path.read_text(), params)]
    finally:
        conn.row_factory = None


def assert_same(
    mine: list[dict], reference: list[dict], where: str, rounded: frozenset = frozenset()
) -> int:
    assert len(mine) == len(reference), where
    for got, expected in zip(mine, reference, strict=True):
        assert got.keys() == expected.keys(), where
        for key, value in expected.items():
            if key in PERCENTILES and value is not None:
                # the bucket's middle is within ERROR; the leaderboard rounds to whole ms
                assert got[key] == pytest.approx(value, rel=rollups.ERROR, abs=1), (where, key)
            elif key in rounded and isinstance(value, float):
                # float sums added in another order, then rounded to 4 places: a sum that
                # ends in 5 exactly there may round the other way
                assert got[key] == pytest.approx(value, abs=1.01e-4), (where, key)
            elif isinstance(value, float):
                assert got[key] == pytest.approx(value, rel=1e-12), (where, key)
            else:
                assert got[key] == value, (where, key, got)
    return len(mine)


def assert_queries_match_rows(conn: sqlite3.Connection, now: datetime) -> None:
    """Each rollup-backed panel and canned query gives what the rows give."""
    compared = 0
    for since, bucket in (
        (now - timedelta(hours=24), "hour"),
        (now - timedelta(days=7), "day"),
        (now - timedelta(days=30), "day"),
        (now - timedelta(days=40), "week"),
    ):
        for project, agent_type in ((None, None), (PROJECTS[0], None), (None, "Explore")):
            params = {
                "since": iso(since),
                "project": project,
                "agent_type": agent_type,
                "bucket": bucket,
            }
            for name in (
                "kpi_range",
                "activity",
                "activity_tokens",
                "agent_type_table",
                "cost_by_model",
                "hotspots",
                "failure_kinds",
                "capture_coverage",
            ):
                where = f"{name} {params}"
                mine = run(conn, PANELS / f"{name}.sql", {**params, "limit": 4})
                reference = run(conn, REFERENCE / f"{name}.sql", {**params, "limit": 4})
                compared += assert_same(mine, reference, where)
    for name, params in (
        ("agent-type-leaderboard", {"days": "", "project": ""}),
        ("agent-type-leaderboard", {"days": "3", "project": "shop"}),
        ("daily-activity", {"days": "", "project": "", "agent_type": ""}),
        ("daily-activity", {"days": "45", "project": "shop", "agent_type": "Plan"}),
        ("daily-activity", {"days": "10", "project": "", "agent_type": "Explore"}),
        ("agent-versions", {"days": "", "project": "", "agent_type": ""}),
        ("agent-versions", {"days": "7", "project": "shop", "agent_type": ""}),
        ("agent-versions", {"days": "40", "project": "", "agent_type": "Explore"}),
        ("hotspots", {"days": "", "project": "", "agent_type": ""}),
        ("hotspots", {"days": "3", "project": "shop", "agent_type": ""}),
        ("hotspots", {"days": "40", "project": "", "agent_type": "Explore"}),
        ("hotspots", {"days": "12", "project": "dev", "agent_type": "Plan"}),
        ("project-summary", {"days": ""}),
        ("project-summary", {"days": "3"}),
        ("project-summary", {"days": "60"}),
        ("cost-by-agent-type", {"days": "", "project": ""}),
        ("cost-by-agent-type", {"days": "5", "project": "shop"}),
        ("cost-per-day", {"days": "", "project": ""}),
        ("cost-per-day", {"days": "40", "project": "ledger"}),
        ("retried-prompts", {"days": "", "project": "", "agent_type": ""}),
        ("retried-prompts", {"days": "3", "project": "shop", "agent_type": ""}),
        ("retried-prompts", {"days": "40", "project": "", "agent_type": "Explore"}),
    ):
        mine = run(conn, CANNED / f"{name}.sql", params)
        reference = run(conn, REFERENCE / CANNED_REFERENCES.get(name, f"{name}.sql"), params)
        compared += assert_same(mine, reference, f"{name} {params}", ROUNDED)
    assert compared > 100, "too little to compare"


@pytest.fixture
def known(tmp_path) -> tuple[Path, sqlite3.Connection, random.Random]:
    path = tmp_path / "index.db"
    conn = database.connect(str(path))
    now = datetime.now(UTC)
    for i in range(1, 41):
        started = iso(now - timedelta(days=i))
        conn.execute(
            "INSERT INTO workflow_runs (id, workflow_name, status, started_at, updated_at, "
            "created_at) VALUES (?, 'run', 'completed', ?, ?, ?)",
            (i, started, started, started),
        )
    conn.commit()
    yield path, conn, random.Random(19)
    conn.close()


def test_rollups_follow_inserts_updates_and_deletes(known):
    path, conn, rng = known
    now = datetime.now(UTC)
    fill(conn, rng, now, 1500)
    conn.commit()
    assert_rollups_match_rows(conn)
    assert_queries_match_rows(conn, now)
    for _ in range(3):
        mutate(conn, rng, now)
        mutate_touches(conn, rng, now)
        fill(conn, rng, now, 200)
        conn.commit()
        assert_rollups_match_rows(conn)
        assert_queries_match_rows(conn, now)


def test_rollups_follow_prune(known):
    path, conn, rng = known
    now = datetime.now(UTC)
    fill(conn, rng, now, 1200)
    conn.execute(  # nodes of old runs stop being active, so prune finds their runs old
        "UPDATE node_executions SET started_at = r.started_at, updated_at = r.started_at, "
        "completed_at = NULL FROM workflow_runs AS r WHERE r.id = run_id AND run_id > 20"
    )
    conn.commit()
    before = conn.execute("SELECT count(*) FROM node_executions").fetchone()[0]
    result = run_cli("prune", "--db", str(path), "--older-than", "21d")
    assert result.returncode == 0, result.stderr
    after = conn.execute("SELECT count(*) FROM node_executions").fetchone()[0]
    assert 0 < after < before
    assert_rollups_match_rows(conn)
    assert_queries_match_rows(conn, now)


@pytest.mark.parametrize(
    "undone",
    [
        ("m021_rollups", "m024_rollups_all_projects", "m027_file_touch_rollups"),
        ("m027_file_touch_rollups", "m028_cost_rollup_columns"),  # a file of m025's days
    ],
)
def test_migration_fills_rollups_from_existing_rows(known, undone):
    path, conn, rng = known
    now = datetime.now(UTC)
    for name in rollups.TRIGGERS:  # rows written before the rollups existed
        conn.execute(f"DROP TRIGGER {name}")
    for table in rollups.TABLES:
        conn.execute(f"DELETE FROM {table}")
    if "m028_cost_rollup_columns" in undone:  # the tasks rollups as m025 left them
        for _, table, _ in rollups.TOUCH_ROLLUPS:
            conn.execute(f"DROP TABLE {table}")
        for table in ("rollup_tasks_daily", "rollup_tasks_daily_all"):
            for column in rollups.LATER_COLUMNS[1:]:
                conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    fill(conn, rng, now, 500)
    conn.execute(
        f"DELETE FROM _agent_runs_migrations WHERE name IN ({', '.join('?' for _ in undone)})",
        undone,
    )
    conn.execute("PRAGMA user_version = 0")
    conn.commit()
    conn.close()
    conn = database.connect(str(path))
    try:
        assert {r[0] for r in conn.execute("SELECT name FROM sqlite_master")} >= set(
            rollups.TRIGGERS
        )
        assert_rollups_match_rows(conn)
        assert_queries_match_rows(conn, now)
    finally:
        conn.close()


def test_hook_recorded_nodes_reach_the_rollups(db, hook):
    hook(pre("toolu_1"))
    hook(pre("toolu_2"))
    hook(post("toolu_1", text="All done."))
    conn = sqlite3.connect(db)
    try:
        assert_rollups_match_rows(conn)
        by_status = dict(
            conn.execute(
                "SELECT status, sum(tasks) FROM rollup_tasks_daily "
                "GROUP BY status HAVING sum(tasks)"
            ).fetchall()
        )
        assert by_status == {"completed": 1, "running": 1}
    finally:
        conn.close()


def test_bulk_build_and_rebuild_keep_the_rollups_right(tmp_path):
    path = tmp_path / "demo.db"
    result = run_cli("demo", "--db", str(path))
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(path)
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
        assert set(rollups.TRIGGERS) <= names
        assert_rollups_match_rows(conn)
        assert_queries_match_rows(conn, datetime.now(UTC))
        touches = conn.execute("SELECT sum(touches) FROM rollup_file_touches_daily_all").fetchone()
        assert touches[0] > 1000
    finally:
        conn.close()
    # a rebuild deletes every derived row (the triggers take them away) and derives them again
    result = run_cli("rebuild", "--db", str(path))
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(path)
    try:
        assert_rollups_match_rows(conn)
        again = conn.execute("SELECT sum(touches) FROM rollup_file_touches_daily_all").fetchone()
        assert again == touches
    finally:
        conn.close()
