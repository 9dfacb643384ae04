"""Derivation steps for what is learnt once about a node: who recorded it, which agent
definition it ran with, which failed attempt it retries.

``first_saved`` is called by the store right after a node's first insert;
``agent_type_known`` when a node learns its agent type later (SubagentStart).
"""

from __future__ import annotations

import sqlite3

from recorder.derive import rework
from recorder.hook import agent_definitions
from recorder.schema.queries import sql

HOOK = "hook"


def first_saved(conn: sqlite3.Connection, node: dict, event: dict) -> None:
    conn.execute(
        sql("set_recorded_by"), {"id": node["id"], "recorded_by": event.get("recorded_by") or HOOK}
    )
    rework.link(conn, node)
    agent_type_known(conn, node, event)


def agent_type_known(conn: sqlite3.Connection, node: dict, event: dict) -> None:
    """Record the definition file of the node's agent type, as the hook saw it (kept)."""
    found = event.get("agent_definition")
    if node["agent_type"] and found and found.get("agent_type") == node["agent_type"]:
        agent_definitions.apply(conn, node["id"], found)


def session_event(conn: sqlite3.Connection, event: dict) -> None:
    """Note the first event of a session that the hook itself recorded."""
    if (event.get("recorded_by") or HOOK) == HOOK:
        conn.execute(sql("hook_saw_session"), event)
