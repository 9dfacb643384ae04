"""Every curl line of the README's JSON API section works and returns what it says."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from datasette.app import Datasette
from test_datasette_helpers import build, get

README = Path(__file__).resolve().parent.parent / "README.md"
CALLS = re.findall(r"curl -s 'http://127\.0\.0\.1:8001([^']+)'", README.read_text())

# What each question answers on the known database (see test_datasette_helpers).
ROWS = {"failed-tasks-this-week": 1, "node_executions": 3, "agent-type-leaderboard": 3}


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    return Datasette([str(build(tmp_path_factory.mktemp("api") / "index.db"))])


def rows_of(path: str, body: str) -> list:
    if "_nl=on" in path:
        return [json.loads(line) for line in body.splitlines() if line.strip()]
    if ".csv" in path:
        return list(csv.DictReader(io.StringIO(body)))
    return json.loads(body)


def test_readme_shows_the_three_questions_in_every_format():
    assert len(CALLS) == 10
    for name in ROWS:
        formats = {
            ("nl" if "_nl=on" in c else "csv" if ".csv" in c else "json")
            for c in CALLS
            if f"/{name}." in c
        }
        assert formats == {"json", "nl", "csv"}, name


@pytest.mark.parametrize("path", CALLS)
def test_each_readme_call(ds, path):
    response = get(ds, path)
    assert response.status_code == 200, (path, response.text[:300])
    if path.startswith("/-/agent-runs/runs/"):
        data = response.json()
        assert len(data["nodes"]) == ROWS["node_executions"]
        return
    name = path.split("/")[2].split(".")[0]
    rows = rows_of(path, response.text)
    assert len(rows) == ROWS[name], (path, rows)
    if name == "failed-tasks-this-week":
        assert "unable to run the tests" in json.dumps(rows)
    if name == "agent-type-leaderboard":
        assert {r["agent_type"] for r in rows} == {"Explore", "Plan", "general-purpose"}


@pytest.mark.parametrize("value", ["abc", "-1", "0", "1.5", "7abc", "1e9", "99999999"])
def test_a_number_parameter_that_is_no_whole_number_is_a_400(ds, value):
    """A program must tell a bad request from "no failures this week"."""
    for path in (
        f"/index/failed-tasks-this-week.json?days={value}",
        f"/index/stuck-tasks.json?minutes={value}",
    ):
        response = get(ds, path)
        assert response.status_code == 400, path
        assert response.json()["ok"] is False and "whole number" in response.json()["error"]
    page = get(ds, f"/index/daily-activity?days={value}")
    assert page.status_code == 400 and "days must be a whole number" in page.text


def test_empty_or_whole_number_parameters_are_answered(ds):
    for path in (
        "/index/failed-tasks-this-week.json?days=",
        "/index/failed-tasks-this-week.json?days=7",
        "/index/stuck-tasks.json?minutes=60",
    ):
        assert get(ds, path).status_code == 200, path
