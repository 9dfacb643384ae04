"""Files a subagent read or wrote, attributed to the subagent's node.

A file tool call made inside a subagent carries the subagent's ``agent_id``. The node
learns that id only when its Task/Agent call reports back (a background launch, or the
final result), usually after the subagent's file calls. So a touch is kept with its
agent id alone and attached to the node by whichever arrives second: the touch finds a
node that already has the agent id, or the node, once it has one, claims its touches.
Standard library only (hook path).
"""

from __future__ import annotations

import sqlite3

from recorder.schema.queries import sql


def record(conn: sqlite3.Connection, event: dict) -> None:
    """Store one Pre/PostToolUse of a file tool (idempotent by tool_use_id)."""
    node = conn.execute(sql("select_node_of_agent"), event).fetchone()
    completed = event["phase"] == "PostToolUse"
    conn.execute(
        sql("upsert_file_touch"),
        {
            **event,
            "node_id": node["id"] if node else None,
            "run_id": node["run_id"] if node else None,
            "completed_at": event["received_at"] if completed else None,
        },
    )
    if node is not None and completed and event["access"] == "write":
        refresh_files_modified(conn, node["id"])


def link(conn: sqlite3.Connection, node: dict) -> None:
    """Attach the touches of the node's agent that arrived before the node knew its agent."""
    claimed = conn.execute(sql("link_file_touches"), node).rowcount
    if claimed:
        refresh_files_modified(conn, node["id"])


def refresh_files_modified(conn: sqlite3.Connection, node_id: int) -> None:
    """Set the node's ``files_modified`` (ELF's JSON list) to the files it wrote."""
    conn.execute(sql("refresh_files_modified"), {"node_id": node_id})
