"""Recording payloads at chosen times: stamped and applied in this process, as backfill does.

(The hook takes the receipt time from its own clock; tests with known durations and
overlaps need the times fixed.)
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from conftest import event, post, pre

from recorder.derive import apply as ingest
from recorder.hook import agent_definitions, database, keep

BASE = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=1)


def at(seconds: float, base: str | None = None) -> str:
    """The time ``seconds`` after ``base`` (default BASE, a day ago), as the recorder writes."""
    start = BASE if base is None else datetime.fromisoformat(base.replace("Z", "+00:00"))
    moment = start + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def record(
    db: Path, *timed: tuple[float, dict], base: str | None = None, recorded_by: str | None = None
) -> None:
    """Record each (seconds after ``base``, payload) in one transaction."""
    db.parent.mkdir(parents=True, exist_ok=True)
    payloads = []
    for seconds, payload in timed:
        meta = {"received_at": at(seconds, base)}
        if recorded_by:
            meta["recorded_by"] = recorded_by  # as backfill marks what it records
        payload = dict(payload, _agent_runs=meta)
        if not recorded_by:
            agent_definitions.note(payload)  # as the hook keeps the definition it saw
        payloads.append(keep.stamp(payload))
    conn = database.connect(str(db))
    try:
        ingest.record(conn, payloads, str(db))
    finally:
        conn.close()


def task_call(tool_use_id, start, end, tool_input, *, fails, result, session="s1") -> list:
    """A Task call as (seconds, payload) pairs: its start, and its end at ``end``, with
    ``result`` or, when it ``fails``, an API error."""
    if fails:
        finish = event(
            "PostToolUseFailure",
            session,
            tool_name="Task",
            tool_use_id=tool_use_id,
            tool_input=tool_input,
            error="Agent stopped: API error",
        )
    else:
        finish = post(tool_use_id, result, session=session, tool_input=tool_input)
    return [(start, pre(tool_use_id, session=session, tool_input=tool_input)), (end, finish)]
