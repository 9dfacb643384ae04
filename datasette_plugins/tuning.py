"""Datasette settings that keep the agent-runs table pages fast at any size.

On a table page Datasette suggests facets by running, for every column, one query per
kind of facet (column, date, JSON array), each allowed facet_suggest_time_limit_ms
(50 ms). node_executions has close to 40 columns, several holding kilobytes of text:
that is a few hundred milliseconds on the demo database and seconds on a million
nodes, on every table page. The dashboard shows the useful breakdowns and any column
can still be faceted on demand (``?_facet=status``), so when an agent-runs database is
attached the suggestions are switched off. Datasette 0.65 has no per-table option for
this and metadata cannot hold settings, so the plugin sets it at startup (for the whole
instance).
"""

from __future__ import annotations

from . import schema


def tune(datasette) -> None:
    """Turn facet suggestions off when an agent-runs database is attached."""
    if schema.agent_runs_databases(datasette):
        datasette._settings["suggest_facets"] = False
