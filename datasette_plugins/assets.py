"""The plugin's own static files (CSS and JS), served by the plugin itself.

Datasette only finds static/ for plugins that are packages; this plugin is a module
(``datasette_plugins.agent_runs``), so it serves ``datasette_plugins/static/`` at
``/-/agent-runs/static/<file>``. All files share one version string (a hash of their
contents) for cache-busting URLs; charts and scripts need nothing from the network.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from datasette.utils.asgi import NotFound, Response

from . import links

STATIC_DIR = Path(__file__).resolve().parent / "static"
CONTENT_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}


@cache
def version() -> str:
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.iterdir()):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def url(datasette, filename: str) -> str:
    return links.static(datasette, filename, version())


def css_urls(datasette) -> list[str]:
    return [url(datasette, "agent-runs.css")]


def js_urls(datasette) -> list[dict]:
    return [{"url": url(datasette, "agent-runs.js"), "module": True}]


async def serve(request) -> Response:
    """GET /-/agent-runs/static/<filename>: one of our files, cached for a year if versioned."""
    name = request.url_vars["filename"]
    path = STATIC_DIR / name
    if path.suffix not in CONTENT_TYPES or path.parent != STATIC_DIR or not path.is_file():
        raise NotFound(f"No such file: {name}")
    cache_control = (
        "public, max-age=31536000, immutable" if request.args.get("v") == version() else "no-cache"
    )
    return Response(
        path.read_text(encoding="utf-8"),
        content_type=CONTENT_TYPES[path.suffix],
        headers={"Cache-Control": cache_control},
    )
