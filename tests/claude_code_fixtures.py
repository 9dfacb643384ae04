"""Claude Code 2.1.336 hook streams (tests/fixtures/claude_code; docs/claude-code-events.md)."""

from __future__ import annotations

import json
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "claude_code"
NAMES = sorted(p.stem for p in FIXTURES.glob("*.json"))


def stream(name: str) -> list[dict]:
    """The fixture's payloads, each stamped with the time Claude Code sent it."""
    events = json.loads((FIXTURES / f"{name}.json").read_text())["events"]
    return [dict(e["payload"], _agent_runs={"received_at": e["at"]}) for e in events]


def feed(hook, name: str) -> list[dict]:
    """Send the fixture's events, in order, through the real hook process."""
    payloads = stream(name)
    for payload in payloads:
        hook(payload)
    return payloads
