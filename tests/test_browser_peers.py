"""The new panels in a real headless Chromium: agent definition versions, capture coverage,
and the critical path on a run's timeline. Screenshots go to $AGENT_RUNS_SHOTS
(default tests/screenshots/)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browsing import chromium, served, watched_page
from conftest import event, query, task_input
from timed import record, task_call

SHOTS = Path(os.environ.get("AGENT_RUNS_SHOTS") or Path(__file__).parent / "screenshots")
V1 = "---\nname: code-reviewer\ndescription: Reviews a diff for bugs.\n---\nBe terse.\n"
V2 = "---\nname: code-reviewer\ndescription: Reviews a diff and lists missing tests.\n---\nx\n"


def task(tool_use_id, start, end, fails=False, session="s1"):
    tool_input = task_input(
        description=f"review part {tool_use_id}",
        prompt=f"review {tool_use_id}",
        subagent_type="code-reviewer",
    )
    found = "No issues found."
    return task_call(
        tool_use_id, start, end, tool_input, fails=fails, result=found, session=session
    )


@pytest.fixture(scope="module")
def peers_db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("peers")
    db = folder / "index.db"
    config = folder / "config"
    (config / "agents").mkdir(parents=True)
    definition = config / "agents" / "code-reviewer.md"
    saved = os.environ.get("CLAUDE_CONFIG_DIR")
    os.environ["CLAUDE_CONFIG_DIR"] = str(config)
    try:
        definition.write_text(V1)
        prompt = event("UserPromptSubmit", "s1", prompt="Review the checkout", prompt_id="p1")
        first = [(0, event("SessionStart", "s1")), (1, prompt)]
        first += task("A", 10, 40) + task("B", 12, 20, fails=True) + task("C", 15, 30)
        record(db, *sorted(first, key=lambda pair: pair[0]))
        definition.write_text(V2)
        second = task("D", 41, 60) + task("E", 45, 50)
        second.append((70, event("Stop", "s1", prompt_id="p1")))
        record(db, *sorted(second, key=lambda pair: pair[0]))
        missed = [(100, event("SessionStart", "s2"))] + task("M", 110, 130, session="s2")
        record(db, *missed, recorded_by="backfill")
    finally:
        if saved is None:
            os.environ.pop("CLAUDE_CONFIG_DIR", None)
        else:
            os.environ["CLAUDE_CONFIG_DIR"] = saved
    return db


def test_the_new_panels_in_chromium(peers_db):
    SHOTS.mkdir(parents=True, exist_ok=True)
    run_id = query(peers_db, "SELECT run_id FROM node_executions WHERE tool_use_id = 'A'")[0]
    path = query(
        peers_db, "SELECT critical_path FROM workflow_runs WHERE id = ?", (run_id["run_id"],)
    )[0]["critical_path"]
    ids = {r["tool_use_id"]: r["id"] for r in query(peers_db, "SELECT * FROM node_executions")}
    assert path == f"[{ids['A']}, {ids['D']}]"
    with served(peers_db) as server, chromium() as browser, watched_page(browser, server) as page:
        page.goto(server + "/-/agent-runs")
        panel = page.locator("#panel-agent-versions")
        rows = panel.locator("tbody tr")
        assert rows.count() == 2
        first, second = rows.nth(0), rows.nth(1)
        assert first.get_attribute("data-agent-type") == "code-reviewer"
        assert "2 versions" in first.inner_text()
        cells = [c.strip() for c in first.locator("td").all_inner_texts()]
        assert cells[1].endswith("Reviews a diff for bugs.") and cells[2] == "3"
        assert cells[3] == "33.3%"
        # D and E ran with the edited definition; the backfilled M's version is unknown
        # (backfill reads old transcripts: today's file need not be the one it ran with)
        assert [c.strip() for c in second.locator("td").all_inner_texts()][2:4] == ["2", "0.0%"]
        panel.screenshot(path=str(SHOTS / "agent-versions-panel.png"))
        tile = page.locator('[data-kpi="capture"]')
        assert tile.locator(".ar-kpi-value").inner_text() == "83.3%"  # 5 of 6 by the hook
        assert "1 of 6 missed by the hook" in tile.inner_text()
        page.locator(".ar-kpis").screenshot(path=str(SHOTS / "capture-tile.png"))
        tile.click()
        page.wait_for_load_state()
        assert "/capture-gaps" in page.url
        listed = page.locator("table.rows-and-columns tbody tr")
        assert listed.count() == 1
        assert "hook not installed" in listed.first.inner_text()
        page.screenshot(path=str(SHOTS / "capture-gaps.png"), full_page=True)

        page.goto(f"{server}/-/agent-runs/runs/{run_id['run_id']}")
        critical = page.locator("a.ar-node[data-critical]")
        assert sorted(
            int(a) for a in critical.evaluate_all("els => els.map(e => e.dataset.nodeId)")
        ) == sorted([ids["A"], ids["D"]])
        links = page.locator("path.ar-critical-link")
        assert links.count() == 1 and links.first.is_visible()
        kpi = page.locator('[data-kpi="critical_ms"]')
        assert kpi.get_attribute("data-value") == "49000"
        assert "1.5× in parallel" in kpi.inner_text()  # 77 s of subagents in 50 s
        page.locator("#panel-timeline").screenshot(path=str(SHOTS / "run-critical-path.png"))
        page.locator("#ar-critical-toggle").uncheck()
        assert not links.first.is_visible()
        page.goto(f"{server}/index/recent-runs")
        header = page.locator("table.rows-and-columns thead").inner_text()
        assert all(c in header for c in ("parallelism", "max_parallel", "critical_path_ms"))
        page.screenshot(path=str(SHOTS / "recent-runs.png"))
        assert page.problems == [], page.problems
