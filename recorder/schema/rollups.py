"""Rollups of node_executions and file_touches, kept exact by triggers: per-day totals and
duration histograms (per week too, for all projects), each project's sessions and runs
with their latest start, and file touch counts per day and per week.

The dashboard and the leaderboards read these instead of re-reading every row of a
range. Triggers on each source table (INSERT, UPDATE of a counted column, DELETE) take
the old row's contribution away and add the new one's in the same statement (through the
source's changes view, whose trigger holds the folding once), so the rollups stay exact
whoever writes the rows: the recorder, ELF's own code inserting rows directly, prune.
``recompute`` rebuilds them from the rows.

Durations are counted in fixed buckets, each at most ``RATIO`` times as wide as its
low end; a percentile read from them is the geometric middle of the bucket holding
that rank, within ``ERROR`` (5%) of the exact value (negative durations count as 0).
Only the standard library: the hook path creates the triggers through the migrations.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from recorder.schema.queries import add_columns, split_statements, sql

RATIO = 1.1
ERROR = math.sqrt(RATIO) - 1  # 4.9%: the worst relative error of a bucket's middle
LARGEST_MS = 10**13  # about 300 years: every longer duration shares the last bucket
COUNTED = (  # the node columns whose change moves a row's contribution
    "started_at",
    "project",
    "agent_type",
    "model",
    "status",
    "outcome",
    "failure_kind",
    "duration_ms",
    "token_count",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_creation_tokens",
    "cost_usd",
    "tool_use_count",
    "duplicate_of",
    "agent_definition_hash",
    "api_calls",
)
# What a tasks rollup counts (rollups_node_parts.sql makes a row's part of each, in order).
TASK_COUNTS = (
    "tasks",
    "timed",
    "duration_ms",
    "tokened",
    "token_count",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_creation_tokens",
    "other_tokens",
    "costed",
    "cost_usd",
    "tool_used",
    "tool_use_count",
    "input_tokened",
    "output_tokened",
    "cache_read_tokened",
    "cache_creation_tokened",
    "api_called",
    "api_calls",
)
# A node's parts of every node rollup: key values (in rollups_node_parts.sql's order),
# then the counted ones.
PART_KEYS = (
    "day",
    "week",
    "project",
    "agent_type",
    "agent_definition_hash",
    "model",
    "status",
    "outcome",
    "failure_kind",
    "bucket",
)
# Columns the tasks rollups gained after they were first made: ``create`` adds those a
# table lacks (before any trigger or recomputation reads them).
LATER_COLUMNS = (
    "other_tokens",
    "input_tokened",
    "output_tokened",
    "cache_read_tokened",
    "cache_creation_tokened",
    "api_called",
    "api_calls",
)


def buckets() -> list[tuple[int, int, int | None, float]]:
    """(bucket, low_ms, high_ms, value_ms) of every duration bucket, in order."""
    lows = [0]
    while lows[-1] < LARGEST_MS:
        lows.append(max(lows[-1] + 1, math.floor(lows[-1] * RATIO)))
    found = []
    for i, low in enumerate(lows):
        high = lows[i + 1] if i + 1 < len(lows) else None
        value = float(low) if high is None or high - low == 1 else math.sqrt(low * (high - 1))
        found.append((i, low, high, value))
    return found


# The key values made from the row's date column: its UTC day, and the Monday of that
# day's week (the day itself when it is no date, so a week holds what its days would).
DAY = "substr({row}.{day}, 1, 10)"
WEEK = f"coalesce(date({DAY}, '-6 days', 'weekday 1'), {DAY})"

# Each rollup: its template, table and key columns, each with the row's value for it
# ({row}: new or old). The "_all" twins leave the project out (the node rollups add the
# agent definition's version instead; the touch rollups the agent type too).
# the key of the all-projects tasks rollups after the day or week
ALL_TASKS_KEYS = (
    "agent_type",
    "agent_definition_hash",
    "model",
    "status",
    "outcome",
    "failure_kind",
)
NODE_ROLLUPS = (  # (contribution template, table, keys); *_recompute: its twin
    (
        "rollups_tasks_contribution",
        "rollup_tasks_daily",
        ("day", "project", "agent_type", "model", "status", "outcome", "failure_kind"),
    ),
    ("rollups_tasks_contribution", "rollup_tasks_daily_all", ("day", *ALL_TASKS_KEYS)),
    ("rollups_tasks_contribution", "rollup_tasks_weekly_all", ("week", *ALL_TASKS_KEYS)),
    ("rollups_durations_contribution", "rollup_durations_daily", ("day", "project", "agent_type")),
    (
        "rollups_durations_contribution",
        "rollup_durations_daily_all",
        ("day", "agent_type", "agent_definition_hash"),
    ),
    (
        "rollups_durations_contribution",
        "rollup_durations_weekly_all",
        ("week", "agent_type", "agent_definition_hash"),
    ),
)
RUN_ROLLUPS = (  # its own triggers: only a change of these columns moves a node's part
    ("rollups_latest_contribution", "rollup_project_runs", ("project", "session_id", "run_id")),
)
RUN_COUNTED = ("project", "session_id", "run_id", "started_at", "duplicate_of")
TOUCH_ROLLUPS = (
    (
        "rollups_touches_contribution",
        "rollup_file_touches_daily",
        ("day", "file_path", "project", "agent_type"),
    ),
    ("rollups_touches_contribution", "rollup_file_touches_daily_all", ("day", "file_path")),
    ("rollups_touches_contribution", "rollup_file_touches_weekly_all", ("week", "file_path")),
)
TOUCH_COUNTED = ("touched_at", "file_path", "project", "agent_type", "access")


@dataclass(frozen=True)
class Source:
    """A table whose rows the rollups count: its triggers' name prefix, the column whose
    UTC day keys the rollups, the columns whose change moves a row, and its rollups;
    ``parts``: the template that makes a changed row into its parts of every rollup once
    (their key values and counts), when its rollups add those rather than each work them
    out from the row."""

    table: str
    prefix: str
    day: str
    counted: tuple[str, ...]
    rollups: tuple[tuple[str, str, tuple[str, ...]], ...]
    parts: str | None = None

    @property
    def triggers(self) -> tuple[str, ...]:
        """Its triggers: after an insert, a delete, an update."""
        return tuple(f"{self.prefix}_{kind}" for kind in ("ai", "ad", "au"))

    @property
    def changes(self) -> str:
        """The view its triggers send signed rows to."""
        return f"{self.prefix}_changes"

    @property
    def fold(self) -> str:
        """The trigger on that view that folds a row into the rollups."""
        return f"{self.prefix}_fold"

    @property
    def parted(self) -> tuple[str, str] | None:
        """With ``parts``: the view the fold sends a row's parts to, and its trigger that
        adds them to every rollup."""
        return (f"{self.prefix}_parts", f"{self.prefix}_parts_fold") if self.parts else None


SOURCES = (
    Source("node_executions", "rollups", "started_at", COUNTED, NODE_ROLLUPS, "rollups_node_parts"),
    Source("node_executions", "rollups_runs", "started_at", RUN_COUNTED, RUN_ROLLUPS),
    Source("file_touches", "rollups_touches", "touched_at", TOUCH_COUNTED, TOUCH_ROLLUPS),
)
ROLLUPS = NODE_ROLLUPS + RUN_ROLLUPS + TOUCH_ROLLUPS
TABLES = tuple(table for _, table, _ in ROLLUPS)
PARTED = tuple(source.parted for source in SOURCES if source.parted)
TRIGGERS = tuple(name for source in SOURCES for name in (*source.triggers, source.fold)) + tuple(
    fold for _, fold in PARTED
)
VIEWS = tuple(source.changes for source in SOURCES) + tuple(view for view, _ in PARTED)


def filled(
    name: str, table: str, keys: tuple[str, ...], row: str, day: str | None = "started_at"
) -> str:
    """Template ``name`` filled in for ``table`` and the row called ``row`` (``day``: the
    column whose UTC day is the key ``day``, and whose week the key ``week``; None when
    the row holds them, as a row of parts does)."""
    dated = {"day": DAY, "week": WEEK} if day else {}
    values = [dated.get(key, "{row}." + key).format(row=row, day=day) for key in keys]
    return template(name).format(
        table=table,
        row=row,
        keys=", ".join(keys),
        values=", ".join(values),
        match=" AND ".join(f"{k} IS {v}" for k, v in zip(keys, values, strict=True)),
        groups=", ".join(str(i + 1) for i in range(len(keys) + ("durations" in name))),
        counts=", ".join(TASK_COUNTS),
        adds=", ".join(f"{c} = {c} + {row}.{c}" for c in TASK_COUNTS),
        parts=", ".join(f"{row}.{c}" for c in TASK_COUNTS),
    )


def statements_of(text: str) -> str:
    """The statements of ``text``, each ending in one semicolon, one per line."""
    return "\n".join(s.strip().rstrip(";") + ";" for s in split_statements(text))


def contribution(source: Source) -> str:
    """The statements that add or take away (by its sign) the contribution of a row
    inserted into ``source``'s changes view (or, with ``parts``, of its parts inserted into
    the parts view) to every rollup of ``source``."""
    day = None if source.parts else source.day
    return "\n".join(
        statements_of(filled(name, table, keys, "new", day)) for name, table, keys in source.rollups
    )


def parting(source: Source) -> str:
    """The statement that sends a row of ``source``'s changes view to its parts view."""
    columns = ", ".join(PART_KEYS + TASK_COUNTS)
    day, week = (value.format(row="new", day=source.day) for value in (DAY, WEEK))
    return statements_of(
        template(source.parts).format(row="new", columns=columns, day=day, week=week)
    )


