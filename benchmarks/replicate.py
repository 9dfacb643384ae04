"""Copies of a built database's history, each moved to the period before it.

``scale.py --copies K`` builds ``nodes / K`` nodes over ``days / K`` days through the
recorder's bulk path, then ``replicate`` copies every row of them ``K - 1`` times: copy
``k`` is moved ``k * days / K`` days back, its integer ids past the ones before it and its
text ids (session, tool use, agent, run key, prompt hash) given a suffix, so that the
copies are as many sessions, runs and prompts as the original. The kept events and their
blocks are copied too, so the size per 1,000 nodes counts them; a copy's kept events still
name the original's ids, so a rebuild of such a file does not give its rows back (measure
rebuilds on a file built whole). The full-text index, the rollups and the page indexes
are built once at the end (``recorder.derive.deferral``).
"""

from __future__ import annotations

import sqlite3
import time

from recorder.derive import deferral
from recorder.hook import database

# table -> {column: what it is}; other columns are copied as they are, and a column
# named *_at is a time, moved back
COLUMNS: dict[str, dict[str, str]] = {
    "sessions": {"id": "text"},
    "workflow_runs": {
        "id": "run",
        "duplicate_of": "run",
        "session_id": "text",
        "run_key": "text",
        "prompt_id": "text",
    },
    "node_executions": {
        "id": "node",
        "run_id": "run",
        "duplicate_of": "node",
        "retry_of": "node",
        "first_attempt_id": "node",
        "node_id": "text",
        "session_id": "text",
        "agent_id": "text",
        "parent_agent_id": "text",
        "tool_use_id": "text",
        "prompt_hash": "text",
    },
    "subagents": {"agent_id": "text", "session_id": "text"},
    "node_tools": {"node_id": "node"},
    "file_touches": {
        "id": "file_touches",
        "tool_use_id": "text",
        "session_id": "text",
        "agent_id": "text",
        "node_id": "node",
        "run_id": "run",
    },
    "learnings": {"id": "learnings", "node_id": "node", "run_id": "run"},
    "derived_rows": {"key": "text", "id": "derived"},
    "kept_blocks": {"id": "block"},
    "kept_events": {"id": "kept", "session_id": "text", "subject": "text", "block_id": "block"},
}
# what each kind of integer id is offset by: the largest id of its table
OFFSET_OF = {
    "node": "node_executions",
    "run": "workflow_runs",
    "file_touches": "file_touches",
    "learnings": "learnings",
    "block": "kept_blocks",
    "kept": "kept_events",
}

APPLIED = (
    "UPDATE derivation_state SET value = (SELECT max(id) FROM kept_events) WHERE name = 'applied'"
)


def expression(column: str, kind: str | None, offsets: dict[str, int], k: int, days: int) -> str:
    """The SQL of copy ``k``'s value of ``column``."""
    if kind == "text":
        return f"[{column}] || '~{k}'"
    if kind == "derived":  # derived_rows.id is the id of the row of table tbl
        cases = " ".join(
            f"WHEN '{table}' THEN [id] + {offsets[table] * k}" for table in OFFSET_OF.values()
        )
        return f"CASE tbl {cases} ELSE [id] END"
    if kind is not None:
        return f"[{column}] + {offsets[OFFSET_OF[kind]] * k}"
    if column.endswith("_at"):
        return f"strftime('%Y-%m-%dT%H:%M:%fZ', [{column}], '-{days * k} days')"
    return f"[{column}]"


def replicate(path: str, copies: int, days: int) -> None:
    """Add ``copies - 1`` copies of every row of ``path``, copy k moved ``k * days`` back."""
    if copies < 2:
        return
    started = time.perf_counter()
    conn = database.connect(path)
    try:
        offsets = {
            table: conn.execute(f"SELECT coalesce(max(id), 0) FROM [{table}]").fetchone()[0]
            for table in OFFSET_OF.values()
        }
        originals = {table: original(conn, table) for table in COLUMNS}
        database.write(conn, deferral.drop)  # a private file: no lock, no other writer
        for k in range(1, copies):
            for table, kinds in COLUMNS.items():
                names = [row[1] for row in conn.execute(f"PRAGMA table_info([{table}])")]
                values = ", ".join(
                    expression(name, kinds.get(name), offsets, k, days) for name in names
                )
                columns = ", ".join(f"[{name}]" for name in names)
                statement = (
                    f"INSERT INTO [{table}] ({columns}) "
                    f"SELECT {values} FROM [{table}] WHERE {originals[table]}"
                )
                database.write(conn, lambda c, s=statement: c.execute(s))
            print(f"  copy {k} of {copies - 1}: {time.perf_counter() - started:,.0f} s")
        database.write(conn, deferral.restore)
        database.write(conn, lambda c: c.execute(APPLIED))  # the copies are derived already
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        nodes = conn.execute("SELECT count(*) FROM node_executions").fetchone()[0]
    finally:
        conn.close()
    print(
        f"replicated: {copies} copies of {days} days, {nodes:,} nodes, "
        f"in {time.perf_counter() - started:,.0f} s"
    )


def original(conn: sqlite3.Connection, table: str) -> str:
    """The SQL condition of the rows ``table`` held before any copy."""
    if table == "derived_rows":  # no rowid; a copy's key has a suffix
        return "instr([key], '~') = 0"
    last = conn.execute(f"SELECT coalesce(max(rowid), 0) FROM [{table}]").fetchone()[0]
    return f"rowid <= {last}"
