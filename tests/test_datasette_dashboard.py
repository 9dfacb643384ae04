"""The dashboard and run pages, served by a real Datasette over a real recorded database."""

from __future__ import annotations

import html
import re
import shutil
import sqlite3

import pytest
from datasette.app import Datasette
from test_datasette_helpers import EXPECTED, build, get

from datasette_plugins import formatting, locate
from recorder.schema import rollups

PERCENTILES = ("median_ms", "p95_ms")


def within(exact: float):
    """A percentile read from the rollups' duration buckets: within their stated error."""
    return pytest.approx(exact, rel=rollups.ERROR)


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    # Not called index.db: the plugin must recognise the schema, not the file name.
    return build(tmp_path_factory.mktemp("known") / "agents.db")


@pytest.fixture
def ds(known):
    return Datasette([str(known)])


def kpi_values(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-kpi="([a-z_0-9]+)" data-value="([^"]*)"', html))


def dashboard_json(ds, query: str = "") -> dict:
    response = get(ds, "/-/agent-runs.json" + query)
    assert response.status_code == 200, response.text
    return response.json()


def test_dashboard_tiles_show_the_known_numbers(ds):
    response = get(ds, "/-/agent-runs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    tiles = kpi_values(response.text)
    for key in ("tasks_24h", "tasks_7d", "runs_24h", "runs_7d", "running"):
        assert int(tiles[key]) == EXPECTED[key], key
    assert float(tiles["failure_rate"]) == pytest.approx(EXPECTED["failure_rate"])
    assert float(tiles["median_ms"]) == within(EXPECTED["median_ms"])
    assert float(tiles["p95_ms"]) == within(EXPECTED["p95_ms"])
    assert int(tiles["tokens"]) == EXPECTED["tokens"]
    # ...and as people read them
    assert "20.0%" in response.text  # failure rate
    # median ~50 000 ms, p95 ~120 000 ms, as read from the duration buckets
    assert formatting.duration(float(tiles["median_ms"])) in response.text
    assert formatting.duration(float(tiles["p95_ms"])) in response.text
    assert "11.7k" in response.text  # tokens


def test_dashboard_json_has_the_same_numbers(ds):
    kpis = dashboard_json(ds)["kpis"]
    for key in (
        "tasks_24h",
        "tasks_7d",
        "runs_24h",
        "runs_7d",
        "tasks",
        "failed",
        "finished",
        "tokens",
    ):
        assert kpis[key] == EXPECTED[key], key
    assert kpis["failure_rate"] == pytest.approx(0.2)
    assert (kpis["median_ms"], kpis["p95_ms"]) == (within(50_000), within(120_000))


def test_dashboard_panels(ds):
    data = dashboard_json(ds)
    assert not data["errors"]
    by_type = {row["agent_type"]: row for row in data["agent_types"]}
    assert set(by_type) == {"Explore", "Plan", "general-purpose"}
    explore = by_type["Explore"]
    assert (explore["tasks"], explore["failed"], explore["finished"]) == (3, 1, 3)
    assert explore["failure_rate"] == pytest.approx(1 / 3)
    assert (explore["median_ms"], explore["p95_ms"]) == (within(90_000), within(120_000))
    assert explore["tokens_per_task"] == pytest.approx(8_000 / 3)
    assert by_type["general-purpose"]["running"] == 1
    [failure] = data["recent_failures"]
    assert failure["node_name"] == "Run the tests" and "reads as blocked" in failure["reason"]
    assert [run["id"] for run in data["recent_runs"]] == [4, 1, 2, 3]
    activity = data["activity"]
    assert activity["bucket"] == "day" and len(activity["labels"]) == 31
    assert sum(sum(values) for values in activity["series"].values()) == EXPECTED["tasks"]
    assert sum(activity["series"]["failed"]) == 1
    assert sum(activity["tokens"]) == EXPECTED["tokens"]


def test_dashboard_html_links_failures_runs_and_search(ds):
    html = get(ds, "/-/agent-runs").text
    assert 'href="/agents/node_executions/3"' in html  # the failure's row page
    assert "reads as blocked" in html and ">blocked</span>" in html  # its reason and kind
    assert 'href="/-/agent-runs/runs/1"' in html  # recent runs -> run pages
    assert 'id="chart-activity"' in html and 'id="chart-tokens"' in html
    assert 'id="chart-durations"' in html and 'id="ar-data"' in html
    assert "Nothing recorded yet" not in html
    assert 'id="ar-live"' in html and "checked" not in html.split('id="ar-live"')[1][:80]
    search = re.search(r'<form class="ar-toolbar ar-search"[^>]*action="([^"]+)"', html)
    assert search and search.group(1) in ("/agents/search-tasks", "/agents/node_executions")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?project=/home/u/other", {"tasks": 1, "tasks_24h": 1, "runs_24h": 1, "finished": 0}),
        ("?agent_type=Explore", {"tasks": 3, "failed": 1, "median_ms": 90_000, "p95_ms": 120_000}),
        ("?range=24h", {"tasks": 4, "finished": 3, "failed": 1, "median_ms": 50_000}),
        ("?range=7d&agent_type=Plan", {"tasks": 1, "tokens": 3_000, "median_ms": 28_000}),
        ("?range=all", {"tasks": 6, "tokens": 11_700}),
    ],
)
def test_filters_apply_to_every_panel(ds, query, expected):
    data = dashboard_json(ds, query)
    for key, value in expected.items():
        assert data["kpis"][key] == (within(value) if key in PERCENTILES else value), key
    tasks_in_chart = sum(sum(v) for v in data["activity"]["series"].values())
    assert tasks_in_chart == expected["tasks"]
    assert sum(row["tasks"] for row in data["agent_types"]) == expected["tasks"]
    if "agent_type=" in query:
        wanted = query.split("agent_type=")[1]
        assert {row["agent_type"] for row in data["agent_types"]} == {wanted}
    if "project=" in query:
        assert [run["id"] for run in data["recent_runs"]] == [4]
        assert data["recent_failures"] == []


