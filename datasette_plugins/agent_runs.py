"""The agent-runs Datasette plugin: dashboard, run pages, cell rendering, canned queries.

Every hook below only does something for databases that have the agent-runs schema
(tables node_executions, workflow_runs and sessions); any other database is left alone.
The work lives in small modules, one concern each:

    schema         which attached databases are agent-runs databases
    locate         where metadata.yml and canned_queries/ are (checkout or installed wheel)
    metadata       metadata.yml applied to every agent-runs database
    canned         canned queries: canned_queries/<name>.sql + their metadata
    routes         /-/agent-runs (dashboard), /-/agent-runs/runs/<id>, status, static files
    dashboard      the dashboard's panels       runs        a run and its timeline
    cells          render_cell                  markdown    safe Markdown (markdown-it-py + nh3)
    formatting     durations, token counts      links       URLs of our pages
    assets         the plugin's CSS and JS      sqlfiles    the SQL, one file per query (sql/)
    auth           bearer tokens, login, and refusing anonymous requests when auth is required
    guard          SQL functions no request may call (fts3_tokenizer, file functions)
    limits         bounds on what one SQL call may build (length, heap, printf widths)
    gate           the Host check (DNS rebinding) and failing closed without permission hooks
    headers        no framing by other sites, no content sniffing, no referrer
    posting        a POST to a page of an agent-runs database: 405 (nothing is written there)
    parameters     a canned query's days or minutes that is no whole number: 400
    tuning         settings that keep table pages fast (facet suggestions off)
    pages          the database page's order (tasks, runs, sessions, learnings first)
    recent_search  the node table's search, capped to the newest matches
    quoted_search  a search of nothing but quotes: no match rather than an error page
    templates/     our two pages; overrides/ extends Datasette's query and database pages
                   (not pages/: Datasette serves a pages/ template at its own URL)
"""

from __future__ import annotations

import json
from functools import partial

from datasette import hookimpl
from jinja2 import ChoiceLoader, FileSystemLoader
from markupsafe import Markup

from . import (
    assets,
    auth,
    canned,
    cells,
    formatting,
    gate,
    guard,
    headers,
    limits,
    links,
    locate,
    metadata,
    pages,
    parameters,
    posting,
    quoted_search,
    recent_search,
    routes,
    schema,
    tuning,
)
from .locate import PACKAGE_DIR

OUR_TABLES = ("node_executions", "workflow_runs", "sessions")


@hookimpl
def startup(datasette):
    """Find the agent-runs databases once, before the first request; settings for them."""
    tuning.tune(datasette)


@hookimpl
def get_metadata(datasette, key, database, table):
    """metadata.yml for every agent-runs database, whatever its file is called."""
    return metadata.for_instance(datasette)


@hookimpl
def canned_queries(datasette, database, actor):
    """canned_queries/*.sql with titles, descriptions and parameter help from metadata.yml."""
    if not schema.is_agent_runs(datasette, database):
        return None
    config = datasette.plugin_config("agent-runs", database=database) or {}
    return canned.load(locate.data_dir(), config)


@hookimpl
def register_routes(datasette):
    return routes.ROUTES


@hookimpl
def prepare_jinja2_environment(env, datasette):
    """Our pages, query/database page overrides (after the user's own) and filters."""
    overrides = [FileSystemLoader(datasette.template_dir)] if datasette.template_dir else []
    overrides.append(FileSystemLoader(str(PACKAGE_DIR / "templates" / "overrides")))
    env.loader = ChoiceLoader(
        [*overrides, env.loader, FileSystemLoader(str(PACKAGE_DIR / "templates"))]
    )
    env.filters["ar_duration"] = formatting.duration
    env.filters["ar_thousands"] = formatting.thousands
    env.filters["ar_compact"] = formatting.compact
    env.filters["ar_usd"] = formatting.usd
    env.globals["ar_reading_order"] = partial(pages.reading_order, datasette)


@hookimpl
def menu_links(datasette, actor, request):
    """Datasette's menu links the dashboard when an agent-runs database is attached."""

    async def inner():
        names = schema.agent_runs_databases(datasette)
        if not names or not await datasette.permission_allowed(
            actor, "view-database", names[0], default=True
        ):
            return []
        return [{"href": links.dashboard(datasette), "label": "Agent runs dashboard"}]

    return inner


