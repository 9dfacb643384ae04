"""Datasette's own pages for an agent-runs database, in a real headless Chromium.

The table, query, database and search pages, judged on their first screen (1280x800):
what a person sees before scrolling. Screenshots go to $AGENT_RUNS_SHOTS (default
/tmp/shots), outside the checkout.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from browsing import CHROMIUM, chromium, served, watched_page
from conftest import CLI

SHOTS = Path(os.environ.get("AGENT_RUNS_SHOTS", "/tmp/shots"))
FIRST_SCREEN = {"width": 1280, "height": 800}

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed (Debian package chromium)"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    path = tmp_path_factory.mktemp("pages") / "index.db"
    done = subprocess.run(
        [CLI, "demo", "--db", str(path), "--days", "14"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    with served(path) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser, server):
    with watched_page(browser, server) as page:
        page.set_viewport_size(FIRST_SCREEN)
        yield page


def shoot(page, name: str) -> None:
    """The first screen, and the whole page, as PNGs under SHOTS."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))
    page.screenshot(path=str(SHOTS / f"{name}-full.png"), full_page=True)


def top(page, selector: str) -> float:
    return page.locator(selector).first.bounding_box()["y"]


def rows_on_first_screen(page) -> int:
    return page.evaluate(
        """() => [...document.querySelectorAll('table.rows-and-columns tbody tr')]
            .filter((tr) => tr.getBoundingClientRect().bottom <= window.innerHeight).length"""
    )


def test_table_page_shows_the_tasks_view_compactly(page, server):
    page.goto(server + "/index/tasks")
    page.wait_for_selector("table.rows-and-columns tbody tr")
    shoot(page, "table-tasks")
    headers = page.eval_on_selector_all(
        "table.rows-and-columns thead th", "ths => ths.map(th => th.dataset.column)"
    )
    assert headers[:8] == [
        "id", "started_at", "description", "agent_type", "status", "outcome",
        "outcome_reason", "duration_ms",
    ]  # fmt: skip
    assert {"token_count", "cost_usd", "model", "project", "run_id"} <= set(headers)
    heights = page.eval_on_selector_all(
        "table.rows-and-columns tbody tr", "trs => trs.map(tr => tr.offsetHeight)"
    )
    assert max(heights) <= 64, heights  # at most about two lines per row
    assert rows_on_first_screen(page) >= 8
    assert page.locator("table .ar-badge.ar-completed").count() > 0
    # Each id opens the whole record on the node's row page, long text unfolded there.
    page.locator("td.col-id a").first.click()
    page.wait_for_url("**/index/node_executions/*")
    assert page.locator("details.ar-long:not([open])").count() == 0
    assert page.problems == []


def test_node_table_folds_long_results_to_two_lines(page, server):
    page.goto(server + "/index/node_executions?_sort_desc=id&_size=20")
    page.wait_for_selector("table.rows-and-columns tbody tr")
    shoot(page, "table-node-executions")
    folded = page.locator("td.col-result_text details.ar-long:not([open]) > summary")
    assert folded.count() >= 5
    line = page.evaluate(
        "() => parseFloat(getComputedStyle(document.querySelector("
        "'td.col-result_text details.ar-long > summary')).lineHeight)"
    )
    heights = [summary.bounding_box()["height"] for summary in folded.all()]
    assert max(heights) <= 2 * line + 2, (heights, line)
    rows = page.eval_on_selector_all(
        "table.rows-and-columns tbody tr", "trs => trs.map(tr => tr.offsetHeight)"
    )
    assert max(rows) <= 4 * line, (rows, line)  # every long cell (text, Markdown, JSON) folded
    assert page.problems == []


def test_query_page_is_titled_and_its_sql_is_one_click_away(page, server):
    page.goto(server + "/index/failed-tasks-this-week")
    page.wait_for_selector("table.rows-and-columns tbody tr")
    shoot(page, "query-failed-tasks")
    assert page.title() == "Failed tasks this week · index"
    assert page.locator("h1").inner_text().startswith("Failed tasks this week")
    assert page.locator(".CodeMirror, .cm-editor, textarea#sql-editor, pre#sql-query").count() == 0
    assert top(page, "table.rows-and-columns") < FIRST_SCREEN["height"] - 100
    assert rows_on_first_screen(page) >= 3
    page.get_by_role("link", name="show").click()
    page.wait_for_selector(".CodeMirror, .cm-editor, textarea#sql-editor, pre#sql-query")
    assert "node_executions" in page.content()
    assert page.problems == []


def test_database_page_starts_with_what_people_read(page, server):
    page.goto(server + "/index")
    shoot(page, "database")
    tables = page.eval_on_selector_all(".db-table h3 a", "as => as.map(a => a.textContent)")
    assert tables[:4] == ["tasks", "workflow_runs", "sessions", "learnings"]
    for internal in (
        "_agent_runs_otlp_exports", "_agent_runs_migrations", "conductor_decisions",
        "workflow_edges", "sqlite_sequence", "trails", "workflows",
    ):  # fmt: skip
        assert internal not in tables
    sql = page.evaluate(
        "() => (document.querySelector('.cm-content') || {}).innerText"
        " || document.querySelector('textarea#sql-editor').value"
    )
    assert sql.strip() == "select * from tasks"
    assert top(page, ".db-table") < FIRST_SCREEN["height"]
    # The charted queries open with datasette-vega already set up.
    page.locator("a", has_text="Daily activity").click()
    page.wait_for_selector(".vega-embed svg, .vega-embed canvas, svg.marks, canvas.marks")
    assert "g.x_column=day" in page.url
    shoot(page, "query-daily-activity-chart")
    assert page.problems == []


def test_leaderboard_chart_link_draws_the_chart(page, server):
    page.goto(server + "/index/agent-type-leaderboard")
    page.wait_for_selector("table.rows-and-columns tbody tr")
    page.locator("a.ar-chart-link").click()
    page.wait_for_selector(".vega-embed svg, .vega-embed canvas, svg.marks, canvas.marks")
    assert "g.y_column=failure_rate_pct" in page.url
    shoot(page, "query-leaderboard-chart")
    assert page.problems == []


def test_search_lands_on_results_first(page, server):
    page.goto(server + "/-/agent-runs")
    box = page.locator("form input[type=search], form input[name=q]").first
    box.fill("race")
    box.press("Enter")
    page.wait_for_url("**/index/search-tasks**")
    page.wait_for_selector("table.rows-and-columns tbody tr")
    shoot(page, "search")
    assert page.title() == "Search tasks · index"
    results = top(page, "table.rows-and-columns")
    assert results < top(page, "form.sql") and results < 200
    assert rows_on_first_screen(page) >= 3
    assert page.locator("td.col-snippet mark").count() > 0
    assert page.problems == []