@pytest.mark.parametrize("path", ["/-/agent-runs.json", "/-/agent-runs"])
def test_an_unknown_range_is_a_bad_request(ds, path):
    """As a canned query refuses a bad parameter: a typo is not quietly read as 30 days."""
    response = get(ds, path + "?range=bogus")
    assert response.status_code == 400
    said = html.unescape(response.text)
    assert "range must be one of 24h, 7d, 30d, 90d, all, not 'bogus'" in said


def test_filters_are_kept_in_the_page(ds):
    html = get(ds, "/-/agent-runs?range=7d&agent_type=Explore").text
    assert '<option value="Explore" selected>' in html
    assert 'aria-current="true">7 d<' in html
    assert 'href="/-/agent-runs?agent_type=Explore"' in html  # 30 d (default) keeps the type


def test_run_page_shows_prompt_counters_and_timeline(ds):
    response = get(ds, "/-/agent-runs/runs/1")
    assert response.status_code == 200
    html = response.text
    assert "Why is the checkout flaky?" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    tiles = kpi_values(html)
    assert tiles["nodes"] == "3" and tiles["peak"] == "2" and tiles["tokens"] == "6000"
    bars = re.findall(r'<a href="(/agents/node_executions/\d+)" class="ar-node"', html)
    assert sorted(bars) == [f"/agents/node_executions/{i}" for i in (1, 2, 3)]
    assert re.search(r'class="ar-bar ar-fill-failed"', html)
    assert html.count('class="ar-bar ar-fill-completed"') == 2


def test_run_timeline_overlaps_parallel_nodes(ds):
    response = get(ds, "/-/agent-runs/runs/1.json")
    assert response.status_code == 200
    bars = {bar["id"]: bar for bar in response.json()["timeline"]["bars"]}
    a, b, c = bars[1], bars[2], bars[3]

    def overlap(x, y):
        return x["x"] < y["x"] + y["width"] and y["x"] < x["x"] + x["width"]

    assert overlap(a, b) and overlap(a, c) and not overlap(b, c)


def test_unknown_run_is_a_404_page(ds):
    response = get(ds, "/-/agent-runs/runs/999")
    assert response.status_code == 404
    assert "There is no run 999" in response.text
    assert "<html" in response.text.lower() and "Traceback" not in response.text
    assert get(ds, "/-/agent-runs/runs/abc").status_code == 404
    assert get(ds, "/-/agent-runs/runs/999.json").status_code == 404


def test_menu_has_the_dashboard(ds):
    html = get(ds, "/agents").text
    menu = html.split('<details class="nav-menu">')[1].split("</details>")[0]
    assert '<a href="/-/agent-runs">Agent runs dashboard</a>' in menu


def test_index_page_links_the_dashboard(ds):
    html = get(ds, "/").text
    assert '<a href="/-/agent-runs"><strong>Open the agent-runs dashboard' in html


def test_table_and_database_actions_link_the_dashboard(ds):
    for page in ("/agents/node_executions", "/agents"):
        actions = get(ds, page).text.split('<details class="actions-menu-links">')[1]
        actions = actions.split("</details>")[0]
        assert '<a href="/-/agent-runs">Agent runs dashboard</a>' in actions, page


def test_status_endpoint_for_live_mode(ds):
    status = get(ds, "/-/agent-runs/status.json").json()
    assert status["running"] == 1 and status["changed"]


