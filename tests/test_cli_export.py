"""`agent-runs export` from the command line."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import query, run_cli
from test_datasette_helpers import build


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    return build(tmp_path_factory.mktemp("export") / "index.db")


def test_csv_to_stdout_with_filters(known):
    result = run_cli(
        "export", "--db", str(known), "--format", "csv", "--since", "7d", "--status", "failed"
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["node_name"] for r in rows] == ["Run the tests"]


def test_runs_as_ndjson(known):
    result = run_cli("export", "--db", str(known), "--kind", "runs", "--format", "ndjson")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == query(known, "SELECT count(*) AS n FROM workflow_runs")[0]["n"]


def test_json_to_a_file(known, tmp_path):
    target = tmp_path / "nodes.json"
    result = run_cli("export", "--db", str(known), "-o", str(target))
    assert result.returncode == 0 and "6 nodes" in result.stderr
    assert len(json.loads(target.read_text())) == 6


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "soon"], "--since 'soon'"),
        (["--otlp", "http://127.0.0.1:9"], "could not send traces"),
    ],
)
def test_bad_input_is_one_line(known, args, message):
    result = run_cli("export", "--db", str(known), *args)
    assert result.returncode == 1 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == ""
