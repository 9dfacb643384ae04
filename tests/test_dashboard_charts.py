"""The dashboard's charts: hourly buckets for a day, tokens by kind, tooltips at once and
on touch (the last in a real headless Chromium)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from browsing import CHROMIUM, chromium, served, watched_page
from conftest import CLI
from datasette.app import Datasette
from test_datasette_helpers import get

KINDS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_creation_tokens")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("charts") / "index.db"
    done = subprocess.run([CLI, "demo", "--db", str(path), "--days", "4"], capture_output=True)
    assert done.returncode == 0, done.stderr
    conn = sqlite3.connect(path)
    with conn:  # a few tasks whose source reported only a total (no split by kind)
        conn.execute(
            "UPDATE node_executions SET input_tokens = NULL, output_tokens = NULL, "
            "cache_read_tokens = NULL, cache_creation_tokens = NULL "
            "WHERE id IN (SELECT id FROM node_executions WHERE token_count > 0 "
            "ORDER BY id DESC LIMIT 3)"
        )
    conn.close()
    return path


def activity(demo, query: str) -> dict:
    return get(Datasette([str(demo)]), "/-/agent-runs.json" + query).json()["activity"]


def test_a_day_is_drawn_by_the_hour(demo):
    found = activity(demo, "?range=24h")
    assert found["bucket"] == "hour"
    now = datetime.now(timezone.utc)
    assert len(found["labels"]) in (24, 25)
    assert found["labels"][-1] == now.strftime("%Y-%m-%dT%H:00")
    assert found["labels"][0] <= (now - timedelta(hours=24)).strftime("%Y-%m-%dT%H:00")
    conn = sqlite3.connect(demo)
    per_hour = dict(
        conn.execute(
            "SELECT substr(started_at, 1, 13) || ':00', count(*) FROM node_executions "
            "WHERE started_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-24 hours') GROUP BY 1"
        ).fetchall()
    )
    conn.close()
    drawn = {
        label: sum(values[i] for values in found["series"].values())
        for i, label in enumerate(found["labels"])
    }
    assert {k: v for k, v in drawn.items() if v} == per_hour
    assert sum(per_hour.values()) > 10
    assert activity(demo, "?range=7d")["bucket"] == "day"


def test_tokens_are_split_by_kind(demo):
    found = activity(demo, "?range=7d")
    kinds = found["tokens_by_kind"]
    conn = sqlite3.connect(demo)
    rows = conn.execute(
        "SELECT token_count, " + ", ".join(KINDS) + " FROM node_executions "
        "WHERE started_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-7 days')"
    ).fetchall()
    conn.close()
    for n, kind in enumerate(KINDS, start=1):
        assert sum(kinds[kind]) == sum(row[n] or 0 for row in rows) > 0, kind
    # What a total holds beyond its kinds: all of it when the source gave only a total.
    other = sum(max((row[0] or 0) - sum(v or 0 for v in row[1:]), 0) for row in rows)
    only_totals = sum(row[0] for row in rows if row[1] is None and row[0])
    assert sum(kinds["other_tokens"]) == other >= only_totals > 0
    for i in range(len(found["labels"])):
        assert sum(kinds[k][i] for k in kinds) == found["tokens"][i]


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed")
def test_tooltips_show_at_once_and_on_touch(demo):
    with served(demo) as server, chromium() as browser:
        with watched_page(browser, server) as page:
            page.goto(server + "/-/agent-runs?range=24h")
            bar = page.locator("#chart-activity svg .ar-mark").last
            bar.hover()
            tip = page.locator("#chart-activity .ar-tip")
            tip.wait_for(state="visible", timeout=300)  # no native title delay
            assert "UTC" in tip.inner_text() and "tasks in all" in tip.inner_text()
            assert page.locator("#chart-activity svg title").count() == 0
            kinds = page.eval_on_selector_all(
                "#chart-tokens svg .ar-mark", "ms => [...new Set(ms.map(m => m.classList[1]))]"
            )
            assert {"ar-fill-input_tokens", "ar-fill-output_tokens"} <= set(kinds)
            page.screenshot(path="/tmp/shots/dashboard-24h-tooltip.png")
            assert page.problems == []
        context = browser.new_context(
            viewport={"width": 412, "height": 915}, has_touch=True, is_mobile=True
        )
        try:
            page = context.new_page()
            page.goto(server + "/-/agent-runs?range=24h")
            bar = page.locator("#chart-activity svg .ar-mark").last
            bar.scroll_into_view_if_needed()
            start = page.url
            bar.tap()
            tip = page.locator("#chart-activity .ar-tip")
            tip.wait_for(state="visible", timeout=1000)
            assert page.url == start  # the first tap only shows the tooltip
            page.screenshot(path="/tmp/shots/dashboard-touch-tooltip.png")
            bar.tap()
            page.wait_for_url("**/index/tasks?**")
            assert "started_at__startswith=" in page.url
        finally:
            context.close()
