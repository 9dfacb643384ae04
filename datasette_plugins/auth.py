"""Authentication for agent-runs on Datasette 0.65 (which has no API tokens of its own).

Off by default: bare ``datasette index.db`` on loopback stays open to anyone who can
reach it, as Datasette is. Required when ``agent-runs serve --auth`` starts Datasette
(it sets ``$AGENT_RUNS_AUTH=required``) or when the metadata says::

    plugins:
      agent-runs:
        auth: required

Then every permission check fails for an anonymous request (so every data page, JSON
endpoint, canned query and ``?sql=`` answers 403), and a request is signed in by

* ``Authorization: Bearer <token>``, a token signed with the instance's secret
  (``agent-runs token`` prints one), or
* Datasette's own signed ``ds_actor`` cookie, which ``/-/agent-runs/login?token=<token>``
  sets for a browser.

Tokens stay valid while the secret does (``$DATASETTE_SECRET``, or the file ``agent-runs
serve`` keeps); a new secret revokes them all.
"""

from __future__ import annotations

import os

from datasette.utils.asgi import Forbidden, Response
from itsdangerous import BadSignature

from . import links

NAMESPACE = "agent-runs-token"
ENV_AUTH = "AGENT_RUNS_AUTH"
REQUIRED = "required"


def required(datasette) -> bool:
    """Whether anonymous requests are refused on this instance."""
    if os.environ.get(ENV_AUTH) == REQUIRED:
        return True
    return (datasette.plugin_config("agent-runs") or {}).get("auth") == REQUIRED


def make_token(datasette, actor_id: str) -> str:
    """A bearer token for ``actor_id``, signed with this instance's secret."""
    return datasette.sign({"a": {"id": actor_id}}, NAMESPACE)


def actor_for_token(datasette, token: str) -> dict | None:
    """The actor a token was made for, or None when it is not one of ours."""
    try:
        decoded = datasette.unsign(token.strip(), NAMESPACE)
    except BadSignature:
        return None
    actor = decoded.get("a") if isinstance(decoded, dict) else None
    if not isinstance(actor, dict) or not isinstance(actor.get("id"), str):
        return None
    return {"id": actor["id"], "token": "agent-runs"}


def actor_from_request(datasette, request) -> dict | None:
    """The actor of an ``Authorization: Bearer <token>`` header (None without one)."""
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return actor_for_token(datasette, token)


def permission_allowed(datasette, actor) -> bool | None:
    """False for anonymous requests when auth is required; no opinion otherwise."""
    if actor is None and required(datasette):
        return False
    return None


async def login(datasette, request) -> Response:
    """GET /-/agent-runs/login?token=...: sign the browser in with a cookie, then the dashboard."""
    actor = actor_for_token(datasette, request.args.get("token") or "")
    if actor is None:
        raise Forbidden("That token is not valid here (ask `agent-runs token` for one).")
    response = Response.redirect(links.dashboard(datasette))
    response.set_cookie(
        "ds_actor", datasette.sign({"a": actor}, "actor"), httponly=True, samesite="lax"
    )
    return response
