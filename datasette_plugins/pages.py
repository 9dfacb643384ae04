"""Datasette's own pages for an agent-runs database: what the database page lists first.

Datasette lists tables by name (``_agent_runs_otlp_exports`` before ``node_executions``)
and pre-fills the SQL box with the first. ``templates/overrides/database.html`` passes its
tables through ``reading_order``: the ``tasks`` view (shown as a table, with the node
count), then runs, sessions and learnings, then the rest in Datasette's order.
"""

from __future__ import annotations

from . import schema

FIRST = ("tasks", "workflow_runs", "sessions", "learnings")


async def reading_order(datasette, database: str, tables: list[dict]) -> list[dict]:
    """``tables`` for the database page, the ones people read first at the top."""
    if not schema.is_agent_runs(datasette, database):
        return tables
    by_name = {t["name"]: t for t in tables}
    db = datasette.get_database(database)
    if "tasks" not in by_name and "tasks" in await db.view_names():
        nodes = by_name.get("node_executions", {})
        by_name["tasks"] = {
            **nodes,
            "name": "tasks",
            "columns": await db.table_columns("tasks"),
            "primary_keys": [],
            "hidden": False,
        }
    first = [by_name[name] for name in FIRST if name in by_name]
    return first + [t for t in tables if t["name"] not in FIRST]
