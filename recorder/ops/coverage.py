"""Capture coverage: what the transcripts show against what the hook recorded.

Every Task/Agent execution found in Claude Code transcripts (read by the backfill's
reader, ``recorder.sources.transcripts``) is looked up in the database. It was seen by the hook
when its node exists and was first recorded by the hook (``recorded_by`` 'hook', or
NULL: recorded before agent-runs kept the column); otherwise it is missed, and the
reason is the first of these that holds:

- ``dead-lettered``: its tool_use_id is in the dead letters (the hook got the event and
  could not handle it);
- ``hook not installed``: the hook recorded no event at all in that session up to the
  execution's start (``sessions.hook_seen_at``);
- ``hook failing``: the log beside the database has lines within ``LOG_WINDOW`` seconds
  of the execution's start (the hook ran and reported problems);
- ``unknown``.

Missed executions are stored in ``capture_gaps`` (replacing what an earlier check said
about the same executions), where the dashboard's coverage tile and the
``capture-gaps`` query read them.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from recorder.hook import clock, database, paths, spool
from recorder.hook.events import META
from recorder.schema.queries import sql
from recorder.sources.transcripts import PRE, Counters, read_file, stamped

LOG_WINDOW = 600
REASONS = ("dead-lettered", "hook not installed", "hook failing", "unknown")


@dataclass
class Seen:
    """One execution found in a transcript."""

    tool_use_id: str
    session_id: str
    started_at: str
    description: str | None
    agent_type: str | None
    transcript_path: str


@dataclass
class Day:
    found: int = 0
    hooked: int = 0
    reasons: Counter = field(default_factory=Counter)


@dataclass
class CoverageReport:
    days: dict[str, Day] = field(default_factory=dict)
    missed: list[dict] = field(default_factory=list)

    @property
    def found(self) -> int:
        return sum(d.found for d in self.days.values())

    @property
    def hooked(self) -> int:
        return sum(d.hooked for d in self.days.values())

    def lines(self) -> list[str]:
        """The report as the command prints it: a line per day, then the total."""
        out = [f"{'day':<10} {'in transcripts':>14} {'seen by hook':>12} {'missed':>6}  why"]
        for day in sorted(self.days):
            d = self.days[day]
            why = ", ".join(f"{n} {reason}" for reason, n in d.reasons.most_common())
            out.append(f"{day:<10} {d.found:>14,} {d.hooked:>12,} {d.found - d.hooked:>6,}  {why}")
        share = f"{100 * self.hooked / self.found:.1f}%" if self.found else "–"
        out.append(
            f"coverage: {self.hooked:,} of {self.found:,} executions seen by the hook ({share})"
        )
        return out


def executions(files: Iterable[str], since: str | None) -> list[Seen]:
    """Every Task/Agent execution the transcripts show (started at or after ``since``)."""
    found: dict[str, Seen] = {}
    counters = Counters()
    for path in files:
        for unit in read_file(path, since, counters):
            for item in unit.items:
                kind, tool_use_id, _payload, session, _at = item
                if kind != PRE or tool_use_id in found:
                    continue
                payload = stamped(item)
                tool_input = payload.get("tool_input") or {}
                found[tool_use_id] = Seen(
                    tool_use_id,
                    session.session_id,
                    payload[META]["received_at"],
                    tool_input.get("description"),
                    tool_input.get("subagent_type"),
                    session.transcript_path,
                )
    return sorted(found.values(), key=lambda s: (s.started_at, s.tool_use_id))


def dead_lettered(db: str) -> set[str]:
    """The tool_use_ids of the events waiting in the dead letters."""
    ids = set()
    for path in paths.pending(db, paths.DEAD_LETTERS):
        try:
            for record, _line in spool.read_records(path):
                payload = (record or {}).get("payload")
                if isinstance(payload, dict) and isinstance(payload.get("tool_use_id"), str):
                    ids.add(payload["tool_use_id"])
        except OSError:
            continue
    return ids


def log_times(db: str) -> list[float]:
    """When the log beside the database (and its rotated copy) reported problems."""
    times = []
    for path in paths.existing(db, paths.LOG):
        for name in (path + ".1", path):
            try:
                with open(name, encoding="utf-8", errors="replace") as f:
                    for line in f:
                        moment = clock.epoch(line.split(" ", 1)[0])
                        if moment is not None:
                            times.append(moment)
            except OSError:
                continue
    return sorted(times)


def near(times: list[float], moment: float | None) -> bool:
    return moment is not None and any(abs(t - moment) <= LOG_WINDOW for t in times)


def check(conn: sqlite3.Connection, db: str, files: Iterable[str], since: str | None):
    """Compare the transcripts with the database; store and return what was missed."""
    seen = executions(files, since)
    letters, logged = dead_lettered(db), log_times(db)
    report = CoverageReport()
    for execution in seen:
        day = report.days.setdefault(execution.started_at[:10], Day())
        day.found += 1
        node = conn.execute(sql("coverage_node"), vars(execution)).fetchone()
        if node is not None and (node["recorded_by"] or "hook") == "hook":
            day.hooked += 1
            continue
        hook_seen = node["hook_seen_at"] if node is not None else None
        if hook_seen is None:
            session = conn.execute(sql("coverage_session"), vars(execution)).fetchone()
            hook_seen = session["hook_seen_at"] if session is not None else None
        if execution.tool_use_id in letters:
            reason = "dead-lettered"
        elif hook_seen is None or hook_seen > execution.started_at:
            reason = "hook not installed"
        elif near(logged, clock.epoch(execution.started_at)):
            reason = "hook failing"
        else:
            reason = "unknown"
        day.reasons[reason] += 1
        report.missed.append(dict(vars(execution), reason=reason))
    checked_at = clock.now()

    def store(conn: sqlite3.Connection) -> None:
        for gap in report.missed:
            conn.execute(sql("upsert_capture_gap"), dict(gap, checked_at=checked_at))
        missed = {gap["tool_use_id"] for gap in report.missed}
        hooked = [s.tool_use_id for s in seen if s.tool_use_id not in missed]
        conn.execute(sql("clear_capture_gaps"), {"tool_use_ids": json.dumps(hooked)})

    database.write(conn, store)
    return report
