"""An example agent-runs plugin: one implementation of each recorder hook.

- classify_outcome: a report that mentions FLAKY-TEST-DETECTED failed, whatever else it says;
- redact_text: ACME-<16 hex digits> customer keys become [REDACTED:acme];
- node_finished: appends the finished node to the file named by $AGENT_RUNS_EXAMPLE_LOG;
- register_commands: ``agent-runs example-finished`` summarises that file.

$AGENT_RUNS_EXAMPLE_RAISE (comma-separated hook names) makes those hooks raise.
The hook process imports this module on every event: click is imported only where
the command line needs it.
"""

from __future__ import annotations

import json
import os
import re

from recorder.hookspecs import hookimpl

REASON = "example plugin: a flaky test was reported"
ACME_KEY = re.compile(r"ACME-[0-9a-f]{16}")


def fail_if_asked(hook: str) -> None:
    if hook in os.environ.get("AGENT_RUNS_EXAMPLE_RAISE", "").split(","):
        raise RuntimeError(f"example plugin asked to fail in {hook}")


@hookimpl
def classify_outcome(text):
    fail_if_asked("classify_outcome")
    if text and "FLAKY-TEST-DETECTED" in text:
        return ("failure", REASON)
    return None


@hookimpl
def redact_text(text):
    fail_if_asked("redact_text")
    return ACME_KEY.sub("[REDACTED:acme]", text)


@hookimpl
def node_finished(node):
    fail_if_asked("node_finished")
    log = os.environ.get("AGENT_RUNS_EXAMPLE_LOG")
    if log:
        fields = ("id", "tool_use_id", "status", "outcome", "outcome_reason")
        record = {key: node.get(key) for key in fields} | {"pid": os.getpid()}
        with open(log, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")


@hookimpl
def register_commands(cli):
    fail_if_asked("register_commands")
    from collections import Counter

    import click

    @cli.command("example-finished")
    @click.argument("log", type=click.Path(exists=True, dir_okay=False))
    def example_finished(log):
        """Count the finished nodes in LOG by status."""
        with open(log, encoding="utf-8") as f:
            statuses = Counter(json.loads(line)["status"] for line in f)
        click.echo(", ".join(f"{status}: {n}" for status, n in sorted(statuses.items())))
