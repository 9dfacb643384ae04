"""Response headers every page gets: no framing by another site, no content sniffing, no
referrer.

A page of the dashboard inside another site's frame could be clicked through without the
user knowing (clickjacking); a JSON or CSV answer read as HTML by a browser guessing its
type could run as a page of this origin; and a link followed from a run page would tell
the next site which run the user was reading. Headers Datasette or a route set already
are kept. Our own pages (``/-/agent-runs``) always get them; every other page when
``agent-runs serve`` runs the instance (a Datasette of the user's own, serving other
databases too, keeps its pages as they are).
"""

from __future__ import annotations

import os

from .gate import ENV_HOSTS

HEADERS = (
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)


def wrap(app):
    """The ASGI app with HEADERS added to every HTTP response that lacks them."""

    async def wrapped(scope, receive, send):
        ours = scope.get("path", "").startswith("/-/agent-runs") or os.environ.get(ENV_HOSTS)
        if scope.get("type") != "http" or not ours:
            await app(scope, receive, send)
            return

        async def sending(message):
            if message.get("type") == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers") or []}
                extra = [(name, value) for name, value in HEADERS if name not in present]
                message = dict(message, headers=[*(message.get("headers") or []), *extra])
            await send(message)

        await app(scope, receive, sending)

    return wrapped
