"""A rebuild whose reports are judged ahead by worker processes gives the rows of one that
judges them itself, and the rebuilding process then judges none."""

from __future__ import annotations

import pytest
from conftest import run_cli
from test_kept_events import snapshot

from recorder.derive import judging, outcome_model
from recorder.derive import sync as derive
from recorder.hook import database


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("judging") / "demo.db"
    result = run_cli("demo", "--db", str(path))
    assert result.returncode == 0, result.stderr
    return path


def rebuilt(path, monkeypatch, processes: int) -> tuple[dict, int]:
    """The derived rows after a rebuild, and how often this process loaded the text model."""
    loads = []
    model = outcome_model.model
    monkeypatch.setattr(outcome_model, "model", lambda: loads.append(1) or model())
    monkeypatch.setattr(judging, "workers", lambda pending: processes)
    monkeypatch.setattr(judging, "RANGE", 97)  # many ranges, none aligned with a batch
    conn = database.connect(str(path))
    try:
        derived = derive.rebuild(conn, str(path))
    finally:
        conn.close()
    assert derived > 1000
    return snapshot(path), len(loads)


def test_reports_judged_ahead_give_the_same_rows(demo, monkeypatch):
    by_itself, judged_here = rebuilt(demo, monkeypatch, 0)
    assert judged_here > 100  # the text model judged many reports in this process
    ahead, judged_here_too = rebuilt(demo, monkeypatch, 2)
    assert ahead == by_itself
    assert judged_here_too == 0  # every report's verdict came from a worker
    assert by_itself["node_executions"] and by_itself["fts"]