def test_static_files_are_served_from_the_package(ds):
    response = get(ds, "/-/agent-runs/static/charts.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "https://" not in response.text  # nothing loaded from the network
    assert get(ds, "/-/agent-runs/static/nope.js").status_code == 404
    outside = get(ds, "/-/agent-runs/static/..%2Fagent_runs.py")
    assert outside.status_code != 200 and "hookimpl" not in outside.text
    html = get(ds, "/-/agent-runs").text
    assert re.search(r'src="/-/agent-runs/static/dashboard\.js\?v=\w+"', html)
    assert "cdn" not in html.lower()


def test_other_agent_runs_databases_are_picked_with_db(known, tmp_path):
    second = tmp_path / "second.db"
    shutil.copy(known, second)
    ds = Datasette([str(known), str(second)])
    assert dashboard_json(ds, "?db=second")["database"] == "second"
    assert get(ds, "/-/agent-runs/runs/1?db=second").status_code == 200
    assert get(ds, "/-/agent-runs?db=nope").status_code == 404
    html = get(ds, "/-/agent-runs?db=second").text
    assert 'href="/second/node_executions/3"' in html


@pytest.fixture
def plain(tmp_path):
    path = tmp_path / "plain.db"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE tasks (id INTEGER PRIMARY KEY, status TEXT, duration_ms INTEGER,"
        " started_at TEXT, token_count INTEGER)"
    )
    conn.execute("INSERT INTO tasks VALUES (1, 'failed', 83000, '2026-01-02T03:04:05Z', 12450)")
    conn.commit()
    conn.close()
    return path


def test_a_database_without_the_schema_is_left_alone(plain):
    ds = Datasette([str(plain)])
    index = get(ds, "/").text
    assert "agent-runs" not in index and "Agent runs" not in index
    assert get(ds, "/-/agent-runs").status_code == 404
    metadata = get(ds, "/-/metadata.json").json()
    assert metadata == {}
    assert get(ds, "/plain.json").json()["queries"] == []
    table = get(ds, "/plain/tasks").text
    assert "ar-badge" not in table and "agent-runs.css" not in table and "1m 23s" not in table
    assert "83000" in table and "12450" in table


def test_mixed_instance_touches_only_the_agent_runs_database(known, plain):
    ds = Datasette([str(known), str(plain)])
    assert get(ds, "/plain.json").json()["queries"] == []
    assert "ar-badge" not in get(ds, "/plain/tasks").text
    assert "agent-runs.css" not in get(ds, "/plain").text
    assert "ar-badge ar-failed" in get(ds, "/agents/node_executions").text
    queries = {q["name"] for q in get(ds, "/agents.json").json()["queries"]}
    assert queries == {p.stem for p in (locate.data_dir() / "canned_queries").glob("*.sql")}
    assert get(ds, "/-/agent-runs").status_code == 200


def test_a_new_empty_database_shows_an_empty_dashboard(tmp_path):
    from recorder.hook import database

    path = tmp_path / "fresh.db"
    database.connect(str(path)).close()  # the schema, no rows
    ds = Datasette([str(path)])
    response = get(ds, "/-/agent-runs")
    assert response.status_code == 200
    tiles = kpi_values(response.text)
    assert tiles["tasks_7d"] == "0" and tiles["running"] == "0" and tiles["median_ms"] == ""
    assert "No failures in this range." in response.text
    assert "No runs in this range." in response.text
    assert "Nothing recorded yet" in response.text and "agent-runs install-hooks" in response.text
    data = dashboard_json(ds)
    assert data["errors"] == {} and data["agent_types"] == []
    assert sum(sum(v) for v in data["activity"]["series"].values()) == 0


def test_tasks_with_no_agent_type_are_listed_without_a_filter_link(known, tmp_path):
    copy = tmp_path / "agents.db"
    shutil.copy(known, copy)
    conn = sqlite3.connect(copy)
    with conn:  # as ELF's own code inserts a node: no agent type
        conn.execute(
            "INSERT INTO node_executions (run_id, node_id, node_type, node_name, status, "
            "started_at, completed_at, duration_ms) VALUES (1, 'elf-1', 'single', 'ELF task', "
            "'completed', strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 hour'), "
            "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-50 minutes'), 600000)"
        )
    conn.close()
    ds = Datasette([str(copy)])
    rows = {row["agent_type"]: row for row in dashboard_json(ds)["agent_types"]}
    assert rows[""]["tasks"] == 1 and rows[""]["href"] is None  # no type: ""
    assert rows["Explore"]["href"].endswith("agent_type=Explore")
    html = get(ds, "/-/agent-runs").text
    assert re.search(r"<td>\(none\)", html) and ">(none)</a>" not in html
