"""Parse Claude Code's ``<task-notification>`` messages (standard library only).

Claude Code tells the main agent that a background task ended with an XML-ish
block: ``<task-id>`` (the agent id), ``<tool-use-id>``, ``<status>``
(completed, failed, killed, stopped), ``<summary>``, ``<result>`` and
``<usage>`` with ``<subagent_tokens>`` (older builds: ``<total_tokens>``),
``<tool_uses>`` and ``<duration_ms>``. It arrives as a UserPromptSubmit prompt
when Claude Code is idle, or inside a transcript line.
"""

from __future__ import annotations

import re

from recorder.hook.numbers import MAX_COUNT, MAX_DURATION_MS, integer

OPEN = "<task-notification>"
_TAG = re.compile(r"<(task-id|tool-use-id|status|summary)>(.*?)</\1>", re.S)
_USAGE = re.compile(r"<(subagent_tokens|total_tokens|tool_uses|duration_ms)>\s*(\d+)\s*</\1>")
# Statuses that end a background agent, as the node status they give.
STATUSES = {
    "completed": "completed",
    "failed": "failed",
    "killed": "cancelled",
    "stopped": "cancelled",
}


def is_notification(text: object) -> bool:
    """Whether a prompt is a task notification rather than something a person typed."""
    return isinstance(text, str) and text.lstrip().startswith(OPEN)


def parse(text: str) -> list[dict]:
    """The task notifications in a message: task id, tool_use id, status, result, usage.

    ``text`` is the notification's own block, as Claude Code wrote it. ``usage`` maps
    ``total_tokens`` (from ``<subagent_tokens>``, else the older ``<total_tokens>``),
    ``tool_uses`` and ``duration_ms`` to integers.
    """
    found = []
    for chunk in text.split(OPEN)[1:]:
        end = chunk.rfind("</task-notification>")
        chunk = chunk if end < 0 else chunk[:end]
        block = f"{OPEN}{chunk}</task-notification>"
        start, stop = chunk.find("<result>"), chunk.rfind("</result>")
        head, tail = (chunk[:start], chunk[stop:]) if 0 <= start < stop else (chunk, chunk)
        fields = {name: value.strip() for name, value in _TAG.findall(head)}
        usage = {  # a count beyond its sane range is junk: left out
            name: count
            for name, value in _USAGE.findall(tail)
            if (count := integer(value, MAX_DURATION_MS if name == "duration_ms" else MAX_COUNT))
            is not None
        }
        if "subagent_tokens" in usage:
            usage["total_tokens"] = usage.pop("subagent_tokens")
        note = {
            "task_id": fields.get("task-id") or None,
            "tool_use_id": fields.get("tool-use-id") or None,
            "status": (fields.get("status") or "").lower() or None,
            "summary": fields.get("summary") or None,
            "result": chunk[start + len("<result>") : stop].strip() if 0 <= start < stop else None,
            "usage": usage,
            "text": block,
        }
        if note["task_id"] or note["tool_use_id"]:
            found.append(note)
    return found
