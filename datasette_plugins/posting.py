"""A POST to a page of an agent-runs database: 405, not Datasette 0.65's 500.

Nothing in an agent-runs database is written through Datasette: every canned query only
reads, and Datasette 0.65 has no write API. Yet it routes a POST to a table or a read-only
canned query into its write path, which fails with a traceback in the log and a 500 for
the client. The wrapper answers 405 (``Allow: GET``) first, for agent-runs databases
only (Datasette's own ``/-/`` routes, such as sign out, are left as they are).
"""

from __future__ import annotations

from . import gate, schema


def is_database_post(scope: dict, datasette) -> bool:
    """Whether the request POSTs to /<agent-runs database>[/...]."""
    if scope.get("method") != "POST":
        return False
    first = scope.get("path", "").strip("/").split("/", 1)[0]
    return bool(first) and not first.startswith("-") and schema.is_agent_runs(datasette, first)


def wrap(app, datasette):
    """The ASGI app, answering 405 to a POST to a page of an agent-runs database."""

    async def wrapped(scope, receive, send):
        if scope.get("type") == "http" and is_database_post(scope, datasette):
            await gate.respond(
                send, 405, "agent-runs pages only read", gate.TEXT, (b"allow", b"GET")
            )
            return
        await app(scope, receive, send)

    return wrapped
