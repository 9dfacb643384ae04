"""Learnings: ``[LEARNED:domain] text`` markers in a subagent's result become rows.

ELF's post-tool hook introduced the markers (``[LEARNED:domain]``, ``[LEARNING:domain]``,
``[LEARN]``, any case) and the rule that sorts them: a learning that says "always",
"never", "should", "must", "don't", "avoid" or "prefer" is a heuristic, anything else
an observation. Rows go into ELF's own ``learnings`` table, keyed by node and text, so
a replayed or backfilled result never adds a row twice. Standard library only (hook path).
"""

from __future__ import annotations

import re
import sqlite3

from recorder.schema.queries import sql

# A plain substring test decides whether a result is scanned at all (most are not).
MARKER_STARTS = ("[LEARN", "[learn", "[Learn")
HEURISTIC_WORDS = ("always", "never", "should", "must", "don't", "avoid", "prefer")
DEFAULT_DOMAIN = "general"
TITLE_LENGTH = 100

_marker: re.Pattern[str] | None = None


def marker() -> re.Pattern[str]:
    """The marker pattern, compiled on first use."""
    global _marker
    if _marker is None:
        _marker = re.compile(
            r"\[LEARN(?:ED|ING)?(?:[ \t]*:[ \t]*([^\]\n]*))?\][ \t]*([^\n]+)", re.IGNORECASE
        )
    return _marker


def kind(text: str) -> str:
    """'heuristic' when the learning states a rule (ELF's words), else 'observation'."""
    lowered = text.lower()
    return "heuristic" if any(word in lowered for word in HEURISTIC_WORDS) else "observation"


def extract(text: str | None) -> list[tuple[str, str, str]]:
    """The (domain, text, kind) of every marker in ``text``, in order, without repeats."""
    if not text or not any(start in text for start in MARKER_STARTS):
        return []
    found: dict[tuple[str, str], str] = {}
    for domain, body in marker().findall(text):
        body = body.strip()
        if body:
            domain = domain.strip().lower() or DEFAULT_DOMAIN
            found.setdefault((domain, body), kind(body))
    return [(domain, body, k) for (domain, body), k in found.items()]


def without_markers(text: str) -> str:
    """``text`` without its learning markers: what the report says about the task itself."""
    if not any(start in text for start in MARKER_STARTS):
        return text
    return marker().sub("", text).strip()


def record(conn: sqlite3.Connection, node: dict) -> int:
    """Store the learnings in a finished node's result; return how many markers it had."""
    found = extract(node.get("result_text"))
    for domain, text, learning_kind in found:
        conn.execute(
            sql("insert_learning"),
            {
                "type": learning_kind,
                "filepath": f"agent-runs/node_executions/{node['id']}",
                "title": title(text),
                "summary": text,
                "domain": domain,
                "created_at": node["completed_at"] or node["updated_at"],
                "node_id": node["id"],
                "run_id": node["run_id"],
                "session_id": node["session_id"],
                "kind": learning_kind,
                "text": text,
            },
        )
    return len(found)


def title(text: str) -> str:
    """ELF's title: the learning cut to 100 characters."""
    return text if len(text) <= TITLE_LENGTH else text[: TITLE_LENGTH - 1] + "…"
