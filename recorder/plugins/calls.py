"""Where the recorder calls its plugin hooks (see ``hookspecs``).

On the hook path: when the plugin cache says no third-party plugin is installed,
the built-ins are called directly and neither pluggy nor any entry-point scan is
imported. Otherwise pluggy loads the built-ins and exactly the cached plugin
modules. Every third-party call is guarded: an exception is reported through
:func:`report_to`'s sink and the event goes on without that plugin's answer.
Standard library only until a plugin is installed.
"""

import sys

from recorder.plugins import cache as plugin_cache
from recorder.schema.queries import sql

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing and pluggy are not imported on the hook path (so the
    # annotations naming them are strings: no __future__ import either)
    import sqlite3
    from collections.abc import Callable

    from pluggy import HookImpl, PluginManager

    from recorder.derive.outcome import Verdict

_FAILED = object()

_manager: "PluginManager | None" = None
_looked_up = False


def _stderr(message: str) -> None:
    print(f"agent-runs: {message}", file=sys.stderr)


_sink = _stderr


def report_to(sink: "Callable[[str], None]") -> None:
    """Send plugin problems to ``sink(message)`` (the hook's log) instead of stderr."""
    global _sink
    _sink = sink


def report(message: str) -> None:
    """Report a plugin problem (stderr, or the hook's log)."""
    _sink(message)


def use(manager: "PluginManager | None") -> None:
    """Call this pluggy manager's plugins (None: built-ins only) from now on."""
    global _manager, _looked_up
    _manager, _looked_up = manager, True


def manager() -> "PluginManager | None":
    """The plugin manager when third-party plugins are installed, else None."""
    global _looked_up
    if not _looked_up:
        _looked_up = True
        try:
            found = plugin_cache.installed()
        except Exception as exc:  # a broken environment must not stop recording
            report(f"plugins not looked up: {type(exc).__name__}: {exc}")
            found = []
        if found:
            from recorder.plugins import loading

            use(loading.load(found, report))
    return _manager


def implementations(pm: "PluginManager", hook: str) -> "list[HookImpl]":
    """The hook's implementations in pluggy's call order (wrappers are not called)."""
    impls = getattr(pm.hook, hook).get_hookimpls()
    return [i for i in reversed(impls) if not (i.hookwrapper or i.wrapper)]


def call(impl: "HookImpl", hook: str, **kwargs: object) -> object:
    """One implementation's answer, or ``_FAILED`` (reported) when it raised."""
    try:
        return impl.function(*[kwargs[name] for name in impl.argnames])
    except Exception as exc:
        report(f"plugin {impl.plugin_name} failed in {hook}: {type(exc).__name__}: {exc}")
        return _FAILED


def classify_outcome(
    node: dict,
    text: str | None,
    *,
    response: object = None,
    error: str | None = None,
    interrupted: bool = False,
) -> "Verdict":
    """The first plugin verdict for a finished node, else the built-in classifier's.

    A plugin may answer ``(outcome, reason)`` or ``(outcome, reason, failure_kind)``.
    Called by derivation only: the classifier is imported here, never on the hook path.
    """
    from recorder.derive.outcome import (
        FAILURE,
        FAILURE_KINDS,
        SUCCESS,
        UNKNOWN,
        Verdict,
        classify,
    )

    pm = manager()
    if pm is not None:
        facts = {"node": public(node), "text": text, "response": response}
        facts.update(error=error, interrupted=interrupted)
        for impl in implementations(pm, "classify_outcome"):
            answer = call(impl, "classify_outcome", **facts)
            if answer is None or answer is _FAILED:
                continue
            if (
                isinstance(answer, (tuple, list))
                and len(answer) in (2, 3)
                and answer[0] in (SUCCESS, FAILURE, UNKNOWN)
                and isinstance(answer[1], str)
            ):
                kind = answer[2] if len(answer) == 3 and answer[0] == FAILURE else None
                if kind is not None and kind not in FAILURE_KINDS:
                    kind = None
                return Verdict(answer[0], answer[1], kind, f"plugin:{impl.plugin_name}")
            report(f"plugin {impl.plugin_name}: classify_outcome gave {answer!r}; ignored")
    return classify(text, response=response, error=error, interrupted=interrupted)


def redact(payload: dict) -> dict:
    """Every string of an already redacted payload through the plugins' redact_text chain."""
    pm = manager()
    if pm is None:
        return payload
    from recorder.plugins.loading import BUILTIN  # imported already: pm exists

    # the built-in patterns already ran over keys and values (redaction.redact)
    chain = [i for i in implementations(pm, "redact_text") if i.plugin_name != BUILTIN]

    def further(text: str) -> str:
        for impl in chain:
            answer = call(impl, "redact_text", text=text)
            if isinstance(answer, str):
                text = answer
            elif answer is not None and answer is not _FAILED:
                report(f"plugin {impl.plugin_name}: redact_text gave {type(answer).__name__}")
        return text

    stack: list = [payload]  # the payload's containers are fresh copies: edit in place
    seen = set()
    while stack:
        container = stack.pop()
        if id(container) in seen:
            continue
        seen.add(id(container))
        keys = container.keys() if isinstance(container, dict) else range(len(container))
        for key in keys:
            value = container[key]
            if isinstance(value, str):
                container[key] = further(value)
            elif isinstance(value, (dict, list)):
                stack.append(value)
    return payload


def node_finished(conn: "sqlite3.Connection", node: dict) -> None:
    """Tell the plugins that ``node`` reached a final status (after it was saved)."""
    pm = manager()
    if pm is None:
        return
    row = conn.execute(sql("select_node_by_id"), node).fetchone()  # save_node set its id
    for impl in implementations(pm, "node_finished"):
        call(impl, "node_finished", node=dict(row))


def public(node: dict) -> dict:
    """A copy of the node without the recorder's bookkeeping."""
    return {k: v for k, v in node.items() if not k.startswith("_")}
