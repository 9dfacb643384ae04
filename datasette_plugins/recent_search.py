"""The node table's search, capped to the newest matches so common words stay fast.

Datasette's own ``?_search=`` on a table counts every match and materialises every
match before picking a page: on a million tasks a common word matches hundreds of
thousands (over a second per page). For ``node_executions`` the plugin renames the
argument on the way in (``_search`` -> ``_recent_search``, an ASGI wrapper, so that
Datasette's search filter does not run) and filters by the newest ``LIMIT`` matching
tasks instead: the page shows at most that many (its count says "5,000" when there are
more; the table's description on the page says so), newest first, and the search box
keeps the words. Pages, sorting and the JSON API work as before over those rows.
"""

from __future__ import annotations

import urllib.parse

from datasette.filters import FilterArguments

from . import schema
from .sqlfiles import sql

TABLE = "node_executions"
ARG = "_recent_search"
LIMIT = 5000


def rewrite(scope: dict, datasette) -> dict:
    """``scope`` with ``_search`` renamed for the node table of an agent-runs database."""
    parts = scope.get("path", "").split("/")
    if len(parts) != 3 or parts[2].split(".")[0] != TABLE:
        return scope
    pairs = urllib.parse.parse_qsl(scope.get("query_string", b"").decode("latin-1"), True)
    if not any(key == "_search" for key, _ in pairs):
        return scope
    if not schema.is_agent_runs(datasette, urllib.parse.unquote(parts[1])):
        return scope
    renamed = [(ARG if key == "_search" else key, value) for key, value in pairs]
    query = urllib.parse.urlencode(renamed).encode("latin-1")
    return {**scope, "query_string": query}


def filters(request, database: str, table: str, datasette) -> FilterArguments | None:
    """The capped search as a filter of the node table (None when not searching it)."""
    words = request.args.get(ARG)
    if table != TABLE or words is None or not schema.is_agent_runs(datasette, database):
        return None
    return FilterArguments(
        [sql("recent_search").strip()],
        {"recent_search": words, "recent_search_limit": LIMIT},
        [f'search matches "{words}" (the newest {LIMIT:,} matching tasks at most)'],
        {"search": words},
    )