@hookimpl
def table_actions(datasette, actor, database, table, request):
    """From our tables: the dashboard, and the failed-tasks query."""
    if table not in OUR_TABLES or not schema.is_agent_runs(datasette, database):
        return None

    async def inner():
        actions = [{"href": links.dashboard(datasette, database), "label": "Agent runs dashboard"}]
        failed = "failed-tasks-this-week"
        if table == "node_executions" and await datasette.get_canned_query(database, failed, actor):
            actions.append(
                {"href": datasette.urls.query(database, failed), "label": "Failed tasks this week"}
            )
        return actions

    return inner


@hookimpl
def database_actions(datasette, actor, database, request):
    """From the database page: the dashboard."""
    if not schema.is_agent_runs(datasette, database):
        return None
    return [{"href": links.dashboard(datasette, database), "label": "Agent runs dashboard"}]


@hookimpl
def asgi_wrapper(datasette):
    """The Host check and the fail-closed permission check (gate.py), outside the rewrites
    of ?_search= (quoted_search.py, then the node table's capped search: recent_search.py);
    every response with the headers of headers.py; a POST to a database page 405
    (posting.py), a canned query asked with a bad number 400 (parameters.py)."""
    rewrites = (quoted_search.rewrite, recent_search.rewrite)

    def wrapped(app):
        inner = parameters.wrap(
            posting.wrap(rewriting(app, datasette, rewrites), datasette), datasette
        )
        return headers.wrap(gate.wrap(datasette, inner))

    return wrapped


def rewriting(app, datasette, rewrites):
    """The ASGI app with each of ``rewrites`` (scope, datasette -> scope) applied, in order,
    to every HTTP request."""

    async def wrapped(scope, receive, send):
        if scope.get("type") == "http":
            for rewrite in rewrites:
                scope = rewrite(scope, datasette)
        await app(scope, receive, send)

    return wrapped


@hookimpl
def prepare_connection(conn):
    """Every Datasette connection refuses the functions in guard.DENIED_FUNCTIONS and
    keeps within the bounds of limits.py."""
    guard.protect(conn)
    limits.protect(conn)


@hookimpl
def actor_from_request(datasette, request):
    """``Authorization: Bearer <token>`` signs a request in (see auth.py)."""
    return auth.actor_from_request(datasette, request)


@hookimpl(trylast=True)
def permission_allowed(datasette, actor, action, resource):
    """The rollups' plumbing views are never shown; with auth required, an anonymous request
    may do nothing. Last, so it has the final say."""
    if schema.plumbing(action, resource):
        return False
    return auth.permission_allowed(datasette, actor)


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Badges, durations, token counts, JSON, safe Markdown, local times, id links."""
    return cells.render(row, value, column, table, database, datasette)


@hookimpl
def register_output_renderer(datasette):
    """``.ndjson`` for every table and query page: the same lines as ``agent-runs export``."""
    from . import ndjson

    return ndjson.RENDERER


def _ours(datasette, database, view_name) -> bool:
    return view_name == "agent-runs" or schema.is_agent_runs(datasette, database)


@hookimpl
def extra_css_urls(template, database, table, columns, view_name, request, datasette):
    return assets.css_urls(datasette) if _ours(datasette, database, view_name) else []


@hookimpl
def extra_js_urls(template, database, table, columns, view_name, request, datasette):
    return assets.js_urls(datasette) if _ours(datasette, database, view_name) else []


@hookimpl
def extra_body_script(template, database, table, columns, view_name, request, datasette):
    """On a canned query page: its parameter help, which our page script shows in the inputs."""
    is_query_page = (template or "").startswith("query")
    if not is_query_page or request is None or not schema.is_agent_runs(datasette, database):
        return None
    name = (request.url_vars or {}).get("table")

    async def inner():
        query = await datasette.get_canned_query(database, name, request.actor) if name else None
        if not query or not query.get("param_help"):
            return None
        data = json.dumps(query["param_help"]).replace("<", "\\u003c")
        return Markup(f"window.agentRunsParamHelp = {data};")

    return inner


@hookimpl
def filters_from_request(request, database, table, datasette):
    """The capped search of the node table, newest matches first (recent_search.py)."""
    return recent_search.filters(request, database, table, datasette)
