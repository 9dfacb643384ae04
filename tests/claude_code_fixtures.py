"""Claude Code 2.1.336 hook streams (tests/fixtures/claude_code; docs/claude-code-events.md)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli

from recorder.hook import spool

FIXTURES = Path(__file__).parent / "fixtures" / "claude_code"
NAMES = sorted(p.stem for p in FIXTURES.glob("*.json"))


CLAUDE_PROJECTS = "/home/dev/.claude/projects"  # where the fixtures' transcripts were


def stream(name: str, projects: Path | None = None) -> list[dict]:
    """The fixture's payloads, each stamped with the time Claude Code sent it.

    With ``projects``, transcript paths point there instead (where a test wrote them).
    """
    text = (FIXTURES / f"{name}.json").read_text()
    if projects is not None:
        text = text.replace(CLAUDE_PROJECTS, json.dumps(str(projects))[1:-1])
    events = json.loads(text)["events"]
    return [dict(e["payload"], _agent_runs={"received_at": e["at"]}) for e in events]


def feed(db, name: str, projects: Path | None = None) -> list[dict]:
    """Record the fixture's events, in order and at the times Claude Code sent them.

    The hook keeps its own receipt time (a payload cannot supply one), so the stamped
    payloads go where the hook puts what it could not write yet, the spool beside the
    database, and a real `agent-runs replay` records them with the hook's own code.
    `test_lifecycle.test_the_real_hook_records_every_fixture_alike` shows that the hook
    process itself gives the same rows, all but the times. ``projects``: as for ``stream``.
    """
    payloads = stream(name, projects)
    Path(db).parent.mkdir(parents=True, exist_ok=True)
    for payload in payloads:
        spool.spool(str(db), payload)
    result = run_cli("replay", "--db", str(db))
    assert result.returncode == 0, result.stderr
    return payloads
