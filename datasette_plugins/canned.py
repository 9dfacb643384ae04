"""Canned queries: each ``canned_queries/<name>.sql`` with its metadata from metadata.yml.

The SQL lives only in the .sql files; titles, descriptions, ``params`` and
``param_help`` live under ``plugins: agent-runs: queries: <name>`` in metadata.yml.
Datasette has no ``param_help`` of its own, so the help is added to the query's
description (and kept on the query for the page script that fills in placeholders).
A query with a ``fragment`` (datasette-vega's chart settings, ``g.mark=…``) opens as a
chart from the database page, and its description links to the same chart.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from markupsafe import Markup

from . import locate

PASSED_THROUGH = ("title", "description", "description_html", "params", "hide_sql", "fragment")


@lru_cache(maxsize=256)
def _read(path: str, mtime: float) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def param_help_items(param_help) -> list[tuple[str, str]]:
    """``param_help`` as (parameter, help) pairs: accepts a mapping or a list of mappings."""
    if isinstance(param_help, dict):
        return [(str(k), str(v)) for k, v in param_help.items()]
    if isinstance(param_help, list):
        items = []
        for entry in param_help:
            if isinstance(entry, dict) and "name" in entry:
                items.append((str(entry["name"]), str(entry.get("help", ""))))
            elif isinstance(entry, dict):
                items.extend((str(k), str(v)) for k, v in entry.items())
        return items
    return []


def chart_link(fragment: str) -> Markup:
    """A link that opens the query's datasette-vega chart, configured by ``fragment``."""
    return Markup(
        '<p class="ar-chart-note"><a class="ar-chart-link" href="#{}">Show as a chart</a>'
        ' <span class="ar-muted">(datasette-vega, already set up; change it below the link)'
        "</span></p>"
    ).format(fragment)


def description_with_help(query: dict, param_help, fragment: str | None = None) -> str:
    """The query's description as HTML, then its chart link and its parameters' help."""
    if query.get("description_html"):
        html = Markup(query["description_html"])
    else:
        html = (
            Markup("<p>{}</p>").format(query.get("description", ""))
            if query.get("description")
            else Markup("")
        )
    if fragment:
        html += chart_link(fragment)
    items = param_help_items(param_help)
    if isinstance(param_help, str):
        return str(html + Markup('<p class="ar-param-help">{}</p>').format(param_help))
    if not items:
        return str(html)
    rows = Markup("").join(
        Markup("<dt><code>{}</code></dt><dd>{}</dd>").format(name, text) for name, text in items
    )
    return str(html + Markup('<dl class="ar-param-help">{}</dl>').format(rows))


def load(directory: Path | None, config: dict) -> dict:
    """{name: canned query} for every .sql file under ``directory/canned_queries``."""
    if directory is None:
        return {}
    folder = directory / "canned_queries"
    if not folder.is_dir():
        return {}
    described = config.get("queries") or {}
    queries = {}
    for path in sorted(folder.glob("*.sql")):
        info = described.get(path.stem) or {}
        query = {"sql": _read(str(path), path.stat().st_mtime)}
        query.update({key: info[key] for key in PASSED_THROUGH if key in info})
        if info.get("param_help"):
            query["param_help"] = dict(param_help_items(info["param_help"]))
        if info.get("param_help") or info.get("fragment"):
            query["description_html"] = description_with_help(
                query, info.get("param_help"), info.get("fragment")
            )
        queries[path.stem] = query
    return queries


@lru_cache(maxsize=1)
def names() -> frozenset[str]:
    """The names of the canned queries (``canned_queries/<name>.sql``), read once."""
    directory = locate.data_dir()
    if directory is None:
        return frozenset()
    return frozenset(path.stem for path in (directory / "canned_queries").glob("*.sql"))
