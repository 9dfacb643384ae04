"""The package's metadata.yml, applied to every database that has the agent-runs schema.

``metadata.yml`` describes the tables once, under ``databases: index:`` (the name a
database gets from ``memory/index.db``). The ``get_metadata`` hook hands that block to
each agent-runs database, whatever its file is called, so bare ``datasette any.db``
looks the same as ``datasette index.db -m metadata.yml``. Local metadata given with
``-m`` still wins, key by key, as Datasette merges it last.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import yaml

from . import locate, schema

TEMPLATE_DATABASE = "index"


@lru_cache(maxsize=8)
def _parse(path: str, mtime: float) -> dict:
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


def load(directory: Path | None = None) -> dict:
    """The parsed metadata.yml (re-read when the file changes); {} when there is none."""
    directory = directory or locate.data_dir()
    if directory is None:
        return {}
    path = directory / "metadata.yml"
    try:
        return _parse(str(path), path.stat().st_mtime)
    except OSError:
        return {}


def plugin_config(metadata: dict) -> dict:
    """The ``plugins: agent-runs:`` block of parsed metadata."""
    return ((metadata.get("plugins") or {}).get("agent-runs")) or {}


def database_block(metadata: dict) -> dict:
    """The per-database part of the metadata (the ``index`` entry, or the only entry)."""
    databases = metadata.get("databases") or {}
    if TEMPLATE_DATABASE in databases:
        return databases[TEMPLATE_DATABASE] or {}
    if len(databases) == 1:
        return next(iter(databases.values())) or {}
    return {}


def _rebase(value, base_url: str, key: str | None = None):
    """Point the root-relative links in description_html at Datasette's base_url."""
    if isinstance(value, dict):
        return {k: _rebase(v, base_url, k) for k, v in value.items()}
    if key == "description_html" and isinstance(value, str):
        return value.replace('href="/', f'href="{base_url}')
    return value


def for_instance(datasette) -> dict:
    """What ``get_metadata`` returns: the metadata for each agent-runs database (a fresh copy).

    Nothing at all when no attached database has the schema.
    """
    names = tuple(schema.agent_runs_databases(datasette))
    if not names:
        return {}
    directory = locate.data_dir()
    path = directory / "metadata.yml" if directory else None
    try:
        mtime = path.stat().st_mtime if path else None
    except OSError:
        mtime = None
    base_url = datasette.setting("base_url") or "/"
    # Datasette merges hook results into its own dicts in place and asks for metadata
    # hundreds of times a page: hand out a fresh copy, decoded from a cached JSON text.
    return json.loads(_as_json(names, str(path), mtime, base_url))


@lru_cache(maxsize=32)
def _as_json(names: tuple[str, ...], path: str, mtime: float | None, base_url: str) -> str:
    metadata = load(Path(path).parent) if mtime is not None else {}
    result = {k: v for k, v in metadata.items() if k != "databases"}
    block = database_block(metadata)
    result["databases"] = {name: block for name in names}
    if base_url != "/":
        result = _rebase(result, base_url)
    return json.dumps(result)
