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
* Datasette's own signed ``ds_actor`` cookie, which a sign-in link
  ``/-/agent-runs/login?code=<code>`` sets for a browser. A code is good for one use
  within ``LOGIN_SECONDS``, on the server run that printed it (``agent-runs serve
  --auth`` prints one), so what lands in an access log or a browser's history signs
  nobody in; the cookie lasts as a token does (``TOKEN_SECONDS``).

Tokens expire (``agent-runs token --expires``); ``agent-runs token --revoke-all``
revokes every token and cookie issued before it, on running servers too (the time is
kept in a file beside the secret). A new secret revokes them all as well.
"""

from __future__ import annotations

import os
import secrets
import time

from datasette.utils import baseconv
from datasette.utils.asgi import Forbidden, Response
from itsdangerous import BadSignature

from recorder.hook import paths as recorder_paths

from . import links

NAMESPACE = "agent-runs-token"
LOGIN_NAMESPACE = "agent-runs-login"
TOKEN_SECONDS = 30 * 86_400  # the default life of a token
LOGIN_SECONDS = 600  # a sign-in link is good for ten minutes, once
REVOKED_FILE = "tokens-revoked-before"
_used_codes: set[str] = set()  # sign-in codes already used by this server
ENV_AUTH = "AGENT_RUNS_AUTH"
ENV_SERVER = "AGENT_RUNS_SIGN_IN_SERVER"  # this server run's id, in the codes it accepts
REQUIRED = "required"


def required(datasette) -> bool:
    """Whether anonymous requests are refused on this instance."""
    if os.environ.get(ENV_AUTH) == REQUIRED:
        return True
    return (datasette.plugin_config("agent-runs") or {}).get("auth") == REQUIRED


def make_token(datasette, actor_id: str, seconds: int = TOKEN_SECONDS) -> str:
    """A bearer token for ``actor_id``, signed with this instance's secret, valid ``seconds``."""
    now = int(time.time())
    return datasette.sign({"a": {"id": actor_id}, "i": now, "e": now + seconds}, NAMESPACE)


def make_login_code(datasette, actor_id: str, server: str | None = None) -> str:
    """A sign-in code for ``actor_id``: one use, within LOGIN_SECONDS, on the server started
    with ``$AGENT_RUNS_SIGN_IN_SERVER`` = ``server`` (``agent-runs serve`` makes one per run,
    so a code used before a restart is refused after it)."""
    now = int(time.time())
    payload = {"a": {"id": actor_id}, "i": now, "e": now + LOGIN_SECONDS, "n": secrets.token_hex(8)}
    if server:
        payload["s"] = server
    return datasette.sign(payload, LOGIN_NAMESPACE)


def revocation_file() -> str:
    """Where the time of the last ``token --revoke-all`` is kept."""
    return os.path.join(recorder_paths.config_dir(), REVOKED_FILE)


def revoked_before() -> float:
    """Tokens and cookies issued before this time (seconds) are no longer valid."""
    try:
        with open(revocation_file(), encoding="utf-8") as f:
            return float(f.read().strip() or 0)
    except (OSError, ValueError):
        return 0.0


def revoke_all() -> int:
    """Revoke every token and cookie issued until now; return the time.

    Tokens carry whole seconds: every one issued in this second is revoked too, and this
    returns only once the second is over, so a token made after it is valid.
    """
    now = int(time.time())
    path = revocation_file()
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"{now}\n")
    time.sleep(max(0.0, now + 1 - time.time()))
    return now


def _valid(decoded: object) -> dict | None:
    """The actor of a decoded token or code that has not expired nor been revoked."""
    if not isinstance(decoded, dict):
        return None
    actor, issued, expires = decoded.get("a"), decoded.get("i"), decoded.get("e")
    if not isinstance(actor, dict) or not isinstance(actor.get("id"), str):
        return None
    if not isinstance(issued, int) or not isinstance(expires, int) or expires < time.time():
        return None
    if issued <= revoked_before():
        return None
    return {"id": actor["id"], "token": "agent-runs", "i": issued, "e": expires}


def actor_for_token(datasette, token: str) -> dict | None:
    """The actor a token was made for, or None when it is not one of ours or is stale."""
    try:
        return _valid(datasette.unsign(token.strip(), NAMESPACE))
    except BadSignature:
        return None


def still_valid(actor: object) -> bool:
    """Whether an actor we signed in (token or cookie) was issued after the last revocation."""
    if not isinstance(actor, dict) or actor.get("token") != "agent-runs":
        return True  # someone else's actor: not ours to judge
    issued = actor.get("i")
    return isinstance(issued, int) and issued > revoked_before()


def actor_from_request(datasette, request) -> dict | None:
    """The actor of an ``Authorization: Bearer <token>`` header (None without one)."""
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return actor_for_token(datasette, token)


def permission_allowed(datasette, actor) -> bool | None:
    """False for anonymous or revoked requests when auth is required; no opinion otherwise."""
    if required(datasette) and (actor is None or not still_valid(actor)):
        return False
    return None


async def login(datasette, request) -> Response:
    """GET /-/agent-runs/login?code=...: sign the browser in with a cookie, then the dashboard.

    A code works once, within LOGIN_SECONDS; a long-lived token is never taken in a URL.
    """
    code = request.args.get("code") or ""
    try:
        decoded = datasette.unsign(code.strip(), LOGIN_NAMESPACE)
    except BadSignature:
        decoded = None
    actor = _valid(decoded)
    nonce = decoded.get("n") if isinstance(decoded, dict) else None
    server = decoded.get("s") if isinstance(decoded, dict) else None
    if (
        actor is None
        or not isinstance(nonce, str)
        or nonce in _used_codes
        or server != os.environ.get(ENV_SERVER)
    ):
        raise Forbidden(
            "That sign-in link is not valid here, has expired or was used already "
            "(`agent-runs serve --auth` prints a new one)."
        )
    _used_codes.add(nonce)
    now = int(time.time())
    actor = dict(actor, i=now, e=now + TOKEN_SECONDS)  # the browser stays signed in as a token
    cookie = {"a": actor, "e": baseconv.base62.encode(actor["e"])}
    response = Response.redirect(links.dashboard(datasette))
    response.set_cookie(
        "ds_actor",
        datasette.sign(cookie, "actor"),
        httponly=True,
        samesite="lax",
        max_age=max(0, actor["e"] - int(time.time())),
    )
    return response
