"""A search of nothing but double quotes answers "no match", not an error page.

Datasette escapes ``?_search=`` (and ``?_search_<column>=``) into FTS5 syntax, each word
quoted. A value made only of double quotes and spaces escapes to an empty expression,
which FTS5 rejects as a syntax error, and the page is Datasette's bare error.
Such a value goes on as a quoted space: a valid search that matches nothing.
"""

from __future__ import annotations

import urllib.parse

from . import schema

NOTHING = '" "'


def only_quotes(key: str, value: str) -> bool:
    """Whether ``key=value`` is a search made of nothing but double quotes (and spaces)."""
    return key.startswith("_search") and '"' in value and not value.replace('"', "").strip()


def rewrite(scope: dict, datasette) -> dict:
    """``scope`` with each such search of an agent-runs database replaced by ``NOTHING``."""
    query = scope.get("query_string", b"")
    if b"_search" not in query:
        return scope
    pairs = urllib.parse.parse_qsl(query.decode("latin-1"), True)
    if not any(only_quotes(key, value) for key, value in pairs):
        return scope
    parts = scope.get("path", "").split("/")
    if len(parts) < 3 or not schema.is_agent_runs(datasette, urllib.parse.unquote(parts[1])):
        return scope
    fixed = [(key, NOTHING if only_quotes(key, value) else value) for key, value in pairs]
    return {**scope, "query_string": urllib.parse.urlencode(fixed).encode("latin-1")}
