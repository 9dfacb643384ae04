"""The plugin's pages: the dashboard, a run's timeline, the live-mode status, static files.

    /-/agent-runs                 dashboard (HTML; .json gives the same data)
    /-/agent-runs/runs/<id>       one run (HTML; .json gives the same data)
    /-/agent-runs/status.json     what live mode polls: running count and a change stamp
    /-/agent-runs/static/<file>   the plugin's CSS and JS
    /-/agent-runs/login?token=    signs a browser in when auth is required (see auth.py)

Every route answers GET (and HEAD) only: nothing here changes anything.

``?db=<name>`` picks the database when several attached ones have the schema.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import os
import re

from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup

from . import assets, auth, dashboard, links, runs, schema, tiles
from .dashboard import RANGES, Filters

SEARCH_QUERY = "search-tasks"


async def database_for(datasette, request):
    """The agent-runs database this request is about (404 if none), permission checked."""
    names = schema.agent_runs_databases(datasette)
    wanted = request.args.get("db")
    if not names:
        raise NotFound("No attached database has the agent-runs tables.")
    if wanted and wanted not in names:
        raise NotFound(f"{wanted!r} is not an attached agent-runs database.")
    name = wanted or names[0]
    await datasette.ensure_permissions(
        request.actor,
        [("view-table", (name, "node_executions")), ("view-database", name), "view-instance"],
    )
    return datasette.get_database(name)


def json_response(data: dict) -> Response:
    return Response.json(data, default=str)


def script_json(data) -> Markup:
    """``data`` as JSON that is safe inside a <script> element."""
    text = json.dumps(data, default=str)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


async def search_target(datasette, database: str, actor) -> dict:
    """Where the search box sends its words: the ranked canned query, else the table."""
    query = await datasette.get_canned_query(database, SEARCH_QUERY, actor)
    if query:
        params = query.get("params") or re.findall(r"(?<![:\w]):(\w+)", query["sql"])
        if params:
            return {
                "url": datasette.urls.query(database, SEARCH_QUERY),
                "param": params[0],
                "ranked": True,
            }
    return {
        "url": datasette.urls.table(database, "node_executions"),
        "param": "_search",
        "ranked": False,
    }


def range_choices(datasette, database: str, filters: Filters) -> list[dict]:
    return [
        {
            "key": key,
            "short": "All" if key == "all" else short,
            "label": label,
            "current": key == filters.range,
            "href": links.dashboard(
                datasette,
                database,
                **{**filters.as_query(), "range": None if key == dashboard.DEFAULT_RANGE else key},
            ),
        }
        for key, (label, short, _) in RANGES.items()
    ]


async def dashboard_view(datasette, request):
    db = await database_for(datasette, request)
    filters = Filters.from_args(request.args)
    data = await dashboard.build(datasette, db, filters, actor=request.actor)
    if request.url_vars.get("format"):
        return json_response(data)
    names = schema.agent_runs_databases(datasette)
    context = {
        "database": db.name,
        "db_param": db.name if db.name != names[0] else None,
        "other_databases": [
            {"name": n, "href": links.dashboard(datasette, n)} for n in names if n != db.name
        ],
        "data": data,
        "tiles": tiles.tiles(data),
        "filters": filters,
        "default_range": dashboard.DEFAULT_RANGE,
        "ranges": range_choices(datasette, db.name, filters),
        "is_filtered": bool(filters.project or filters.agent_type),
        "reset_url": links.dashboard(datasette, db.name, range=filters.as_query()["range"]),
        "chart_json": script_json(
            {k: data.get(k) for k in ("activity", "agent_types", "links", "filters")}
        ),
        "search": await search_target(datasette, db.name, request.actor),
        "status_url": links.status(datasette, db.name),
        "dashboard_url": links.dashboard(datasette),
        "dashboard_js": assets.url(datasette, "dashboard.js"),
    }
    html = await datasette.render_template(
        "agent_runs_dashboard.html", context, request=request, view_name="agent-runs"
    )
    return Response.html(html)


async def run_view(datasette, request):
    db = await database_for(datasette, request)
    run_id = int(request.url_vars["run_id"])
    found = await runs.load(datasette, db, run_id)
    if found is None:
        raise NotFound(f"There is no run {run_id} in the {db.name} database.")
    if request.url_vars.get("format"):
        return json_response(found)
    html = await datasette.render_template(
        "agent_runs_run.html",
        {"database": db.name, **found, "dashboard_url": links.dashboard(datasette, db.name)},
        request=request,
        view_name="agent-runs",
    )
    return Response.html(html)


def change_stamp(db) -> str | None:
    """Changes whenever the recorder commits: the newest mtime of the file and its WAL."""
    if not db.path:
        return None
    stamps = []
    for path in (db.path, db.path + "-wal"):
        with contextlib.suppress(OSError):
            stamps.append(os.stat(path).st_mtime_ns)
    return str(max(stamps)) if stamps else None


async def status_view(datasette, request):
    db = await database_for(datasette, request)
    return Response.json(
        {
            "database": db.name,
            **await dashboard.running_now(db),
            "changed": change_stamp(db),
        },
        headers={"Cache-Control": "no-store"},
    )


def get_only(view):
    """The view for GET and HEAD; 405 for any other method."""
    request_at = list(inspect.signature(view).parameters).index("request")

    @functools.wraps(view)  # Datasette passes, by position, the arguments the view names
    async def guarded(*args):
        if args[request_at].method not in ("GET", "HEAD"):
            return Response.text("Method not allowed", status=405, headers={"Allow": "GET"})
        return await view(*args)

    return guarded


ROUTES = [
    (pattern, get_only(view))
    for pattern, view in [
        (r"^/-/agent-runs(?P<format>\.json)?$", dashboard_view),
        (r"^/-/agent-runs/status\.json$", status_view),
        (r"^/-/agent-runs/runs/(?P<run_id>\d{1,18})(?P<format>\.json)?$", run_view),
        (r"^/-/agent-runs/static/(?P<filename>[A-Za-z0-9_-]+\.[a-z]+)$", assets.serve),
        (r"^/-/agent-runs/login$", auth.login),
    ]
]
