"""The canned queries' number parameters, checked before the SQL sees them.

``days`` and ``minutes`` reach the SQL as text; a value that is no number used to give
an empty answer (200, no rows) that a program could not tell from "nothing happened",
and each query read odd values its own way. A request to one of our canned queries
whose ``days`` or ``minutes`` is not empty and not a whole number from 1 to its
maximum answers 400 with a one-line error (JSON for ``.json``), for agent-runs
databases only.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl

from . import canned, gate, schema

MOST = {"days": 3660, "minutes": 527_040}  # ten years; a year of minutes
_WHOLE = re.compile(r"\d{1,9}")


def problem(query_string: str) -> str | None:
    """Why the request's number parameters are refused, or None when they are fine."""
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        most = MOST.get(name)
        value = value.strip()
        if most is None or not value:
            continue
        if not _WHOLE.fullmatch(value) or not 1 <= int(value) <= most:
            return f"{name} must be a whole number from 1 to {most:,} (or empty for the default)"
    return None


def canned_request(scope: dict, datasette) -> bool:
    """Whether the request GETs /<agent-runs database>/<canned query>[.<format>]."""
    parts = scope.get("path", "").strip("/").split("/")
    if scope.get("method") != "GET" or len(parts) != 2:
        return False
    return parts[1].split(".", 1)[0] in canned.names() and schema.is_agent_runs(datasette, parts[0])


def wrap(app, datasette):
    """The ASGI app, answering 400 to a canned query asked with a bad number parameter."""

    async def wrapped(scope, receive, send):
        if scope.get("type") == "http" and canned_request(scope, datasette):
            why = problem(scope.get("query_string", b"").decode("latin-1"))
            if why is not None:
                if scope.get("path", "").endswith(".json"):
                    error = json.dumps({"ok": False, "error": why, "status": 400})
                    await gate.respond(send, 400, error, b"application/json")
                else:
                    await gate.respond(send, 400, why)
                return
        await app(scope, receive, send)

    return wrapped
