"""The recorder's plugin hooks (pluggy project ``agent_runs``).

A plugin is a module (or object) with functions named like the hooks below and
marked with :data:`hookimpl`, published under the entry-point group
``agent_runs``. An implementation may take any subset of a hook's arguments.
Hook wrappers are not called. A plugin that raises is logged and skipped: the
event is recorded without its contribution.

This module stays at ``recorder.hookspecs`` (not in ``recorder/plugins/``):
``from recorder.hookspecs import hookimpl`` is the public import path third-party
plugins use (see the README and tests/plugin_example).
"""

from __future__ import annotations

import pluggy

TYPE_CHECKING = False
if TYPE_CHECKING:
    import click

PROJECT = "agent_runs"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec(firstresult=True)
def classify_outcome(
    node: dict, text: str | None, response: object, error: str | None, interrupted: bool
) -> tuple[str, str] | tuple[str, str, str | None] | None:
    """Decide a finished node's outcome, or return None to leave it to the next plugin.

    ``node`` is the node as known so far (agent_type, node_name, prompt …), ``text``
    the subagent's result text, ``response`` the raw ``tool_response``, ``error`` and
    ``interrupted`` what a PostToolUseFailure event carried. Return a pair
    ``(outcome, reason)`` with outcome ``"success"``, ``"failure"`` or ``"unknown"``,
    or ``(outcome, reason, failure_kind)`` with one of ``outcome.FAILURE_KINDS``.
    The first answer wins; the built-in rules answer last.
    """


@hookspec
def redact_text(text: str) -> str | None:
    """Return ``text`` further redacted (None: unchanged).

    Called for every string of every event before it is written, after the
    built-in redaction; each plugin gets the previous plugin's output.
    """


@hookspec
def node_finished(node: dict) -> None:
    """A node reached a final status (completed, failed, cancelled or abandoned).

    ``node`` is its stored ``node_executions`` row. Called after the recorder's
    own work, inside its write transaction: keep it quick. When that transaction
    is rolled back and the event replayed later (spool), the node is notified again.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add subcommands to the ``agent-runs`` click group ``cli``."""
