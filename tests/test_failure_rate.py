"""One failure rate: the dashboard's panels and the canned queries agree on the same database.

failure rate = failures / finished; finished = completed or failed; a failure = failed, or
completed with outcome failure. Cancelled, abandoned and running tasks are left out.
The database is the demo, recorded through the real path, with some completed tasks
whose report the classifier judged a failure and a cancelled task marked failure too,
so that every way of counting that differs from the definition gives another number.
"""

from __future__ import annotations

import sqlite3

import pytest
from datasette.app import Datasette
from test_datasette_helpers import get

from recorder.sources.demo import write_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("rate") / "demo.db"
    write_demo(str(path), days=20, seed=11)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "UPDATE node_executions SET outcome = 'failure' WHERE id IN ("
            "SELECT id FROM node_executions WHERE status = 'completed' ORDER BY id DESC LIMIT 40)"
        )
        conn.execute(
            "UPDATE node_executions SET outcome = 'failure' WHERE id IN ("
            "SELECT id FROM node_executions WHERE status = 'cancelled' ORDER BY id DESC LIMIT 5)"
        )
    conn.close()
    return path


@pytest.fixture
def ds(demo):
    return Datasette([str(demo)])


def by_definition(demo, where: str = "1", params: tuple = ()) -> dict:
    """{agent type: percent} computed here, straight from the definition."""
    conn = sqlite3.connect(demo)
    rows = conn.execute(
        "SELECT coalesce(agent_type, ''), status, outcome FROM node_executions "
        f"WHERE started_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-30 days') AND {where}",
        params,
    ).fetchall()
    conn.close()
    finished: dict[str, int] = {}
    failures: dict[str, int] = {}
    for agent, status, outcome in rows:
        if status in ("completed", "failed"):
            finished[agent] = finished.get(agent, 0) + 1
            if status == "failed" or outcome == "failure":
                failures[agent] = failures.get(agent, 0) + 1
    return {a: round(100 * failures.get(a, 0) / n, 1) for a, n in finished.items()}


def test_dashboard_agent_types_match_the_leaderboard(ds, demo):
    dashboard = get(ds, "/-/agent-runs.json?range=30d").json()["agent_types"]
    board = get(ds, "/demo/agent-type-leaderboard.json?days=30&_shape=array").json()
    from_dashboard = {r["agent_type"]: round(100 * r["failure_rate"], 1) for r in dashboard}
    from_query = {
        ("" if r["agent_type"] == "(none)" else r["agent_type"]): r["failure_rate_pct"]
        for r in board
    }
    assert from_dashboard == from_query == by_definition(demo)
    assert len(from_dashboard) >= 3


def test_dashboard_project_filter_matches_the_project_summary(ds, demo):
    summary = get(ds, "/demo/project-summary.json?days=30&_shape=array").json()
    assert len(summary) >= 2
    for row in summary:
        kpis = get(ds, "/-/agent-runs.json?range=30d&project=" + row["project"]).json()["kpis"]
        assert round(100 * kpis["failure_rate"], 1) == row["failure_rate_pct"], row["project"]
        expected = by_definition(demo, "project = ?", (row["project"],))
        conn = sqlite3.connect(demo)
        finished = conn.execute(
            "SELECT count(*) FROM node_executions WHERE project = ? AND status IN "
            "('completed', 'failed') AND started_at >= "
            "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-30 days')",
            (row["project"],),
        ).fetchone()[0]
        conn.close()
        assert kpis["finished"] == finished
        assert expected  # the project has finished tasks


def test_the_definition_is_written_where_the_rate_is_shown(ds):
    html = get(ds, "/-/agent-runs").text
    assert "finished = completed or failed" in html
    for name in ("agent-type-leaderboard", "project-summary"):
        page = get(ds, f"/demo/{name}").text
        assert "finished = completed or failed" in page.replace("\n", " ").replace("  ", " ")
