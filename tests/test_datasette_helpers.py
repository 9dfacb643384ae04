"""Helpers for the Datasette tests (no tests here): a database with known numbers.

It is recorded through the real path (keep.stamp + ingest.record). Times are
relative to now, so "last 24 hours" and "last 7 days" hold whenever the tests run.
The numbers the dashboard must show are worked out by hand in EXPECTED.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path

from conftest import event, post, pre, task_input
from datasette.app import Datasette

from recorder.derive import apply as ingest
from recorder.hook import database, keep

XSS = '<script>alert("pwned")</script><img src=x onerror=alert(1)>'
RUN1_PROMPT = f"Why is the checkout flaky? {XSS}"


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def response(agent: str, text: str, duration_ms: int, tokens: int) -> dict:
    return {
        "status": "completed",
        "agentId": f"agent-{agent}-{duration_ms}",
        "content": [{"type": "text", "text": text}],
        "totalDurationMs": duration_ms,
        "totalTokens": tokens,
        "totalToolUseCount": 2,
        "usage": {"input_tokens": tokens // 2, "output_tokens": tokens // 4},
    }


def finished(tool_use_id, agent, name, text, duration_ms, tokens, session="sess-a", **kw):
    return post(
        tool_use_id,
        session=session,
        tool_input=task_input(
            description=name, prompt=f"Please {name.lower()}", subagent_type=agent
        ),
        response=response(agent, text, duration_ms, tokens),
        **kw,
    )


def started(tool_use_id, agent, name, session="sess-a", **kw):
    return pre(
        tool_use_id,
        session=session,
        tool_input=task_input(
            description=name, prompt=f"Please {name.lower()}", subagent_type=agent
        ),
        **kw,
    )


def known_events(now: datetime) -> list[tuple[dict, str]]:
    """(payload, received_at) pairs, in time order."""
    t1 = now - timedelta(hours=3)
    t2 = now - timedelta(days=3)
    t3 = now - timedelta(days=10)
    t4 = now - timedelta(minutes=11)
    s = timedelta(seconds=1)
    other = {"cwd": "/home/u/other"}
    return [
        # Run 1, 3 hours ago: A and B in parallel, then C (overlapping A) fails.
        (event("UserPromptSubmit", "sess-a", prompt=RUN1_PROMPT), t1),
        (started("toolu_A", "Explore", "Map the checkout"), t1 + 10 * s),
        (started("toolu_B", "Plan", "Plan the fix"), t1 + 12 * s),
        (
            finished("toolu_B", "Plan", "Plan the fix", "1. fix\n2. test", 28_000, 3_000),
            t1 + 40 * s,
        ),
        (started("toolu_C", "Explore", "Run the tests"), t1 + 45 * s),
        (
            finished(
                "toolu_A",
                "Explore",
                "Map the checkout",
                f"## Found it\n**Race** in `cart.py`\n\n{XSS}",
                50_000,
                1_000,
            ),
            t1 + 60 * s,
        ),
        (
            finished(
                "toolu_C",
                "Explore",
                "Run the tests",
                "I was unable to run the tests: the database is unreachable.",
                90_000,
                2_000,
            ),
            t1 + 135 * s,
        ),
        (event("Stop", "sess-a"), t1 + 140 * s),
        # Run 2, 3 days ago: one task.
        (event("UserPromptSubmit", "sess-a", prompt="Document the API"), t2),
        (
            finished("toolu_D", "Explore", "Find endpoints", "Found 3 endpoints.", 120_000, 5_000),
            t2 + 130 * s,
        ),
        (event("Stop", "sess-a"), t2 + 140 * s),
        # Run 3, 10 days ago: one task.
        (event("UserPromptSubmit", "sess-a", prompt="Tidy the plan"), t3),
        (finished("toolu_E", "Plan", "Outline steps", "Done.", 10_000, 700), t3 + 20 * s),
        (event("Stop", "sess-a"), t3 + 30 * s),
        # Run 4, 11 minutes ago, another project: one subagent still running.
        (event("UserPromptSubmit", "sess-b", prompt="Profile the importer", **other), t4),
        (
            started("toolu_F", "general-purpose", "Profile import", session="sess-b", **other),
            t4 + 60 * s,
        ),
    ]


# What the dashboard must show for known_events (default range: last 30 days).
EXPECTED = {
    "tasks_24h": 4,  # A B C F
    "tasks_7d": 5,  # + D
    "runs_24h": 2,  # runs 1 and 4
    "runs_7d": 3,  # + run 2
    "tasks": 6,  # + E
    "failed": 1,  # C
    "finished": 5,  # A B C D E
    "failure_rate": 0.2,
    "median_ms": 50_000,  # of 10 000, 28 000, 50 000, 90 000, 120 000
    "p95_ms": 120_000,  # nearest rank: the 5th of 5
    "tokens": 11_700,  # 1 000 + 3 000 + 2 000 + 5 000 + 700
    "running": 1,  # F
}


def build(path: Path, now: datetime | None = None) -> Path:
    now = now or datetime.now(timezone.utc)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = database.connect(str(path))
    try:
        ingest.record(
            conn,
            [keep.stamp(payload, received_at=iso(at)) for payload, at in known_events(now)],
            db=str(path),
        )
    finally:
        conn.close()
    return path


def get(ds: Datasette, path: str):
    """GET through Datasette's own client (the app in-process, real ASGI)."""
    return asyncio.run(ds.client.get(path))
