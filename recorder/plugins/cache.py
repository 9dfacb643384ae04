"""Which third-party recorder plugins are installed, without scanning on every hook run.

Finding entry points needs ``importlib.metadata`` (tens of milliseconds of imports);
the hook runs on every subagent event, so it reads this cache instead. There is one
small JSON file per Python environment (``sys.prefix``) in the user's cache
directory, holding one entry per ``sys.path`` (PYTHONPATH changes what is
installed). An entry is valid while every ``sys.path`` directory keeps its
modification time: installing or removing a distribution changes its directory.
A missing, corrupt or stale entry is rescanned; an unwritable cache only means
scanning every time. ``agent-runs`` rescans on every run. Standard library only.
"""

import json
import os
import sys

GROUP = "agent_runs"
FORMAT = 1
# sys.path variants kept per environment (each run of a different one adds one)
MAX_ENTRIES = 8


def cache_file(prefix: str | None = None) -> str:
    """The cache file of the environment at ``prefix`` (default: this one)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    name = (prefix or sys.prefix).strip(os.sep).replace(os.sep, "_")[-200:] or "root"
    return os.path.join(base, "agent-runs", f"plugins-{name}.json")


def installed() -> list[dict]:
    """Third-party plugin entry points (name, value, dist, version): cached, else scanned."""
    key, stamp = path_key()
    entry = read(cache_file()).get(key)
    if (
        isinstance(entry, dict)
        and entry.get("stamp") == stamp
        and isinstance(entry.get("plugins"), list)
        and all(valid_plugin(p) for p in entry["plugins"])
    ):
        return entry["plugins"]
    return refresh()


def refresh() -> list[dict]:
    """Scan the entry points now and remember the result for this sys.path."""
    key, stamp = path_key()  # before scanning: a change during the scan invalidates it
    plugins = scan()
    path = cache_file()
    entries = read(path)
    entries.pop(key, None)  # re-inserted last: the newest entry survives trimming
    entries[key] = {"stamp": stamp, "plugins": plugins}
    write(path, dict(list(entries.items())[-MAX_ENTRIES:]))
    return plugins


def path_key() -> tuple[str, list[int]]:
    """This process's sys.path as a key, and the modification times of its entries."""
    stamp = []
    for entry in sys.path:
        try:
            stamp.append(os.stat(entry or ".").st_mtime_ns)
        except OSError:
            stamp.append(-1)
    return "\0".join(sys.path), stamp


def scan() -> list[dict]:
    """The entry points of the ``agent_runs`` group visible on sys.path."""
    from importlib.metadata import entry_points

    found = []
    for point in entry_points(group=GROUP):
        dist = point.dist
        found.append(
            {
                "name": point.name,
                "value": point.value,
                "dist": dist.name if dist else None,
                "version": dist.version if dist else None,
            }
        )
    return sorted(found, key=lambda p: p["name"])


def valid_plugin(plugin: object) -> bool:
    return (
        isinstance(plugin, dict)
        and isinstance(plugin.get("name"), str)
        and isinstance(plugin.get("value"), str)
    )


def read(path: str) -> dict:
    """The cached entries by sys.path key; empty when missing or unreadable."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return {}
    entries = data.get("entries")
    return entries if isinstance(entries, dict) else {}


def write(path: str, entries: dict) -> None:
    """Replace the cache file atomically; a cache that cannot be written is skipped."""
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        with open(temporary, "w", encoding="utf-8") as f:
            json.dump({"format": FORMAT, "entries": entries}, f)
        os.replace(temporary, path)
    except OSError:
        try:  # noqa: SIM105 (contextlib would be one more import on the hook path)
            os.unlink(temporary)
        except OSError:
            pass
