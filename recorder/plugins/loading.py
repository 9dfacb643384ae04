"""Build the pluggy manager: the built-ins plus the given third-party entry points.

The hook's plugin calls (``calls``) import this only when the plugin cache lists a
third-party plugin; the command line's ``manager`` uses it on every run. Failures
are reported through the function the caller passes in, so this module needs
neither of them.
"""

from __future__ import annotations

import importlib

import pluggy

from recorder import hookspecs
from recorder.plugins import builtin as builtin_plugin

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

BUILTIN = "agent-runs"


def load(found: list[dict], report: Callable[[str], None]) -> pluggy.PluginManager:
    """A manager with the built-ins and the ``found`` entry points (failures to ``report``)."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(builtin_plugin, name=BUILTIN)
    for entry in found:
        try:
            pm.register(resolve(entry["value"]), name=entry["name"])
        except Exception as exc:
            report(
                f"plugin {entry['name']} ({entry['value']}) not loaded: {type(exc).__name__}: {exc}"
            )
    return pm


def resolve(value: str) -> object:
    """The object an entry point names: ``module`` or ``module:attribute.path``."""
    module, _, attribute = value.partition(":")
    target = importlib.import_module(module.strip())
    for part in filter(None, attribute.strip().split(".")):
        target = getattr(target, part)
    return target
