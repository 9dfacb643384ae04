"""The cost canned queries on databases with known spend, recorded through the real path."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_canned_queries import Recorder, ago, ids, iso, run
from usage_transcripts import HAIKU, SONNET, AgentTranscript


class CostRecorder(Recorder):
    """Tasks whose subagents' transcripts say what they spent."""

    def __init__(self, path: Path, projects: Path) -> None:
        super().__init__(path)
        self.main = projects / "sess-1.jsonl"

    def spend(self, tool_use_id: str, model: str, input: int = 0, output: int = 0, **task):
        agent = f"agent-{tool_use_id}"
        path = self.main.parent / "sess-1" / "subagents" / f"agent-{agent}.jsonl"
        t = AgentTranscript(path, agent, "sess-1")
        t.finish(model, input=input, output=output)
        t.write()
        return self.task(tool_use_id, transcript_path=str(self.main), **task)


@pytest.fixture
def cost(tmp_path: Path):
    recorder = CostRecorder(tmp_path / "memory" / "index.db", tmp_path / "projects" / "-p")
    yield recorder
    recorder.conn.close()


def test_cost_by_agent_type_and_cost_per_successful_task(cost):
    cost.spend("e1", HAIKU, input=1_000_000, start=ago(days=1))  # $1
    cost.spend("e2", SONNET, output=100_000, start=ago(days=2))  # $1.50
    cost.spend("e3", HAIKU, input=500_000, start=ago(days=3), kind="reported_failure")  # $0.50
    cost.spend(
        "p1", SONNET, input=1_000_000, start=ago(days=1), agent="Plan"
    )  # $6: over 200k, long-context rate
    cost.spend("x1", "claude-unknown-1", input=10, start=ago(days=1), agent="Plan")
    cost.spend("old", HAIKU, input=9_000_000, start=ago(days=40))
    rows = {r["agent_type"]: r for r in run(cost.path, "cost-by-agent-type")}
    assert [r for r in rows] == ["Plan", "Explore"]
    explore, plan = rows["Explore"], rows["Plan"]
    assert (explore["tasks"], explore["successful_tasks"]) == (3, 2)
    assert explore["cost_usd"] == pytest.approx(3.0)
    assert explore["cost_per_successful_task"] == pytest.approx(1.5)
    assert explore["input_tokens"] == 1_500_000 and explore["output_tokens"] == 100_000
    assert explore["api_calls"] == 3 and explore["unpriced_tasks"] == 0
    assert plan["cost_usd"] == pytest.approx(6.0) and plan["unpriced_tasks"] == 1
    assert plan["cost_per_successful_task"] == pytest.approx(3.0)  # x1 succeeded, unpriced
    assert run(cost.path, "cost-by-agent-type", days=60)[0]["cost_usd"] == pytest.approx(12.0)


def test_cost_per_day_by_model(cost):
    cost.spend("a", HAIKU, input=2_000_000, start=ago(days=1))
    cost.spend("b", HAIKU, input=1_000_000, start=ago(days=1, hours=1))
    cost.spend("c", SONNET, output=200_000, start=ago(days=1))
    cost.spend("d", SONNET, output=100_000, start=ago(days=5))
    rows = run(cost.path, "cost-per-day")
    day1, day5 = iso(ago(days=1))[:10], iso(ago(days=5))[:10]
    found = [(r["day"], r["model"], r["tasks"], r["cost_usd"]) for r in rows]
    one_hour_earlier = iso(ago(days=1, hours=1))[:10]
    if one_hour_earlier == day1:
        assert found[:2] == [(day1, HAIKU, 2, 3.0), (day1, SONNET, 1, 3.0)] or found[:2] == [
            (day1, SONNET, 1, 3.0),
            (day1, HAIKU, 2, 3.0),
        ]
    assert found[-1] == (day5, SONNET, 1, 1.5)


def test_expensive_failures_and_token_hogs_rank_by_cost(cost):
    cheap_fail = cost.spend("f1", HAIKU, input=100_000, start=ago(days=1), kind="reported_failure")
    dear_fail = cost.spend("f2", SONNET, output=100_000, start=ago(days=2), kind="reported_failure")
    ok = cost.spend("ok", HAIKU, input=3_000_000, start=ago(days=1))
    rows = run(cost.path, "expensive-failures")
    assert ids(rows) == [dear_fail["id"], cheap_fail["id"]]
    assert [r["cost_usd"] for r in rows] == [1.5, 0.1]
    assert rows[0]["pct_of_window_cost"] == pytest.approx(100 * 1.5 / 4.6, abs=0.01)
    hogs = run(cost.path, "token-hogs")
    # the $1.50 task used 100,000 tokens, fewer than the $0.10 one's: cost ranks first
    assert ids(hogs) == [ok["id"], dear_fail["id"], cheap_fail["id"]]
    assert [h["cost_usd"] for h in hogs] == [3.0, 1.5, 0.1]


def test_a_task_naming_no_agent_type_has_one_label_everywhere(cost):
    """A Task call that names no subagent_type is "(none)" in the leaderboard, on the
    dashboard and in cost by agent type alike (not "(unknown)" in one of them)."""
    cost.spend("n1", HAIKU, input=1_000_000, start=ago(days=1), agent=None)
    (row,) = run(cost.path, "cost-by-agent-type")
    assert row["agent_type"] == "(none)" and row["cost_usd"] == pytest.approx(1.0)
    (lead,) = run(cost.path, "agent-type-leaderboard")
    assert lead["agent_type"] == "(none)"
