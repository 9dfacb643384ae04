"""URLs of the plugin's pages, honouring Datasette's base_url.

The ``db`` query-string parameter picks the database when more than one attached
database has the agent-runs schema; it is left out for the first (default) one.
"""

from __future__ import annotations

from urllib.parse import urlencode

from datasette.utils import tilde_encode

from . import schema

DASHBOARD = "/-/agent-runs"


def _query(datasette, database: str | None, params: dict) -> str:
    names = schema.agent_runs_databases(datasette)
    pairs = {}
    if database and names and database != names[0]:
        pairs["db"] = database
    pairs.update({k: v for k, v in params.items() if v not in (None, "")})
    return ("?" + urlencode(pairs)) if pairs else ""


def dashboard(datasette, database: str | None = None, **params) -> str:
    return datasette.urls.path(DASHBOARD) + _query(datasette, database, params)


def run(datasette, database: str | None, run_id) -> str:
    return datasette.urls.path(f"{DASHBOARD}/runs/{run_id}") + _query(datasette, database, {})


def static(datasette, filename: str, version: str) -> str:
    return datasette.urls.path(f"{DASHBOARD}/static/{filename}") + f"?v={version}"


def table(datasette, database: str, table_name: str, **filters) -> str:
    query = urlencode({k: v for k, v in filters.items() if v not in (None, "")})
    return datasette.urls.table(database, table_name) + (f"?{query}" if query else "")


def row(datasette, database: str, table_name: str, pk) -> str:
    return datasette.urls.row(database, table_name, tilde_encode(str(pk)))


def status(datasette, database: str | None) -> str:
    return datasette.urls.path(f"{DASHBOARD}/status.json") + _query(datasette, database, {})


def canned(datasette, database: str, name: str, **params) -> str:
    """A canned query's page with its parameters filled in."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return datasette.urls.query(database, name) + (f"?{query}" if query else "")
