"""Parallelism per run: wall time, busy time, peak and critical path on runs with known overlaps."""

from __future__ import annotations

import json
import random
from pathlib import Path

from conftest import completed_response, event, post, pre, query, task_input
from timed import record

from recorder.derive import parallelism

QUERIES = Path(__file__).resolve().parent.parent / "canned_queries"


def task(tool_use_id: str, start: float, end: float, parent: str | None = None, session="s1"):
    """A foreground subagent from ``start`` to ``end`` (seconds); ``parent``: nested in it."""
    inside = {"agent_id": parent} if parent else {}
    response = completed_response("Done.", f"ag-{tool_use_id}")
    response["totalDurationMs"] = round((end - start) * 1000)
    tool_input = task_input(description=f"task {tool_use_id}", prompt=f"do {tool_use_id}")
    return [
        (start, pre(tool_use_id, session=session, tool_input=tool_input, **inside)),
        (
            end,
            post(tool_use_id, session=session, tool_input=tool_input, response=response, **inside),
        ),
    ]


def run_of(db, tool_use_id: str) -> dict:
    return query(
        db,
        "SELECT r.* FROM workflow_runs AS r JOIN node_executions AS n ON n.run_id = r.id "
        "WHERE n.tool_use_id = ?",
        (tool_use_id,),
    )[0]


def ids(db, *tool_use_ids: str) -> list[int]:
    found = {
        r["tool_use_id"]: r["id"] for r in query(db, "SELECT id, tool_use_id FROM node_executions")
    }
    return [found[t] for t in tool_use_ids]


def test_a_run_with_known_overlaps(db):
    # A 10-40, B 12-20, C 15-30 overlap (3 at once from 15 to 20); D 41-60 and E 45-50 after A.
    timed = [(0, event("UserPromptSubmit", "s1", prompt="Refactor the shop", prompt_id="p1"))]
    for name, start, end in (
        ("A", 10, 40),
        ("B", 12, 20),
        ("C", 15, 30),
        ("D", 41, 60),
        ("E", 45, 50),
    ):
        timed += task(name, start, end)
    timed.append((70, event("Stop", "s1", prompt_id="p1")))
    record(db, *sorted(timed, key=lambda pair: pair[0]))
    run = run_of(db, "A")
    assert run["subagent_wall_ms"] == 50_000  # 10 s to 60 s
    assert run["subagent_ms"] == 30_000 + 8_000 + 15_000 + 19_000 + 5_000
    assert run["max_parallel"] == 3
    # last to finish: D (60 s); the last to finish before D started (41 s): A (40 s); then none
    assert json.loads(run["critical_path"]) == ids(db, "A", "D")
    assert run["critical_path_ms"] == 49_000


def test_back_to_back_subagents_do_not_overlap_and_nested_ones_join_the_path(db):
    # X 0-10 then Y 10-20 (no overlap); P 30-130 launches Q 40-80, S 50-60 and R 85-120.
    timed = [(0, event("UserPromptSubmit", "s1", prompt="Ship it", prompt_id="p2"))]
    timed += task("X", 1, 10) + task("Y", 10, 20) + task("P", 30, 130)
    timed += task("Q", 40, 80, parent="ag-P") + task("S", 50, 60, parent="ag-P")
    timed += task("R", 85, 120, parent="ag-P")
    timed.append((31, event("SubagentStart", "s1", agent_id="ag-P", agent_type="Explore")))
    timed.append((140, event("Stop", "s1", prompt_id="p2")))
    record(db, *sorted(timed, key=lambda pair: pair[0]))
    run = run_of(db, "X")
    assert run["max_parallel"] == 3  # P, Q and S from 50 to 60
    assert run["subagent_wall_ms"] == 129_000
    # top level: P (last to end), then Y (ended at 20, before P's start), then X;
    # inside P: R, then Q (ended at 80 before R's start at 85); S ended before Q ended
    assert json.loads(run["critical_path"]) == ids(db, "X", "Y", "P", "Q", "R")
    assert run["critical_path_ms"] == 9_000 + 10_000 + 100_000


def test_a_nested_agent_that_outlives_its_parent_is_what_the_run_waited_for(db):
    # T 0-46 launches N 9-294 (in the background: it outlives T); F 1-101 and A 3-66 beside
    # them. N ends last: the run waited for it, through T, not for F.
    timed = [(0, event("UserPromptSubmit", "s1", prompt="Tidy up", prompt_id="p3"))]
    timed += task("T", 0.5, 46) + task("F", 1, 101) + task("A", 3, 66)
    timed += task("N", 9, 294, parent="ag-T")
    timed.append((1, event("SubagentStart", "s1", agent_id="ag-T", agent_type="Explore")))
    timed.append((300, event("Stop", "s1", prompt_id="p3")))
    record(db, *sorted(timed, key=lambda pair: pair[0]))
    run = run_of(db, "T")
    assert run["subagent_wall_ms"] == 293_500
    assert json.loads(run["critical_path"]) == ids(db, "T", "N")
    assert run["critical_path_ms"] == 293_500  # T's span, to the end of its nested agent


def test_peak_counts_an_end_and_a_start_at_one_moment_as_no_overlap():
    nodes = [{"start": 0, "end": 5}, {"start": 5, "end": 9}, {"start": 4, "end": 6}]
    assert parallelism.peak(nodes) == 2
    assert parallelism.peak(nodes[:2]) == 1


def test_recent_runs_shows_the_parallelism_columns(db):
    timed = [(0, event("UserPromptSubmit", "s1", prompt="Two at once", prompt_id="p3"))]
    timed += task("M", 1, 11) + task("N", 1, 11)
    timed.append((20, event("Stop", "s1", prompt_id="p3")))
    record(db, *sorted(timed, key=lambda pair: pair[0]))
    sql = (QUERIES / "recent-runs.sql").read_text()
    row = query(db, sql, {"project": "", "status": ""})[0]
    assert (row["subagent_wall_ms"], row["subagent_ms"], row["max_parallel"]) == (10_000, 20_000, 2)
    assert row["parallelism"] == 2.0
    assert row["critical_path_ms"] == 10_000


def chain_by_definition(nodes: list[dict]) -> list[int]:
    """The critical chain as its definition reads: the node finishing last, then again and
    again the one finishing last among those that ended by the current one's start."""
    latest = lambda n: (n["end"], -n["start"], n["id"])  # noqa: E731
    current = max(nodes, key=latest)
    found = [current["id"]]
    while before := [n for n in nodes if n["end"] <= current["start"] and n["id"] not in found]:
        current = max(before, key=latest)
        found.append(current["id"])
    return found[::-1]


def test_the_critical_chain_is_the_one_its_definition_gives_on_random_runs():
    rng = random.Random(20261206)
    for _ in range(2000):
        nodes = []
        for i in range(rng.randint(1, 25)):
            start = rng.choice([rng.randint(0, 15), rng.randint(0, 150) / 10])
            length = rng.choice([0, 0, rng.randint(0, 8), rng.randint(0, 40) / 7])
            nodes.append({"id": i + 1, "start": start, "end": start + length})
        assert [n["id"] for n in parallelism.chain(nodes)] == chain_by_definition(nodes), nodes


def test_a_long_sequential_run_keeps_its_whole_chain():
    nodes = [{"id": i, "start": 10.0 * i, "end": 10.0 * i + 9} for i in range(1, 2001)]
    assert [n["id"] for n in parallelism.chain(nodes)] == list(range(1, 2001))