def template(name: str) -> str:
    """The statements of a template file without its comment lines."""
    return "\n".join(line for line in sql(name).splitlines() if not line.lstrip().startswith("--"))


def change(source: Source, row: str, sign: int) -> str:
    """The statement that sends ``row`` (new or old) to ``source``'s changes view."""
    values = ", ".join(f"{row}.{column}" for column in source.counted)
    return f"INSERT INTO {source.changes} VALUES ({sign}, {values});"


def trigger_statements() -> list[str]:
    """CREATE statements that keep the rollups in step with their source tables.

    Each source's triggers send the old row (sign -1) and the new one (sign 1) to its
    changes view, an empty view whose INSTEAD OF trigger holds the statements that fold a
    row into every rollup: written once rather than once per trigger, they are a third of
    the schema every connection parses (the hook's included) when it first reads it. A
    source with ``parts`` goes one step further: its fold works out the row's parts of
    every rollup once (key values, duration bucket, signed counts) and sends them to its
    parts view, whose trigger only adds them to each rollup.
    """
    statements = []
    for source in SOURCES:
        inserted, deleted, updated = source.triggers
        changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in source.counted)
        folding = contribution(source)
        if source.parted:
            view, fold = source.parted
            statements += [
                empty_view(view, PART_KEYS + TASK_COUNTS),
                f"CREATE TRIGGER IF NOT EXISTS {fold} INSTEAD OF INSERT ON {view}\n"
                f"BEGIN\n{folding}\nEND",
            ]
            folding = parting(source)
        statements += [
            empty_view(source.changes, ("sign", *source.counted)),
            f"CREATE TRIGGER IF NOT EXISTS {source.fold} INSTEAD OF INSERT ON {source.changes}\n"
            f"BEGIN\n{folding}\nEND",
            f"CREATE TRIGGER IF NOT EXISTS {inserted} AFTER INSERT ON {source.table}\n"
            f"BEGIN {change(source, 'new', 1)} END",
            f"CREATE TRIGGER IF NOT EXISTS {deleted} AFTER DELETE ON {source.table}\n"
            f"BEGIN {change(source, 'old', -1)} END",
            f"CREATE TRIGGER IF NOT EXISTS {updated} AFTER UPDATE OF "
            f"{', '.join(source.counted)}\nON {source.table} WHEN {changed}\n"
            f"BEGIN {change(source, 'old', -1)} {change(source, 'new', 1)} END",
        ]
    return statements


