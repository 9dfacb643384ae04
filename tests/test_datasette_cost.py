"""Cost on the dashboard and the run page, from a database with known spend (real Datasette)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from browsing import CHROMIUM, chromium, served, watched_page
from datasette.app import Datasette
from test_canned_queries import ago
from test_cost_queries import CostRecorder
from test_datasette_helpers import get
from usage_transcripts import HAIKU, SONNET


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    root = tmp_path_factory.mktemp("cost")
    rec = CostRecorder(root / "memory" / "index.db", root / "projects" / "-p")
    rec.spend("a", HAIKU, input=1_000_000, start=ago(days=1))  # $1.00
    rec.spend("b", SONNET, output=100_000, start=ago(days=1, minutes=1))  # $1.50
    rec.spend("c", HAIKU, input=500_000, start=ago(days=2), kind="reported_failure")  # $0.50
    rec.spend("d", SONNET, output=200_000, start=ago(days=2), agent="Plan")  # $3.00
    rec.spend("e", "claude-unknown-1", input=5, start=ago(days=2), agent="Plan")  # no price
    rec.conn.close()
    return rec.path


def kpis(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-kpi="([a-z_0-9]+)" data-value="([^"]*)"', html))


def test_cost_tile_chart_data_and_agent_type_costs(known):
    ds = Datasette([known])
    html = get(ds, "/-/agent-runs").text
    assert float(kpis(html)["cost_usd"]) == pytest.approx(6.0)
    # $6.00 over 4 successful tasks (e is a success without a price)
    assert "$6.00" in html and "$1.50 per successful task · 1 unpriced" in html
    assert 'id="chart-cost"' in html
    data = get(ds, "/-/agent-runs.json").json()
    by_model = {m["model"]: sum(m["values"]) for m in data["activity"]["cost_by_model"]}
    assert by_model == pytest.approx({HAIKU: 1.5, SONNET: 4.5})
    types = {r["agent_type"]: r for r in data["agent_types"]}
    assert types["Explore"]["cost_usd"] == pytest.approx(3.0)
    assert types["Explore"]["cost_per_success"] == pytest.approx(1.5)  # $3 over 2 successes
    assert types["Plan"]["cost_per_success"] == pytest.approx(1.5)  # $3 over d and e
    assert types["Explore"]["input_tokens"] == 1_500_000
    assert types["Explore"]["output_tokens"] == 100_000


def test_run_page_shows_each_nodes_cost(known):
    ds = Datasette([known])
    runs = get(ds, "/index/workflow_runs.json?_shape=array&_col=cost_usd").json()
    for run in runs:
        html = get(ds, f"/-/agent-runs/runs/{run['id']}").text
        costs = [float(c) for c in re.findall(r'data-cost="([^"]+)"', html)]
        if run["cost_usd"] is not None:
            assert float(kpis(html)["cost_usd"]) == pytest.approx(run["cost_usd"])
            assert sum(costs) == pytest.approx(run["cost_usd"])
    pages = "".join(get(ds, f"/-/agent-runs/runs/{r['id']}").text for r in runs)
    assert "without a price" in pages  # the run holding the unpriced node says so


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed")
def test_cost_chart_draws_one_colour_per_model_in_chromium(known):
    with served(Path(known)) as base, chromium() as browser, watched_page(browser, base) as page:
        page.goto(base + "/-/agent-runs")
        page.wait_for_selector("#chart-cost svg rect.ar-mark")
        fills = {
            page.locator("#chart-cost svg rect.ar-mark").nth(i).get_attribute("fill")
            for i in range(page.locator("#chart-cost svg rect.ar-mark").count())
        }
        assert len(fills) == 2  # haiku and sonnet, each its own colour
        legend = page.locator("#chart-cost .ar-legend").inner_text()
        assert HAIKU in legend and SONNET in legend
        title = page.locator("#chart-cost svg rect.ar-mark title").first.text_content()
        assert "$" in title
        assert page.problems == []


def test_table_pages_show_costs_as_dollars_and_node_tools(known):
    ds = Datasette([known])
    html = get(ds, "/index/node_executions?_sort_desc=cost_usd").text
    assert "$3.00" in html and "$1.50" in html
    assert "$0.500" not in html  # $0.50 reads with two decimals
    assert "how many returned an error" in get(ds, "/index/node_tools").text
