"""What every request meets first: the Host check and the fail-closed permission check.

* Host: a web page the user visits could point a name it controls at 127.0.0.1 (DNS
  rebinding) and read the server as its own origin. ``agent-runs serve`` sets
  ``$AGENT_RUNS_ALLOWED_HOSTS`` to the names it binds (loopback names only without
  ``--auth``; ``*`` when it binds every interface with ``--auth``), and a request whose
  Host header names anything else is answered 421 before Datasette sees it.
* Permissions: when auth is required, this plugin protects data through Datasette's
  ``permission_allowed`` hook. A Datasette that no longer calls it (its 1.0 alphas
  replaced the hook) would serve everything; so before the first request the gate asks
  Datasette whether an anonymous actor may view the instance, and when our hook was not
  consulted (the answer is not our "no") every request but a static asset gets 503.
"""

from __future__ import annotations

import os

from . import auth

ENV_HOSTS = "AGENT_RUNS_ALLOWED_HOSTS"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
STATIC_PREFIXES = ("/-/static/", "/-/static-plugins/", "/-/agent-runs/static/", "/favicon.ico")


def allowed_hosts() -> frozenset[str] | None:
    """The names requests may be addressed to; None when not set (no check)."""
    value = os.environ.get(ENV_HOSTS)
    if not value:
        return None
    return frozenset(name.strip().lower() for name in value.split(",") if name.strip())


def host_name(header: str) -> str:
    """The name in a Host header, without its port (and brackets of an IPv6 address)."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def host_allowed(scope: dict) -> bool:
    """Whether the request's Host header names this server."""
    hosts = allowed_hosts()
    if hosts is None or "*" in hosts:
        return True
    header = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
    return host_name(header) in hosts


async def permissions_honoured(datasette) -> bool:
    """Whether Datasette consults our permission hook (checked once per instance)."""
    known = getattr(datasette, "_agent_runs_permissions_honoured", None)
    if known is None:
        try:
            answer = await datasette.permission_allowed(None, "view-instance", default=True)
            known = answer is False
        except Exception:  # noqa: BLE001 (a Datasette without this API: not honoured)
            known = False
        datasette._agent_runs_permissions_honoured = known
    return known


TEXT = b"text/plain; charset=utf-8"


async def respond(send, status: int, message: str, content_type: bytes = TEXT, *extra) -> None:
    """A short answer made here, before Datasette (``extra``: more (name, value) headers)."""
    body = (message + "\n").encode()
    headers = [(b"content-type", content_type), (b"content-length", b"%d" % len(body)), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def wrap(datasette, app):
    """The ASGI app behind the gate."""

    async def gated(scope, receive, send):
        if scope.get("type") == "http":
            if not host_allowed(scope):
                await respond(send, 421, "agent-runs: this server does not answer to that Host")
                return
            static = scope.get("path", "").startswith(STATIC_PREFIXES)
            if (
                auth.required(datasette)
                and not static
                and not await permissions_honoured(datasette)
            ):
                await respond(
                    send,
                    503,
                    "agent-runs: this Datasette does not call the permission hooks that "
                    "protect the data; refusing to serve it (auth is required)",
                )
                return
        await app(scope, receive, send)

    return gated
