"""Backfill gives the rows the hook gives, for every Claude Code 2.1 fixture.

Each fixture stream goes through the hook's own code into one database; the
transcripts Claude Code writes for the same executions (tests/fixture_transcripts.py)
go through the real `agent-runs backfill` into another; the rows must agree.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from claude_code_fixtures import NAMES, feed
from conftest import query, run_cli
from fixture_transcripts import write_transcripts

# Columns that legitimately differ between the two sources, each with its reason.
# Everything else, surrogate ids and times included, must be equal.
DIFFER = {
    "recorded_by": "says which source recorded the row first: 'hook' or 'backfill'",
    "agent_transcript_path": "the hook is told where the file was; backfill where it is now "
    "(compared below from <session>/subagents/ on)",
}
# Columns that differ for one fixture only (both sources must still fill them).
FIXTURE_DIFFER = {
    "stop_failure": {
        "error_message": "the transcript keeps the API error's text ('API Error: 429 ...'), "
        "not StopFailure's error_details",
        "outcome_reason": "quotes error_message",
    },
}


def rows(db: Path, sql: str, skip: dict) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in skip} for row in query(db, sql)]


def nodes(db: Path) -> list[dict]:
    return rows(db, "SELECT * FROM node_executions ORDER BY id", DIFFER)


def runs(db: Path) -> list[dict]:
    return rows(db, "SELECT * FROM workflow_runs ORDER BY id", {})


def transcript_tail(path: str | None) -> str | None:
    """A subagent transcript path from ``<session>/subagents/`` on (where it is kept)."""
    return None if path is None else "/".join(Path(path).parts[-3:])


@pytest.mark.parametrize("name", NAMES)
def test_backfill_gives_the_hooks_rows(tmp_path, name):
    # the hook's derivation reads the same transcripts (a subagent's spend) as backfill
    projects = write_transcripts(name, tmp_path / "claude" / "projects")
    hooked = tmp_path / "hooked" / "index.db"
    feed(hooked, name, projects)
    backfilled = tmp_path / "backfilled" / "index.db"
    result = run_cli("backfill", "--db", str(backfilled), str(projects))
    assert result.returncode == 0, result.stderr

    for table, by_hook, by_backfill in (
        ("node_executions", nodes(hooked), nodes(backfilled)),
        ("workflow_runs", runs(hooked), runs(backfilled)),
    ):
        assert by_hook, (name, table)
        assert len(by_hook) == len(by_backfill), (name, table)
        for i, (hook_row, backfill_row) in enumerate(zip(by_hook, by_backfill, strict=True)):
            different = {
                k: (v, backfill_row[k]) for k, v in hook_row.items() if v != backfill_row[k]
            }
            for column in FIXTURE_DIFFER.get(name, {}).keys() & different.keys():
                hook_value, backfill_value = different.pop(column)
                assert hook_value and backfill_value, (name, table, column)
            assert different == {}, (name, table, i)
    paths = "SELECT agent_transcript_path AS p FROM node_executions ORDER BY id"
    assert [transcript_tail(r["p"]) for r in query(hooked, paths)] == [
        transcript_tail(r["p"]) for r in query(backfilled, paths)
    ]


@pytest.mark.parametrize("name", NAMES)
def test_backfill_after_the_hook_changes_nothing(tmp_path, name):
    """The same executions, recorded by the hook, then backfilled into the same database."""
    projects = write_transcripts(name, tmp_path / "claude" / "projects")
    db = tmp_path / "memory" / "index.db"
    feed(db, name, projects)
    tables = ("sessions", "workflow_runs", "node_executions", "subagents")
    before = {t: table(db, t) for t in tables}
    result = run_cli("backfill", "--db", str(db), str(projects))
    assert result.returncode == 0, result.stderr
    assert " 0 new;" in result.stdout, result.stdout
    assert {t: table(db, t) for t in tables} == before
    # what backfill adds: the main agent's own spend, read from the session transcript
    # (the hook reads it at SessionEnd, which these streams do not reach)
    for session in query(db, "SELECT * FROM sessions"):
        assert session["main_api_calls"] and session["main_model"], session


# The session's main-agent spend: read from its transcript at SessionEnd by the hook's
# derivation, at once by backfill (these streams end before SessionEnd).
MAIN_AGENT = {"main_cost_usd", "main_tokens", "main_api_calls", "main_model", "cost_usd"}


def table(db: Path, name: str) -> list[dict]:
    skip = MAIN_AGENT if name == "sessions" else {}
    return rows(db, f"SELECT * FROM {name} ORDER BY rowid", skip)


KEPT = "SELECT * FROM kept_events ORDER BY id"
DERIVED = (
    "sessions",
    "workflow_runs",
    "node_executions",
    "subagents",
    "node_tools",
    "file_touches",
)


@pytest.mark.parametrize("name", NAMES)
def test_worker_processes_give_the_same_rows(tmp_path, name):
    """Transcripts read, redacted, judged and their usage read ahead by other processes."""
    projects = write_transcripts(name, tmp_path / "claude" / "projects")
    here, ahead = tmp_path / "here" / "index.db", tmp_path / "ahead" / "index.db"
    for db, workers in ((here, "0"), (ahead, "2")):
        result = run_cli("backfill", "--workers", workers, "--db", str(db), str(projects))
        assert result.returncode == 0, result.stderr
    assert query(ahead, KEPT) == query(here, KEPT)
    for name_ in DERIVED:
        assert query(ahead, f"SELECT * FROM {name_}") == query(here, f"SELECT * FROM {name_}")
    again = run_cli("backfill", "--workers", "2", "--db", str(ahead), str(projects))
    assert " 0 new;" in again.stdout and query(ahead, KEPT) == query(here, KEPT)
