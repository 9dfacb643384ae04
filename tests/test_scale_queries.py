"""What keeps pages fast on a million nodes: one covering index for the time windows,
skip scans for the filter lists, no facet suggestions. Results stay the same."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import query, run_cli
from datasette.app import Datasette
from test_canned_queries import plan

from datasette_plugins.sqlfiles import sql as panel_sql

COVERING = "USING COVERING INDEX idx_node_exec_started_totals"
CANNED_READING_THE_INDEX_ONLY = [
    "agent-type-leaderboard",
    "daily-activity",
    "project-summary",
    "token-hogs",
    "slowest-tasks",
]
PANELS_READING_THE_INDEX_ONLY = ["activity", "agent_type_table", "kpi_range", "kpi_tasks"]
# The tokens-by-kind chart: the kinds are not in the totals index, so they have their own.
TOKENS_COVERING = "USING COVERING INDEX idx_node_exec_started_tokens"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "index.db"
    result = run_cli("demo", "--db", str(path), "--days", "20")
    assert result.returncode == 0, result.stderr
    return path


def panel_plan(db: Path, name: str) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        names = ("since", "project", "agent_type", "bucket", "limit", "day_ago", "week_ago")
        statement = "EXPLAIN QUERY PLAN " + panel_sql(name)
        return [row[3] for row in conn.execute(statement, dict.fromkeys(names))]
    finally:
        conn.close()


@pytest.mark.parametrize("name", CANNED_READING_THE_INDEX_ONLY)
def test_time_window_queries_read_the_covering_index(demo_db, name):
    steps = plan(demo_db, name)
    # token-hogs reads the tokens index: it covers what that query reads, too.
    assert any(COVERING in step or TOKENS_COVERING in step for step in steps), "\n".join(steps)


@pytest.mark.parametrize("name", PANELS_READING_THE_INDEX_ONLY)
def test_dashboard_panels_read_the_covering_index(demo_db, name):
    steps = panel_plan(demo_db, name)
    assert any(COVERING in step or TOKENS_COVERING in step for step in steps), "\n".join(steps)


def test_retried_prompts_reads_the_repeated_prompts_index_only(demo_db):
    steps = plan(demo_db, "retried-prompts")
    assert [s for s in steps if "idx_node_exec_repeated" in s] == [
        "SEARCH n USING COVERING INDEX idx_node_exec_repeated (started_at>?)"
    ] * 2, "\n".join(steps)


@pytest.mark.parametrize("steps_of", [plan, panel_plan], ids=["canned", "panel"])
def test_hotspots_tell_failing_tasks_by_one_search_each(demo_db, steps_of):
    """Not a list of every failing node in the history, nor the node rows."""
    steps = steps_of(demo_db, "hotspots")
    assert "SEARCH f USING COVERING INDEX idx_node_exec_failed (id=?)" in steps, "\n".join(steps)
    assert not [s for s in steps if "failed_in_session" in s], "\n".join(steps)


def test_running_count_reads_the_running_nodes_index_only(demo_db):
    conn = sqlite3.connect(demo_db)
    try:
        steps = [
            row[3]
            for row in conn.execute(
                "EXPLAIN QUERY PLAN " + panel_sql("running_count"), {"stale_before": ""}
            )
        ]
    finally:
        conn.close()
    assert steps == ["SEARCH node_executions USING COVERING INDEX idx_node_exec_running (status=?)"]


def test_long_ranges_read_whole_weeks_from_the_weekly_rollups(demo_db):
    for name in ("kpi_range", "agent_type_table", "capture_coverage"):
        steps = "\n".join(panel_plan(demo_db, name))
        assert "rollup_tasks_weekly_all" in steps, (name, steps)
    for name in ("agent-versions", "agent-type-leaderboard"):
        steps = "\n".join(plan(demo_db, name))
        assert "rollup_durations_weekly_all" in steps, (name, steps)


def test_token_kinds_panel_reads_its_covering_index(demo_db):
    steps = panel_plan(demo_db, "activity_tokens")
    assert any(TOKENS_COVERING in step for step in steps), "\n".join(steps)


@pytest.mark.parametrize(
    ("name", "column"), [("projects", "project"), ("agent_types", "agent_type")]
)
def test_filter_lists_skip_scan_and_list_each_value_once(demo_db, tmp_path, name, column):
    db = tmp_path / "index.db"
    shutil.copy(demo_db, db)
    conn = sqlite3.connect(db)
    with conn:  # blanks and NULLs are never offered; a value differing only in case is
        for value in ("", None, "ZZ-last", "aa-first"):
            conn.execute(
                f"INSERT INTO node_executions (run_id, node_id, {column}) VALUES (1, 'n', ?)",
                (value,),
            )
    conn.close()
    expected = query(
        db,
        f"SELECT DISTINCT {column} FROM node_executions "
        f"WHERE {column} IS NOT NULL AND {column} != '' ORDER BY {column}",
    )
    assert query(db, panel_sql(name)) == expected and len(expected) >= 4
    steps = panel_plan(db, name)
    assert not [s for s in steps if s.startswith("SCAN") and "node_executions" in s], steps
    assert all("SEARCH" in s for s in steps if "node_executions" in s or " n " in s), steps


def table_json(paths: list[Path], path: str) -> dict:
    async def fetch() -> dict:
        ds = Datasette([str(p) for p in paths])
        await ds.invoke_startup()
        response = await ds.client.get(path)
        assert response.status_code == 200, response.text
        return response.json()

    return asyncio.run(fetch())


def test_no_facet_suggestions_for_an_agent_runs_database(demo_db):
    nodes = table_json([demo_db], f"/{demo_db.stem}/node_executions.json")
    assert nodes["suggested_facets"] == [] and nodes["facet_results"] == {}
    assert len(nodes["rows"]) == 50  # a page of rows that carry kilobytes of text
    faceted = table_json([demo_db], f"/{demo_db.stem}/node_executions.json?_facet=status")
    assert {r["value"] for r in faceted["facet_results"]["status"]["results"]} >= {"completed"}
    runs = table_json([demo_db], f"/{demo_db.stem}/workflow_runs.json")
    assert runs["suggested_facets"] == [] and {"status", "project"} <= set(runs["facet_results"])


def test_other_databases_alone_keep_facet_suggestions(tmp_path):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    with conn:
        conn.execute("CREATE TABLE pets (name TEXT, kind TEXT)")
        conn.executemany(
            "INSERT INTO pets VALUES (?, ?)", [(f"p{i}", ("cat", "dog")[i % 2]) for i in range(9)]
        )
    conn.close()
    data = table_json([other], "/other/pets.json")
    assert [s["name"] for s in data["suggested_facets"]] == ["kind"]


def test_node_table_filtered_by_agent_type_and_status_reads_one_index_range(demo_db):
    """The table page's rows, count and facets for ?agent_type=…&status=… (as Datasette asks)."""
    where = 'where "agent_type" = :p0 and "status" = :p1'
    statements = [
        f"select * from node_executions {where} order by started_at desc limit 101",
        f"select count(*) from node_executions {where}",
        f"select status, count(*) from (select * from node_executions {where}) group by status",
    ]
    conn = sqlite3.connect(demo_db)
    try:
        for statement in statements:
            steps = [r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + statement, ("x", "y"))]
            expected = "idx_node_exec_agent_type_status (agent_type=? AND status=?)"
            assert any(expected in step for step in steps), (statement, steps)
            assert not any("TEMP B-TREE" in step for step in steps), (statement, steps)
    finally:
        conn.close()


def test_node_table_search_reads_only_the_page_of_matches(demo_db):
    """?_search= in the default order (newest recorded first) needs no sort of all matches."""
    data = table_json([demo_db], f"/{demo_db.stem}/node_executions.json?_search=checkout")
    assert data["human_description_en"].endswith("sorted by id descending") and data["rows"]
    ids = [row[0] for row in data["rows"]]
    assert ids == sorted(ids, reverse=True)
    statement = (
        "select * from node_executions where id in (select rowid from node_executions_fts "
        "where node_executions_fts match :search) order by id desc limit 101"
    )
    conn = sqlite3.connect(demo_db)
    try:
        steps = [r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + statement, ("checkout",))]
    finally:
        conn.close()
    assert not any("TEMP B-TREE" in step for step in steps), steps
