"""Rework: failed-then-retried tasks linked to the failed attempt, and what the rework cost."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import event, query, task_input
from timed import BASE, record, task_call

QUERIES = Path(__file__).resolve().parent.parent / "canned_queries"


def attempt(tool_use_id, start, end, *, fails, prompt, description, agent_type, session="s1"):
    tool_input = task_input(description=description, prompt=prompt, subagent_type=agent_type)
    done = "All done, tests pass."
    return task_call(tool_use_id, start, end, tool_input, fails=fails, result=done, session=session)


def turn(prompt_id, start, end, *attempts, session="s1"):
    timed = [(start, event("UserPromptSubmit", session, prompt=prompt_id, prompt_id=prompt_id))]
    for a in attempts:
        timed += a
    timed.append((end, event("Stop", session, prompt_id=prompt_id)))
    return timed


def nodes(db) -> dict:
    rows = query(db, "SELECT * FROM node_executions")
    return {r["tool_use_id"]: r for r in rows}


@pytest.fixture
def history(db):
    login = dict(prompt="Fix the login bug", description="fix login", agent_type="general-purpose")
    docs = dict(description="update docs", agent_type="docs-writer")
    lint = dict(description="lint", agent_type="linter")
    parallel = dict(description="parallel", agent_type="linter")
    timed = turn(
        "p1",
        0,
        45,
        attempt("F1", 1, 5, fails=True, **login),
        attempt("F2", 10, 15, fails=True, **login),
        attempt("F3", 20, 25, fails=False, **login),
        attempt("G1", 30, 35, fails=True, prompt="Update the README", **docs),
        attempt("K1", 30, 36, fails=True, prompt="Lint the repo", **lint),
        # the same prompt running beside a failure is not its retry
        attempt("P1", 40, 42, fails=True, prompt="Parallel job", **parallel),
        attempt("P2", 41, 44, fails=False, prompt="Parallel job", **parallel),
    )
    # the next turn: a different prompt, same description and agent type: a retry of G1
    timed += turn("p2", 50, 65, attempt("G2", 55, 60, fails=False, prompt="Update README!", **docs))
    # two turns later: not a retry of K1 (only the same turn or the next one count)
    timed += turn("p3", 70, 90, attempt("K2", 75, 80, fails=False, prompt="Lint again", **lint))
    # another session, same prompt as F1: not a retry
    timed += turn(
        "p4", 100, 120, attempt("H1", 105, 110, fails=False, session="s2", **login), session="s2"
    )
    record(db, *sorted(timed, key=lambda pair: pair[0]))
    conn = sqlite3.connect(db)
    spent = {"F1": (1000, 0.25), "F2": (3000, 0.5), "G1": (400, None)}
    for tool_use_id, (tokens, cost) in spent.items():
        conn.execute(
            "UPDATE node_executions SET token_count = ?, cost_usd = ? WHERE tool_use_id = ?",
            (tokens, cost, tool_use_id),
        )
    conn.commit()
    conn.close()
    return nodes(db)


def test_retries_link_to_the_failed_attempt(history):
    n = history
    assert (n["F1"]["retry_of"], n["F1"]["attempt"], n["F1"]["first_attempt_id"]) == (None, 1, None)
    assert (n["F2"]["retry_of"], n["F2"]["attempt"]) == (n["F1"]["id"], 2)
    assert (n["F3"]["retry_of"], n["F3"]["attempt"]) == (n["F2"]["id"], 3)
    assert n["F2"]["first_attempt_id"] == n["F3"]["first_attempt_id"] == n["F1"]["id"]
    assert (n["G2"]["retry_of"], n["G2"]["attempt"]) == (n["G1"]["id"], 2)
    assert n["K2"]["retry_of"] is None  # two turns later
    assert n["P2"]["retry_of"] is None  # started before P1 failed
    assert n["H1"]["retry_of"] is None  # another session


def test_rework_query_counts_attempts_tokens_and_cost(db, history):
    sql = (QUERIES / "rework.sql").read_text()
    rows = query(db, sql, {"days": "", "project": "", "agent_type": ""})
    day = BASE.date()
    week = (day - timedelta(days=day.weekday())).isoformat()
    by_type = {r["agent_type"]: r for r in rows}
    assert set(by_type) == {"general-purpose", "docs-writer"}
    assert all(r["week"] == week for r in rows)
    login = by_type["general-purpose"]
    assert (login["retried_tasks"], login["retries"], login["recovered"]) == (1, 2, 1)
    assert login["attempts_to_success"] == 3
    assert login["failed_attempt_tokens"] == 4000
    assert login["failed_attempt_cost_usd"] == pytest.approx(0.75)
    docs = by_type["docs-writer"]
    assert (docs["retried_tasks"], docs["retries"], docs["recovered"]) == (1, 1, 1)
    assert docs["attempts_to_success"] == 2
    assert docs["failed_attempt_tokens"] == 400
    assert docs["failed_attempt_cost_usd"] is None  # no price known: NULL, never 0
    assert date.fromisoformat(week).weekday() == 0