def empty_view(name: str, columns: Iterable[str]) -> str:
    """An empty view with ``columns``, there only for its INSTEAD OF trigger."""
    selected = ", ".join(f"NULL AS {column}" for column in columns)
    return f"CREATE VIEW IF NOT EXISTS {name} AS SELECT {selected} WHERE 0"


def create(conn: sqlite3.Connection) -> None:
    """The rollup tables (with any column they lack), their indexes, the buckets and the
    triggers (idempotent)."""
    statements = split_statements(template("rollups_schema"))
    tables = [s for s in statements if s.lstrip().startswith("CREATE TABLE")]
    for statement in tables:
        conn.execute(statement)
    for table in ("rollup_tasks_daily", "rollup_tasks_daily_all"):
        add_columns(conn, table, dict.fromkeys(LATER_COLUMNS, "INTEGER NOT NULL DEFAULT 0"))
        add_columns(conn, table, {"failure_kind": "TEXT"})
    for statement in statements:
        if statement not in tables:
            conn.execute(statement)
    conn.executemany(
        "INSERT OR IGNORE INTO rollup_duration_buckets(bucket, low_ms, high_ms, value_ms) "
        "VALUES (?, ?, ?, ?)",
        buckets(),
    )
    for statement in trigger_statements():
        conn.execute(statement)


def recompute(conn: sqlite3.Connection, tables: Iterable[str] = TABLES) -> None:
    """Recompute the rollups (every one, or those of ``tables``) from the rows, inside the
    caller's transaction."""
    wanted = set(tables)
    for source in SOURCES:
        for name, table, keys in source.rollups:
            if table not in wanted:
                continue
            recomputing = name.replace("_contribution", "_recompute")
            for statement in split_statements(filled(recomputing, table, keys, "n", source.day)):
                conn.execute(statement)
