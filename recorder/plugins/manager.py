"""The command line's plugins: built-ins plus the entry-point group ``agent_runs``.

The command line rescans the entry points on every run (refreshing the cache the
hook reads), builds the manager (``loading``), adds the plugins' subcommands and
lists what is loaded. The hook never imports this module (see ``calls``).
"""

from __future__ import annotations

import pluggy

from recorder.plugins import builtin as builtin_plugin
from recorder.plugins import cache as plugin_cache
from recorder.plugins import calls as plugin_calls
from recorder.plugins.loading import BUILTIN, load

TYPE_CHECKING = False
if TYPE_CHECKING:
    import click

_cli_state: tuple[pluggy.PluginManager, list[dict]] | None = None


def for_cli() -> tuple[pluggy.PluginManager, list[dict]]:
    """The command line's manager and entry points, rescanned once per process."""
    global _cli_state
    if _cli_state is None:
        try:
            found = plugin_cache.refresh()
        except Exception as exc:
            plugin_calls.report(f"plugins not scanned: {type(exc).__name__}: {exc}")
            found = []
        pm = load(found, plugin_calls.report)
        plugin_calls.use(pm if found else None)
        _cli_state = pm, found
    return _cli_state


def add_commands(cli: click.Group) -> None:
    """Let every plugin add its subcommands to ``cli``."""
    pm, _ = for_cli()
    for impl in plugin_calls.implementations(pm, "register_commands"):
        plugin_calls.call(impl, "register_commands", cli=cli)


def listing() -> list[dict]:
    """What is loaded: the built-ins and each third-party plugin, with hooks and version."""
    from importlib.metadata import version

    pm, found = for_cli()
    rows = [describe(pm, BUILTIN, "built-in", builtin_plugin.__name__, BUILTIN, version(BUILTIN))]
    for entry in found:
        rows.append(
            describe(
                pm, entry["name"], "third-party", entry["value"], entry["dist"], entry["version"]
            )
        )
    return rows


def describe(
    pm: pluggy.PluginManager,
    name: str,
    kind: str,
    module: str,
    dist: str | None,
    version: str | None,
) -> dict:
    plugin = pm.get_plugin(name)
    hooks = sorted(caller.name for caller in pm.get_hookcallers(plugin) or ()) if plugin else []
    return {
        "name": name,
        "kind": kind,
        "module": module,
        "distribution": dist,
        "version": version,
        "loaded": plugin is not None,
        "hooks": hooks,
    }
