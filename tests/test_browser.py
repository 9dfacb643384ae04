"""The pages in a real headless Chromium: charts draw, no console errors, live mode works.

Datasette runs as a subprocess on a free loopback port over a demo database written by
``agent-runs demo``. Screenshots go to tests/screenshots/ (not committed).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest
from browsing import CHROMIUM, chromium, served, watched_page
from conftest import CLI, post, task_input

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed (Debian package chromium)"
)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("browser") / "index.db"
    result = subprocess.run(
        [CLI, "demo", "--db", str(path)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture(scope="module")
def server(demo_db):
    with served(demo_db) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser, server):
    """A page that records console errors, failed requests and any request off the server."""
    with watched_page(browser, server) as page:
        yield page


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def marks(page, selector: str) -> int:
    return page.locator(f"{selector} svg .ar-mark").count()


def test_dashboard_draws_its_charts(page, server):
    page.goto(server + "/-/agent-runs")
    page.wait_for_selector("#chart-activity svg rect.ar-mark")
    assert marks(page, "#chart-activity") > 20
    assert marks(page, "#chart-tokens") > 10
    assert marks(page, "#chart-durations") >= 8
    assert page.locator(".ar-kpi").count() == 11
    first_time = page.locator("#panel-runs time").first
    assert "stored as" in first_time.get_attribute("title")
    assert "ago" in first_time.inner_text()
    assert page.locator("[data-time-zone]").inner_text() == "Europe/Berlin"
    screenshot(page, "dashboard")
    assert page.problems == []


def test_dashboard_filters_and_chart_links(page, server):
    page.goto(server + "/-/agent-runs")
    page.select_option("select[name=agent_type]", "Explore")
    page.wait_for_url("**agent_type=Explore**")
    page.wait_for_selector("#chart-durations svg rect.ar-mark")
    assert page.locator("#panel-agent-types tbody tr").count() == 1
    page.locator("a[aria-current=false]", has_text="7 d").click()
    page.wait_for_url("**range=7d**")
    assert "agent_type=Explore" in page.url
    href = page.locator("#chart-activity svg a").first.get_attribute("href")
    assert "/index/tasks?" in href and "agent_type=Explore" in href  # the tasks view
    assert page.problems == []


def test_every_chart_mark_takes_a_click_at_its_centre(page, server):
    """Nothing drawn over the bars (the axis line) takes their clicks, however thin."""
    page.goto(server + "/-/agent-runs")
    page.wait_for_selector("#chart-tokens svg rect.ar-mark")
    covered = page.evaluate(
        """() => [...document.querySelectorAll('.ar-chart')].flatMap(chart => {
            chart.scrollIntoView({block: 'center'});
            return [...chart.querySelectorAll('svg rect.ar-mark')].flatMap(mark => {
                const box = mark.getBoundingClientRect();
                const hit = document.elementFromPoint(
                    box.x + box.width / 2, box.y + box.height / 2);
                const ok = box.width === 0 || (hit && hit.classList.contains('ar-mark'));
                return ok ? [] : [[chart.id, box.height, hit && hit.outerHTML.slice(0, 60)]];
            });
        })"""
    )
    assert page.locator(".ar-chart svg rect.ar-mark").count() > 100
    assert covered == []
    assert page.problems == []


def test_live_mode_redraws_when_the_recorder_writes(page, server, demo_db):
    page.goto(server + "/-/agent-runs?range=24h")
    page.wait_for_selector("#chart-activity svg")
    before = page.locator("#ar-panels").get_attribute("data-generated-at")
    page.check("#ar-live")
    page.wait_for_function(
        "document.getElementById('ar-live-state').textContent.includes('checked')"
    )
    assert "live=1" in page.url
    assert "live=1" in page.locator("a[aria-current=false]", has_text="7 d").get_attribute("href")
    # A subagent finishes, recorded through the real recorder.
    from recorder.derive import apply as ingest
    from recorder.hook import database, keep

    conn = database.connect(str(demo_db))
    try:
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        ingest.record(
            conn,
            [
                keep.stamp(
                    post(
                        "toolu_browser_live",
                        tool_input=task_input(description="Live browser check"),
                    ),
                    received_at=now,
                )
            ],
            db=str(demo_db),
        )
    finally:
        conn.close()
    page.wait_for_function(
        f"document.getElementById('ar-panels').dataset.generatedAt !== {json.dumps(before)}",
        timeout=20_000,
    )
    page.wait_for_selector("#chart-activity svg rect.ar-mark")
    page.uncheck("#ar-live")
    assert page.locator("#ar-live-state").inner_text() == "off"
    assert page.problems == []


def busiest_run(db: Path) -> tuple[int, int]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT run_id, count(*) FROM node_executions GROUP BY run_id "
            "ORDER BY count(*) DESC, run_id LIMIT 1"
        ).fetchone()
    finally:
        conn.close()


def test_run_page_timeline(page, server, demo_db):
    run_id, nodes = busiest_run(demo_db)
    page.goto(f"{server}/-/agent-runs/runs/{run_id}")
    bars = page.locator(".ar-timeline svg rect.ar-bar")
    assert bars.count() == nodes
    assert int(page.locator("[data-kpi=peak]").get_attribute("data-value")) >= 2
    first = page.locator(".ar-timeline svg a.ar-node").first
    node_id = first.get_attribute("data-node-id")
    assert first.get_attribute("href") == f"/index/node_executions/{node_id}"
    screenshot(page, "run")
    first.locator("rect").click()
    page.wait_for_url(f"**/index/node_executions/{node_id}")
    assert page.problems == []


def test_row_page_reads_well(page, server, demo_db):
    conn = sqlite3.connect(demo_db)
    try:
        (node_id,) = conn.execute(
            "SELECT id FROM node_executions WHERE status = 'completed' AND result_text LIKE '%|%' "
            "ORDER BY id LIMIT 1"
        ).fetchone()
    finally:
        conn.close()
    page.goto(f"{server}/index/node_executions/{node_id}")
    assert page.locator("body.ar-vertical").count() == 1
    assert page.locator(".ar-badge.ar-completed").count() == 1
    assert page.locator(".ar-md table").count() >= 1
    started = page.locator("td.col-started_at time")
    assert "stored as" in started.get_attribute("title")
    assert "T" not in started.inner_text()  # shown as local time, not the stored ISO value
    screenshot(page, "row")
    assert page.problems == []


def test_learnings_and_hotspots_panels(page, server):
    page.goto(server + "/-/agent-runs")
    learnings = page.locator("#panel-learnings li.ar-learning")
    assert learnings.count() == 8
    assert page.locator("#panel-learnings .ar-badge.ar-heuristic").count() >= 1
    assert page.locator("#panel-learnings .ar-domain").count() >= 5
    assert learnings.first.locator("time").inner_text().endswith("ago")
    hotspots = page.locator("#panel-hotspots tbody tr")
    assert hotspots.count() == 8
    first_file = hotspots.first.get_attribute("data-file")
    assert first_file.startswith("/home/dev/code/")
    assert int(hotspots.first.locator("td").nth(1).inner_text()) > 1
    screenshot(page, "dashboard-learnings")
    # Explore subagents only read: filtered to them, no hotspot has a write.
    page.select_option("select[name=agent_type]", "Explore")
    page.wait_for_url("**agent_type=Explore**")
    writes = page.locator("#panel-hotspots tbody tr td:nth-child(3)").all_inner_texts()
    assert writes and set(writes) == {"0"}
    # A domain leads to the learnings table, whose search box uses the full-text index.
    page.locator("#panel-learnings .ar-domain").first.click()
    page.wait_for_url("**/index/learnings?**domain=**")
    # a word of the domain's newest learning (what the demo learned varies with its draws)
    title = page.locator("table.rows-and-columns tbody tr td.col-title").first.inner_text()
    word = max(re.findall(r"[a-z]{6,}", title), key=len)
    page.fill("input#_search", word)
    page.locator("input#_search").press("Enter")
    page.wait_for_url(f"**_search={word}**")
    assert page.locator("table.rows-and-columns tbody tr").count() >= 1
    assert page.problems == []


def test_node_table_search_lists_the_newest_matches(page, server):
    page.goto(server + "/index/node_executions")
    page.fill("input#_search", "the")
    page.locator("input#_search").press("Enter")
    page.wait_for_url("**_search=the**")
    heading = page.locator("h3").first.inner_text()
    assert "newest 5,000 matching tasks at most" in heading
    assert page.locator("input#_search").input_value() == "the"  # the box keeps the words
    ids = [int(t) for t in page.locator("table.rows-and-columns tbody td.col-id").all_inner_texts()]
    assert ids and ids == sorted(ids, reverse=True)
    screenshot(page, "node-table-search")
    assert page.problems == []


def test_a_learnings_domain_opens_as_many_learnings_as_it_counts(page, server):
    page.goto(server + "/-/agent-runs?range=7d")
    chip = page.locator("#panel-learnings .ar-domain").first
    counted = int(chip.locator(".ar-num").inner_text().replace(",", ""))
    chip.click()
    page.wait_for_url("**/index/learnings?**created_at__gte=**")
    shown = page.locator("h3").first.inner_text()  # "N rows where ..."
    assert int(re.match(r"([\d,]+) rows?", shown).group(1).replace(",", "")) == counted
    page.goto(server + "/-/agent-runs?range=7d")
    more = page.locator("#panel-learnings a.ar-more")
    assert "days=7" in more.get_attribute("href")
    assert page.problems == []


def test_the_run_page_fits_a_phone(page, server, demo_db):
    run_id, _ = busiest_run(demo_db)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{server}/-/agent-runs/runs/{run_id}")
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 390, f"the page scrolls sideways to {wide} px"
    assert page.locator("#panel-nodes .ar-scroll table").count() == 1  # the table scrolls
    screenshot(page, "run-390")
    assert page.problems == []


def test_dashboard_basics_for_keyboards_and_screen_readers(page, server):
    page.goto(server + "/-/agent-runs")
    page.wait_for_selector("#chart-activity svg rect.ar-mark")
    assert page.evaluate("document.documentElement.lang") == "en"
    # charts hold links: a group a screen reader enters, not a picture it skips
    roles = page.locator(".ar-chart svg[role]").evaluate_all(
        "svgs => svgs.map(s => s.getAttribute('role'))"
    )
    assert roles and set(roles) == {"group"}
    skip = page.locator("a.ar-skip")
    assert skip.bounding_box() is None or skip.bounding_box()["x"] < 0  # hidden until focused
    skip.focus()
    assert skip.bounding_box()["x"] >= 0
    skip.press("Enter")
    page.wait_for_url("**#panel-agent-types")
    assert page.problems == []


def test_the_duration_axis_labels_do_not_overlap_on_a_phone(page, server):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server + "/-/agent-runs")
    page.wait_for_selector("#chart-durations svg .ar-axis text")
    boxes = page.locator("#chart-durations svg .ar-axis text").evaluate_all(
        "labels => labels.map(t => { const b = t.getBoundingClientRect();"
        " return [b.left, b.right]; })"
    )
    assert len(boxes) >= 2
    for (_, right), (left, _) in zip(boxes, boxes[1:], strict=False):
        assert right <= left, boxes
    assert page.problems == []
